"""The chat's ``apply_specs`` tool (tier cluster-write) through the registry, the real kubectl
and the loopback API. The y/N question is answered on a real pseudo-terminal (the tool opens it
as it opens ``/dev/tty``), so the termios handling is the real one: only ``y`` changes the
cluster; ``n``, Ctrl-C, no terminal and an MCP origin refuse and change nothing."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from sentinel.chat.apply_tool import apply_tools
from sentinel.chat.protocols import ToolOutcome
from sentinel.chat.registry import build_registry
from sentinel.chat.tools import ToolRegistry
from sentinel.config import Settings, load_settings
from sentinel.kube import audit
from sentinel.render import dump_manifest, render
from sentinel.spec import load_spec
from tests.fakes.kube_api import FakeKubeAPI

PROJECT = "chat-0123abcd"
WEB = ("name: web\nnamespace: shop\nimage: nginxinc/nginx-unprivileged:1.27\nlabels:\n  v: one\n"
       "env:\n  LEVEL: info\n")
REDIS = "name: redis\nnamespace: shop\nimage: redis:7.4\nsecurity: baseline\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    (root / "specs").mkdir(parents=True)
    (root / "sentinel.toml").write_text(f'project = "{PROJECT}"\n')
    (root / "specs" / "web.yaml").write_text(WEB)
    (root / "specs" / "redis.yaml").write_text(REDIS)
    monkeypatch.chdir(root)
    return root


@dataclass
class Terminal:
    """A pseudo-terminal standing in for the user's: it records what it was shown and types
    ``answer`` when the question appears (None: the question must never appear)."""

    answer: bytes | None
    shown: bytearray = field(default_factory=bytearray)

    def __post_init__(self) -> None:
        self.master, self.slave = os.openpty()
        self.path = os.ttyname(self.slave)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        answered = False
        while True:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                return
            if not chunk:
                return
            self.shown += chunk
            if not answered and b"[y/N]" in self.shown and self.answer is not None:
                os.write(self.master, self.answer)
                answered = True

    @property
    def text(self) -> str:
        return self.shown.decode("utf-8", "replace").replace("\r\n", "\n")

    def close(self) -> None:
        os.close(self.slave)
        os.close(self.master)
        self._reader.join(timeout=5)


@pytest.fixture
def terminal() -> Iterator[list[Terminal]]:
    made: list[Terminal] = []
    yield made
    for t in made:
        t.close()


def settings_of(root: Path) -> Settings:
    return load_settings(root, {"HOME": str(root.parent)})


def registry(root: Path, term: Terminal | None, *, interactive: bool = True) -> ToolRegistry:
    return ToolRegistry(apply_tools(settings_of(root), interactive=lambda: interactive,
                                    tty_path=term.path if term else "/nonexistent/tty"))


def apply(root: Path, term: Terminal | None, args: dict[str, Any], *, interactive: bool = True,
          origin: str = "chat") -> ToolOutcome:
    return registry(root, term, interactive=interactive).run(
        "apply_specs", json.dumps(args), conversation_id="conv_0a1b", message_id="msg_2c3d",
        origin=origin)


def answering(made: list[Terminal], answer: bytes | None) -> Terminal:
    term = Terminal(answer)
    made.append(term)
    return term


def changes(kube: FakeKubeAPI) -> list[Any]:
    """Requests that changed the cluster (dry runs excluded)."""
    return [r for r in kube.writes() if r.query.get("dryRun") != "All"]


def records(root: Path) -> list[audit.AuditRecord]:
    path = settings_of(root).audit_log
    return audit.read(path)[0] if path.exists() else []


def manifest_sha(root: Path, spec: str) -> str:
    loaded = load_spec(root / "specs" / spec)
    data = dump_manifest(render(loaded.model, source=f"specs/{spec}", project=PROJECT))
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def test_y_applies_exactly_the_plan_and_audits_the_provenance(
        project: Path, kube: FakeKubeAPI, terminal: list[Terminal]) -> None:
    kube.add_namespace("shop")
    term = answering(terminal, b"y\n")
    out = apply(project, term, {"specs": ["redis"]})
    assert out.ok, out.error
    assert out.waited > 0  # the time at the question is not counted against turn_timeout
    result = json.loads(out.content)
    assert result["result"] == "applied"
    done = ["shop/redis (specs/redis.yaml): created"]
    assert result["applies"] == [{"context": "fake", "done": done, "failures": []}]
    shown = term.text
    assert "kube-sentinel chat asks to apply:" in shown
    assert f"Apply to context 'fake' ({kube.url}), namespace(s): shop" in shown
    assert "create 1 Pod: shop/redis" in shown and "Proceed? [y/N]" in shown
    assert "web" not in shown  # only the named spec is planned and shown
    assert kube.get_pod("shop", "redis") is not None and kube.get_pod("shop", "web") is None
    [record] = records(project)
    assert (record.name, record.result, record.context) == ("redis", "created", "fake")
    assert record.provenance == "conversation=conv_0a1b message=msg_2c3d origin=chat"
    assert record.spec_sha256 == hashlib.sha256((project / "specs/redis.yaml").read_bytes()
                                                ).hexdigest()
    assert record.manifest_sha256 == manifest_sha(project, "redis.yaml")


@pytest.mark.parametrize(("answer", "said"), [
    (b"n\n", "apply not confirmed"), (b"\n", "apply not confirmed"),
    (b"yes please\n", "apply not confirmed"), (b"\x03", "apply cancelled (Ctrl-C)")])
def test_anything_but_y_refuses_and_changes_nothing(
        project: Path, kube: FakeKubeAPI, terminal: list[Terminal], answer: bytes,
        said: str) -> None:
    kube.add_namespace("shop")
    out = apply(project, answering(terminal, answer), {})
    assert not out.ok and out.waited > 0
    assert out.error is not None and out.error.startswith(f"the user refused the apply ({said})")
    assert "nothing was changed" in out.error and "do not call apply_specs again" in out.error
    assert json.loads(out.content)["would_apply"][1:] == ["  create 2 Pods:",
                                                          "    shop/redis", "    shop/web"]
    assert changes(kube) == [] and records(project) == []


def test_no_terminal_refuses_without_asking(project: Path, kube: FakeKubeAPI,
                                            terminal: list[Terminal]) -> None:
    kube.add_namespace("shop")
    term = answering(terminal, None)
    for out in (apply(project, term, {}, interactive=False),
                apply(project, term, {}, origin="mcp")):
        assert not out.ok and out.error is not None
        assert out.error.startswith("refused: there is no terminal to ask the user")
        assert "shop/web" in out.content
    assert term.text == "" and changes(kube) == [] and records(project) == []


def test_recreate_and_prune_are_named_then_done(project: Path, kube: FakeKubeAPI,
                                                terminal: list[Terminal]) -> None:
    kube.add_namespace("shop")
    assert apply(project, answering(terminal, b"y\n"), {}).ok
    (project / "specs" / "web.yaml").write_text(WEB.replace("info", "debug"))
    (project / "specs" / "redis.yaml").unlink()
    term = answering(terminal, b"y\n")
    out = apply(project, term, {"prune": True})
    assert out.ok, out.error
    assert "recreate 1 Pod (delete, then create): shop/web — env changed" in term.text
    assert "delete 1 Pod (prune): shop/redis" in term.text
    done = json.loads(out.content)["applies"][0]["done"]
    assert done == ["shop/web (specs/web.yaml): recreated (env changed)",
                    "shop/redis: deleted (pruned, orphan: no spec maps to it)"]
    assert kube.get_pod("shop", "redis") is None
    env = kube.get_pod("shop", "web")["spec"]["containers"][0]["env"]
    assert {"name": "LEVEL", "value": "debug"} in env
    assert [(r.name, r.result) for r in records(project)][-2:] == [("web", "recreated"),
                                                                   ("redis", "deleted")]


def test_orphans_are_left_and_listed_without_prune(project: Path, kube: FakeKubeAPI,
                                                   terminal: list[Terminal]) -> None:
    kube.add_namespace("shop")
    assert apply(project, answering(terminal, b"y\n"), {}).ok
    (project / "specs" / "redis.yaml").unlink()
    out = apply(project, answering(terminal, None), {})
    assert out.ok, out.error
    result = json.loads(out.content)
    assert result["result"] == "nothing to apply: the cluster already matches the specs"
    assert result["orphans_left"] == ["fake: shop/redis"]
    assert kube.get_pod("shop", "redis") is not None


def test_nothing_to_do_asks_nothing(project: Path, kube: FakeKubeAPI,
                                    terminal: list[Terminal]) -> None:
    kube.add_namespace("shop")
    assert apply(project, answering(terminal, b"y\n"), {}).ok
    before = len(changes(kube))
    term = answering(terminal, None)
    out = apply(project, term, {})
    summary = ("plan for context 'fake': 0 to create, 0 to update, 0 to recreate, 0 to delete, "
               "2 unchanged, 0 skipped, 0 error(s)")
    assert out.ok and json.loads(out.content)["plan"] == [summary]
    assert term.text == "" and len(changes(kube)) == before


def test_bad_requests_are_tool_errors(project: Path, kube: FakeKubeAPI,
                                      terminal: list[Terminal]) -> None:
    term = answering(terminal, None)
    both = apply(project, term, {"specs": ["web"], "prune": True})
    assert not both.ok and "cannot be combined with specs" in (both.error or "")
    unknown = apply(project, term, {"specs": ["nope"]})
    assert not unknown.ok and "no spec named 'nope'" in (unknown.error or "")
    (project / "specs" / "bad.yaml").write_text("name: Bad_Name\nimage: nginx:1.27\n")
    invalid = apply(project, term, {"specs": ["bad"]})
    assert not invalid.ok and (invalid.error or "").startswith("nothing was applied")
    assert "Bad_Name" in invalid.content
    (project / "sentinel.toml").write_text("")
    no_id = apply(project, term, {"prune": True})
    assert not no_id.ok and "prune needs a project id" in (no_id.error or "")
    assert term.text == "" and changes(kube) == []


def test_an_unreachable_cluster_is_a_tool_error(project: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                terminal: list[Terminal]) -> None:
    with FakeKubeAPI() as api:
        monkeypatch.setenv("KUBECONFIG", str(api.write_kubeconfig(tmp_path / "gone")))
    out = apply(project, answering(terminal, None), {})
    assert not out.ok and (out.error or "").startswith("nothing was applied")
    assert "context 'current'" in out.content


def test_the_tier_is_cluster_write_and_read_only_hides_it(project: Path) -> None:
    settings = settings_of(project)
    [tool] = apply_tools(settings)
    assert tool.tier == "cluster-write"
    names = [t.name for t in build_registry(settings).offered()]
    assert names[-1] == "apply_specs"
    ro = load_settings(project, {"HOME": str(project.parent), "SENTINEL_READ_ONLY": "1"})
    assert "apply_specs" not in [t.name for t in build_registry(ro).offered()]
    refused = build_registry(ro).run("apply_specs", "{}", conversation_id="c", message_id="m")
    assert not refused.ok and "read-only mode" in (refused.error or "")
    only = load_settings(project, {"HOME": str(project.parent), "SENTINEL_TOOLS": "plan"})
    assert [t.name for t in build_registry(only).offered()] == ["plan"]


def test_a_fleet_is_one_prompt_naming_each_context(project: Path, kube: FakeKubeAPI,
                                                   terminal: list[Terminal]) -> None:
    with FakeKubeAPI() as staging:
        path = Path(os.environ["KUBECONFIG"])
        config = yaml.safe_load(path.read_text())
        config["clusters"].append({"name": "staging", "cluster": {"server": staging.url}})
        config["contexts"].append({"name": "staging",
                                   "context": {"cluster": "staging", "user": "fake"}})
        path.write_text(yaml.safe_dump(config))
        (project / "sentinel.toml").write_text(
            f'project = "{PROJECT}"\ncontexts = ["fake", "staging"]\n')
        for api in (kube, staging):
            api.add_namespace("shop")
        term = answering(terminal, b"y\n")
        out = apply(project, term, {"specs": ["redis"]})
        assert out.ok, out.error
        shown = term.text
        assert "context 'fake':" in shown and "context 'staging':" in shown
        assert f"Apply to context 'fake' ({kube.url})" in shown
        assert f"Apply to context 'staging' ({staging.url})" in shown
        assert shown.count("Proceed? [y/N]") == 1  # one question for the whole fleet
        assert [a["context"] for a in json.loads(out.content)["applies"]] == ["fake", "staging"]
        assert kube.get_pod("shop", "redis") is not None
        assert staging.get_pod("shop", "redis") is not None
        assert sorted(r.context for r in records(project)) == ["fake", "staging"]
