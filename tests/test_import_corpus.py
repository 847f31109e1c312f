"""The real-world corpus: every Pod example of the Kubernetes documentation under tests/corpus/.

Each file either imports without loss — and then rendering the imported spec gives back the input
Pod except for kube-sentinel's hardening, checked here leaf by leaf with a comparison of its own
(not the importer's) — or fails naming only the fields listed in ``EXPECTED`` with the reason it
is not imported (the README's import section lists them). Run this file as a script to print each
file's outcome and the fraction that imports without loss.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

from sentinel.errors import SpecError
from sentinel.importer import decode, import_text
from sentinel.importer.clean import clean
from sentinel.importer.compare import hardening_reason
from sentinel.importer.documents import find_pods
from sentinel.render import render
from sentinel.spec import load_spec_text

ROOT = Path(__file__).resolve().parent / "corpus"
FILES = sorted(ROOT.rglob("*.yaml"))
POD_EXAMPLES = [f for f in FILES if f.relative_to(ROOT).parts[1] == "pods"]

UNSUPPORTED = "unsupported"  # deliberately: see the README, "sentinel import"
NOT_YET = "no spec key yet"  # a Kubernetes field the spec does not have (yet)
INVALID = "invalid as published"  # Kubernetes itself would refuse the file

_SECCOMP = ("spec.securityContext.seccompProfile.type",
            "spec.securityContext.seccompProfile.localhostProfile")
_VOLUME = ("spec.volumes", "spec.containers[*].volumeMounts")

# corpus file → (why, the field paths it may lose, [*] for any index); the rest import losslessly
EXPECTED: dict[str, tuple[str, tuple[str, ...]]] = {
    "pods/pod-nginx-specific-node.yaml": (UNSUPPORTED, ("spec.nodeName",)),
    "pods/security/seccomp/ga/audit-pod.yaml": (UNSUPPORTED, _SECCOMP),
    "pods/security/seccomp/ga/fine-pod.yaml": (UNSUPPORTED, _SECCOMP),
    "pods/security/seccomp/ga/violation-pod.yaml": (UNSUPPORTED, _SECCOMP),
    "pods/security/security-context-4.yaml": (UNSUPPORTED, (
        "spec.containers[*].securityContext.capabilities.add",)),
    "pods/security/seccomp/fields.yaml": (UNSUPPORTED, (  # Unconfined; ephemeral containers
        "spec.securityContext.seccompProfile.type", "spec.ephemeralContainers",
        "spec.containers[*].securityContext.seccompProfile",
        "spec.initContainers[*].securityContext.seccompProfile")),
    "pods/share-process-namespace.yaml": (UNSUPPORTED, (
        "spec.shareProcessNamespace", "spec.containers[*].stdin", "spec.containers[*].tty")),
    "controllers/daemonset.yaml": (UNSUPPORTED, _VOLUME),  # hostPath
    "application/web/web.yaml": (UNSUPPORTED, ("spec.containers[*].volumeMounts",)),
    "pods/restart-policy/restart-all-containers.yaml": (NOT_YET, (
        "spec.initContainers[*].restartPolicyRules",)),
    "pods/security/security-context-7.yaml": (NOT_YET, (
        "spec.containers[*].securityContext.cgroupOptions",)),
    # requiredDuringScheduling… is a NodeSelector, not a list: the API server refuses this file
    "pods/pod-with-node-affinity.yaml": (INVALID, (
        "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution",)),
    # a placeholder where the image goes
    "pods/private-reg-pod.yaml": (INVALID, ("image",)),
    # a tab in the indentation; "\'" is no YAML escape (libyaml and PyYAML refuse both)
    "pods/inject/pod-multiple-secret-env-variable.yaml": (INVALID, ("YAML",)),
    "pods/inject/envars-file-container.yaml": (INVALID, ("YAML",)),
}

# Measured: 103 of the 112 Pod examples valid as published import without loss (92.0 %); issue
# 9's target is 90 %. The rest lose only the NOT_YET and deliberately unsupported fields.
# This floor guards against regressions; raise it as the spec gains keys.
LOSSLESS_FLOOR = 0.91


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT / "kubernetes-website"))


def _pattern(path: str) -> str:
    return re.sub(r"\[\d+\]", "[*]", path)


def outcome(path: Path) -> tuple[str, list[str]]:
    """("lossless" | "lossy" | "refused", lost patterns or the refusal message)."""
    try:
        result = import_text(decode(path.read_bytes(), _rel(path)), _rel(path))
    except SpecError as err:
        return "refused", [p.format() for p in err.problems]
    lost = sorted({_pattern(d.path) for pod in result.pods for d in pod.lost})
    return ("lossy", lost) if lost else ("lossless", [])


# ---------------------------------------------------------------- an independent round trip

_KEYS = ("name", "mountPath", "containerPort")


def _seg(key: str) -> str:
    return f".{key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", key) else f'["{key}"]'


def leaves(node: Any, path: str = "") -> dict[str, Any]:
    """Every leaf of a manifest by path; lists of named items keyed by name (order-free), but
    containers and init containers by position: they start in list order."""
    out: dict[str, Any] = {}
    if isinstance(node, dict) and node:
        for key, value in node.items():
            out.update(leaves(value, (path + _seg(str(key))).lstrip(".")))
    elif isinstance(node, list) and node and all(isinstance(v, dict) for v in node):
        key = next((k for k in _KEYS if all(k in v for v in node)
                    and len({str(v[k]) for v in node}) == len(node)), None)
        ordered = path in ("spec.containers", "spec.initContainers")
        for i, value in enumerate(node):
            tag = f"[{key}={value[key]}]" if key and not ordered else f"[{i}]"
            out.update(leaves(value, path + tag))
    elif isinstance(node, list):
        out[path] = tuple(node)
    elif ".resources." in path and isinstance(node, int | float) and not isinstance(node, bool):
        out[path] = str(node)  # `cpu: 1` is the quantity "1"
    else:
        out[path] = {} if isinstance(node, dict) else node
    return out


def _generic(path: str) -> str:
    return re.sub(r"\[[^\]]*=[^\]]*\]|\[\d+\]", "[*]", path)


# the container runtime's default capabilities (containerd, CRI-O) less NET_RAW, which baseline
# forbids: what a container that may run as root keeps under baseline, kube-sentinel dropping ALL
RUNTIME_DEFAULTS = ("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT")


def expected_add(pod: dict[str, Any], container: str, profile: str) -> tuple[str, ...]:
    """The capabilities.add the rendered ``container`` (``spec.containers[0]``) should have."""
    kind, index = container.removeprefix("spec.").rstrip("]").split("[")
    spec = pod["spec"]
    own = spec[kind][int(index)].get("securityContext") or {}
    caps = own.get("capabilities") or {}
    add, drop = list(caps.get("add") or ()), list(caps.get("drop") or ())
    pod_context = spec.get("securityContext") or {}
    uid = own.get("runAsUser", pod_context.get("runAsUser"))
    non_root = own.get("runAsNonRoot", pod_context.get("runAsNonRoot")) is True or (uid or 0) > 0
    if profile == "restricted" or non_root or "ALL" in drop:
        return tuple(add)
    return tuple(add + [c for c in RUNTIME_DEFAULTS if c not in add and c not in drop])


def check_round_trip(path: Path) -> None:
    text = decode(path.read_bytes(), _rel(path))
    result = import_text(text, _rel(path))
    for found, pod in zip(find_pods(text, _rel(path)).pods, result.pods, strict=True):
        header = pod.text.split("\nname:")[0]
        cleaned, dropped = clean(found.pod)
        for item in dropped:
            assert item in header, f"dropped {item!r} is not named in the comment"
        rendered = render(load_spec_text(pod.text, _rel(path)).model)
        want, got = leaves(cleaned), leaves(rendered)
        for leaf in [*want, *got]:
            if leaf.endswith(".securityContext.capabilities.add"):
                container = leaf.split(".securityContext")[0]
                assert got.get(leaf, ()) == expected_add(cleaned, container, pod.profile), leaf
        for leaf, value in want.items():
            if leaf.endswith("capabilities.add"):
                continue  # checked above
            if leaf in got and got[leaf] != value and "ALL" in (got[leaf] or ()) and \
                    leaf.endswith("capabilities.drop"):
                continue  # every capability dropped: hardening
            assert got.get(leaf, "<missing>") == value, f"{_rel(path)}: {leaf}"
        added = set(got) - set(want)
        for leaf in added:
            if leaf.endswith("capabilities.add") or (re.search(r"\.env\[[^]]*\]\.value$", leaf)
                                                     and got[leaf] == ""):
                continue  # the runtime's default capabilities (above); a variable with no value
            assert hardening_reason(_generic(leaf)) is not None, f"{_rel(path)} adds {leaf}"
        assert ("kube-sentinel adds when rendering:" in header) == bool(added)


# ---------------------------------------------------------------- tests


def test_corpus_is_there() -> None:
    assert len(POD_EXAMPLES) >= 100 and len(FILES) > len(POD_EXAMPLES)
    sources = (ROOT / "SOURCES.md").read_text()
    for path in FILES:  # every file says where it came from, and under which license
        assert f"`kubernetes-website/{_rel(path)}`" in sources, path
    assert sources.count("| CC BY 4.0 |") == len(FILES)
    assert set(EXPECTED) <= {_rel(p) for p in FILES}


@pytest.mark.parametrize("path", FILES, ids=[_rel(p) for p in FILES])
def test_corpus_file(path: Path) -> None:
    kind, found = outcome(path)
    why, allowed = EXPECTED.get(_rel(path), ("", ()))
    if kind == "lossless":
        # a key the spec gained may make an expected-lossy file lossless; that is fine
        check_round_trip(path)
    elif kind == "lossy":
        assert allowed, f"{_rel(path)} loses {found}"
        assert set(found) <= set(allowed), f"{_rel(path)} loses {found}, expected only {allowed}"
    else:
        assert why == INVALID, f"{_rel(path)} refused: {found}"
        assert any(a in found[0] for a in allowed), found


def test_fraction_of_pod_examples_that_import_without_loss() -> None:
    valid = [p for p in POD_EXAMPLES if EXPECTED.get(_rel(p), ("",))[0] != INVALID]
    lossless = [p for p in valid if outcome(p)[0] == "lossless"]
    assert len(lossless) / len(valid) >= LOSSLESS_FLOOR, (len(lossless), len(valid))


def main() -> int:
    """Print every file's outcome and the fractions (``python tests/test_import_corpus.py``)."""
    counts: dict[str, int] = {}
    for path in FILES:
        kind, found = outcome(path)
        counts[kind] = counts.get(kind, 0) + 1
        why = EXPECTED.get(_rel(path), ("",))[0]
        print(f"{kind:9} {_rel(path)}" + (f"  [{why}] {'; '.join(found)}" if found else ""))
    pods = [outcome(p)[0] for p in POD_EXAMPLES]
    valid = [k for p, k in zip(POD_EXAMPLES, pods, strict=True)
             if EXPECTED.get(_rel(p), ("",))[0] != INVALID]
    print(f"\nall files: {counts}")
    print(f"Pod examples (content/en/examples/pods): {pods.count('lossless')}/{len(pods)} "
          f"lossless = {pods.count('lossless') / len(pods):.1%}; of those valid as published: "
          f"{valid.count('lossless')}/{len(valid)} = {valid.count('lossless') / len(valid):.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
