"""The spec loader: file-level bad input, YAML-level problems, positions, all problems at once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sentinel.errors import Problem, SpecError
from sentinel.spec import LoadedSpec, load_spec, load_spec_text

MINIMAL = "name: web\nimage: nginx:1.27\n"


def problems_of(text: str, source: str = "t.yaml") -> list[Problem]:
    with pytest.raises(SpecError) as info:
        load_spec_text(text, source)
    return info.value.problems


def only(text: str) -> Problem:
    found = problems_of(text)
    assert len(found) == 1, [p.format() for p in found]
    return found[0]


def test_minimal_spec_loads_with_defaults() -> None:
    spec = load_spec_text(MINIMAL, "t.yaml")
    assert isinstance(spec, LoadedSpec)
    assert (spec.model.name, spec.model.namespace, spec.model.security) == (
        "web",
        "default",
        "restricted",
    )
    assert spec.model.apply is True
    assert spec.path is None and spec.source == "t.yaml" and spec.text == MINIMAL
    assert spec.warnings == []
    assert spec.position("image") == (2, 8)


def test_load_spec_reads_file_and_keeps_path(tmp_path: Path) -> None:
    path = tmp_path / "web.yaml"
    path.write_text(MINIMAL)
    spec = load_spec(path)
    assert spec.path == path and spec.source == str(path)
    assert spec.model.image == "nginx:1.27"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"\x00\x01\x02binary\xff", "binary file (contains NUL bytes)"),
        (b"name: web\nimage: caf\xe9\n", "not valid UTF-8 text (byte 0xe9)"),
        (b"x" * (5 * 1024 * 1024), "file is 5.0 MiB; a spec may be at most 1 MiB"),
    ],
)
def test_bad_file_content_is_one_clear_problem(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    with pytest.raises(SpecError) as info:
        load_spec(path)
    (problem,) = info.value.problems
    assert problem.file == str(path)
    assert problem.message.startswith(message)
    assert problem.hint


def test_invalid_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"name: web\nimage: caf\xe9\n")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert info.value.problems[0].line == 2


def test_directory_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        load_spec(tmp_path)
    assert info.value.problems[0].message == "is a directory, not a spec file"


def test_missing_file_is_a_problem(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        load_spec(tmp_path / "nope.yaml")
    assert info.value.problems[0].message == "file not found"


def test_fifo_is_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(SpecError) as info:
        load_spec(fifo)  # would block forever if it were opened
    assert info.value.problems[0].message == "is not a regular file"


def test_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text(MINIMAL)
    path.chmod(0)
    if os.access(path, os.R_OK):  # running as root: permissions do not apply
        path.chmod(0o644)
        path = tmp_path / "loop.yaml"
        path.symlink_to(path)  # ELOOP is an OSError on every platform and user
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert info.value.problems[0].message.startswith("cannot read the file")


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_spec(path).model.name == "web"


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ("", "the spec is empty", 1, 1),
        ("# only a comment\n", "the spec is empty", 1, 1),
        ("just text\n", "expected a mapping of spec keys, found 'just text'", 1, 1),
        ("- name: web\n", "expected a mapping of spec keys, found a list", 1, 1),
        (
            "name: web\nimage: x\nlabels: {a: b}\n",
            "flow style ({...} or [...]) is not allowed",
            3,
            9,
        ),
        ("name: web\nimage: x\nargs: [a]\n", "flow style ({...} or [...]) is not allowed", 3, 7),
        (
            "name: &n web\nimage: x\n",
            "YAML anchors and aliases (&name, *name) are not allowed",
            1,
            7,
        ),
        ("name: !!str web\nimage: x\n", "YAML tags (!!str, !tag) are not allowed", 1, 7),
        ("name: web\nimage: x\nname: db\n", "duplicate key 'name' found", 3, 1),
        ("name: web\nimage: 'x\n", "not valid YAML: found unexpected end of stream", 3, 1),
        ("name: web\n---\nname: db\n", "not valid YAML: but found another document", 2, 1),
        (
            "name: web\n\tbad: 1\n",
            "not valid YAML: found character '\\t' that cannot start any token",
            2,
            1,
        ),
        (
            "name: web\nimage: \x07\n",
            "special character '\\x07' is not allowed in a spec file",
            2,
            8,
        ),
        ("?\n- - \n", "a key must be plain text, not a list or a mapping ('?' keys)", None, None),
        (
            "- \n\n- \n\n",
            ("the YAML parser cannot read this layout (blank lines around empty list items)"),
            None,
            None,
        ),
        ("name: web\nimage: x\n? - a\n: b\n", "a key must be plain text", 3, 3),
        ("name: web\nimage: =\n", "'=' is not a valid image reference", 2, 8),
        (
            "%YAML 1." + "9" * 5000 + "\n---\nname: web\n",
            "not valid YAML: a number in a directive is far too long",
            None,
            None,
        ),
    ],
)
def test_yaml_level_problems(text: str, message: str, line: int | None, column: int | None) -> None:
    problem = only(text)
    assert (problem.message, problem.line, problem.column) == (message, line, column)
    assert problem.hint


def test_empty_dir_flow_hint() -> None:
    text = "name: web\nimage: x\nvolumes:\n  - name: a\n    emptyDir: {}\n    mountPath: /a\n"
    problem = only(text)
    assert (problem.field, problem.line, problem.column) == ("volumes[0].emptyDir", 5, 15)
    assert problem.hint == "write `emptyDir:` with nothing after it"


def test_text_with_nul_or_surrogates_is_refused() -> None:
    assert only("name: web\x00").message.startswith("text contains NUL characters")
    assert only("name: \ud800").message.startswith("text holds characters that are not valid")


def test_deep_nesting_is_a_problem() -> None:
    text = "name: web\nimage: x\nlabels:\n  " + "- " * 5000 + "x\n"
    assert only(text).message == "the document is nested too deeply"


MANY = """\
name: Web_1
image: nginx:1.27
imagePulPolicy: Always
ports:
  - name: http
    containerPort: abc
  - name: metrics
    containerPort: 9090
    protocl: TCP
resources:
  requests:
    cpu: 2
  limits:
    cpu: 500m
probes:
  livenes:
    tcp:
      port: 80
volumes:
  - name: data
    emptyDir: {}
    mountPath: data
runAsUser: 0
"""


def test_every_problem_of_a_file_in_one_run() -> None:
    found = [(p.line, p.column, p.field, p.message) for p in problems_of(MANY)]
    assert found == [
        (1, 7, "name", "'Web_1' is not a valid DNS-1123 label"),
        (3, 1, "imagePulPolicy", "unknown key 'imagePulPolicy'"),
        (6, 20, "ports[0].containerPort", "expected a whole number, found 'abc'"),
        (9, 5, "ports[1].protocl", "unknown key 'protocl'"),
        (12, 10, "resources.requests.cpu", "request 2 (2) is above the limit 500m (0.5)"),
        (16, 3, "probes.livenes", "unknown key 'livenes'"),
        (21, 15, "volumes[0].emptyDir", "flow style ({...} or [...]) is not allowed"),
        (22, 16, "volumes[0].mountPath", "'data' must be an absolute path"),
        (23, 12, "runAsUser", "0 (root) is not allowed under the restricted profile"),
    ]


def test_problems_format_as_one_line_each() -> None:
    lines = str(SpecError(problems_of(MANY))).splitlines()
    assert lines[1] == (
        "t.yaml:3:1: imagePulPolicy: unknown key 'imagePulPolicy' "
        "(hint: did you mean 'imagePullPolicy'?)"
    )
    assert len(lines) == 9


@pytest.mark.parametrize(
    ("snippet", "field", "hint"),
    [
        ("imagepullpolicy: Always", "imagepullpolicy", "did you mean 'imagePullPolicy'?"),
        ("working_dir: /x", "working_dir", "did you mean 'workingDir'?"),
        ("outputPath: a.yaml", "outputPath", "did you mean 'output_path'?"),
        ("ports:\n  - contanerPort: 80", "ports[0].contanerPort", "did you mean 'containerPort'?"),
        ("resources:\n  request:\n    cpu: 1", "resources.request", "did you mean 'requests'?"),
        (
            "resources:\n  limits:\n    ephemeral_storage: 1Gi",
            "resources.limits.ephemeral_storage",
            "did you mean 'ephemeral-storage'?",
        ),
        (
            "probes:\n  readiness:\n    httpGet:\n      path: /\n      port: 80",
            "probes.readiness.httpGet",
            "did you mean 'http'?",
        ),
        (
            "env:\n  A:\n    secretRef:\n      name: a\n      key: b",
            "env.A.secretRef",
            "did you mean 'secretKeyRef'?",
        ),
        (
            "volumes:\n  - name: a\n    emptydir:\n    mountPath: /a",
            "volumes[0].emptydir",
            "did you mean 'emptyDir'?",
        ),
        (
            "volumes:\n  - name: a\n    secret:\n      name: s\n    mountPath: /a",
            "volumes[0].secret.name",
            "did you mean 'secretName'?",
        ),
        ("colour: blue", "colour", "allowed keys here: name, namespace, labels"),
    ],
)
def test_unknown_keys_suggest_the_right_one(snippet: str, field: str, hint: str) -> None:
    found = [p for p in problems_of(MINIMAL + snippet) if p.message.startswith("unknown key")]
    assert [p.field for p in found] == [field]
    assert found[0].hint.startswith(hint)
    assert found[0].line is not None and found[0].line > 2


def test_positions_of_values_are_recorded() -> None:
    spec = load_spec_text(MINIMAL + "ports:\n  - name: http\n    containerPort: 80\n", "t.yaml")
    assert spec.position("ports", 0, "name") == (4, 11)
    assert spec.position("ports", 0, "containerPort") == (5, 20)
    assert spec.position("nope") is None


def test_empty_value_points_at_its_key() -> None:
    problem = only("name:\nimage: x\n")
    assert (problem.line, problem.column, problem.message) == (1, 1, "must not be empty")


def test_missing_nested_key_points_at_its_parent_key() -> None:
    problem = only(MINIMAL + "probes:\n  readiness:\n    http:\n      port: 80\n")
    assert (problem.field, problem.line, problem.column) == ("probes.readiness.http.path", 5, 5)


def test_shape_problem_is_not_echoed_by_the_model() -> None:
    # containerPort is reported once (shape), not again as "missing" by the model
    found = problems_of(MINIMAL + "ports:\n  - containerPort: eighty\n")
    assert [p.field for p in found] == ["ports[0].containerPort"]


def test_probe_port_check_waits_for_valid_ports() -> None:
    found = problems_of(
        MINIMAL + "ports:\n  - name: web\n    containerPort: x\n"
        "probes:\n  readiness:\n    tcp:\n      port: web\n"
    )
    assert [p.field for p in found] == ["ports[0].containerPort"]


def test_repeated_keys_are_reported_with_everything_else() -> None:
    found = problems_of(
        "name: web\nimage: busybox\nname: other\nrestartPolicy: sometimes\n"
        "ports:\n  - containerPort: 80\n    containerPort: 81\n    protocl: TCP\n"
        "env:\n  A: x\n  A: y\n"
    )
    assert [(p.line, p.column, p.field, p.message) for p in sorted(found)] == [
        (3, 1, "", "duplicate key 'name' found"),
        (4, 16, "restartPolicy", "expected one of Always, OnFailure, Never, found 'sometimes'"),
        (7, 5, "", "duplicate key 'containerPort' found"),
        (8, 5, "ports[0].protocl", "unknown key 'protocl'"),
        (11, 3, "", "duplicate key 'A' found"),
    ]
    assert all(p.hint for p in found)


def test_repeated_keys_and_flow_style_together() -> None:
    found = problems_of("name: web\nimage: busybox\nargs: [a]\nname: db\n")
    assert sorted((p.line, p.message) for p in found) == [
        (3, "flow style ({...} or [...]) is not allowed"),
        (4, "duplicate key 'name' found"),
    ]


def test_our_labels_are_refused_where_the_spec_sets_them() -> None:
    found = problems_of(
        "name: app\nimage: busybox\nlabels:\n  tier: web\n"
        "  app.kubernetes.io/managed-by: helm\n  app.kubernetes.io/name: other\n"
    )
    assert [(p.line, p.column, p.field) for p in found] == [
        (5, 33, "labels['app.kubernetes.io/managed-by']"),
        (6, 27, "labels['app.kubernetes.io/name']"),
    ]
    assert all(p.hint and p.hint.startswith("remove app.kubernetes.io/") for p in found)


def test_name_label_check_waits_for_a_valid_name() -> None:
    found = problems_of("name: App\nimage: busybox\nlabels:\n  app.kubernetes.io/name: other\n")
    assert [p.field for p in found] == ["name"]


def test_root_check_waits_for_a_valid_security_profile() -> None:
    found = problems_of(MINIMAL + "security: lax\nrunAsUser: 0\n")
    assert [p.field for p in found] == ["security"]


@pytest.mark.parametrize(
    ("snippet", "fields"),
    [
        (
            "ports:\n  - name: web\n    containerPort: 0\n  - name: web\n    containerPort: 81\n",
            ["ports[0].containerPort", "ports[1].name"],
        ),
        (
            "resources:\n  requests:\n    cpu: '2'\n    memory: lots\n  limits:\n    cpu: '1'\n",
            ["resources.requests.cpu", "resources.requests.memory"],
        ),
        ("volumes:\n  - name: a\n    mountPath: rel\n", ["volumes[0]", "volumes[0].mountPath"]),
        (
            (
                "volumes:\n  - name: a\n    emptyDir:\n    mountPath: /a\n"
                "  - name: a\n    emptyDir:\n"
                "    mountPath: /a\n    subPath: /abs\n"
            ),
            ["volumes[1].name", "volumes[1].mountPath", "volumes[1].subPath"],
        ),
        (
            (
                "probes:\n  liveness:\n    tcp:\n      port: web\n    successThreshold: 2\n"
                "    periodSeconds: 0\n"
            ),
            [
                "probes.liveness.periodSeconds",
                "probes.liveness.successThreshold",
                "probes.liveness.tcp.port",
            ],
        ),
        ("name: Web\nrunAsUser: 0\n", ["name", "runAsUser"]),
    ],
)
def test_cross_field_rules_are_reported_next_to_field_errors(
    snippet: str, fields: list[str]
) -> None:
    text = snippet + "image: nginx:1\n" if snippet.startswith("name:") else MINIMAL + snippet
    assert sorted(p.field for p in problems_of(text)) == sorted(fields)


def test_absurdly_long_numbers_are_problems() -> None:
    problem = only(MINIMAL + "runAsUser: " + "9" * 5000 + "\n")
    assert (problem.field, problem.message) == ("runAsUser", "number is far too large")
    problem = only(MINIMAL + "resources:\n  limits:\n    cpu: 1e" + "9" * 5000 + "\n")
    assert problem.message.endswith("has too many digits") or "out of range" in problem.message
