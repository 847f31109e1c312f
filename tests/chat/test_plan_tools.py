"""The chat's ``plan`` and ``diff_spec`` tools (tier cluster-read): the same plan as
``sentinel plan --json`` and the server-side diff of one spec, against the loopback API with the
real kubectl; they change nothing, and an unreachable cluster is a tool error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from sentinel.chat.protocols import ToolOutcome
from sentinel.chat.registry import build_registry
from sentinel.chat.tools import ToolRegistry
from sentinel.config import load_settings
from sentinel.render import dump_manifest, render
from sentinel.spec import load_spec
from tests.fakes.kube_api import FakeKubeAPI

WEB = "name: web\nnamespace: shop\nimage: nginxinc/nginx-unprivileged:1.27\nlabels:\n  v: one\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    (root / "specs").mkdir(parents=True)
    (root / "sentinel.toml").write_text('project = "chat-0123abcd"\n')
    (root / "specs" / "web.yaml").write_text(WEB)
    (root / "specs" / "db.yaml").write_text(WEB.replace("web", "db"))
    monkeypatch.chdir(root)
    return root


def registry(root: Path) -> ToolRegistry:
    return build_registry(load_settings(root, {"HOME": str(root.parent)}))


def call(root: Path, name: str, args: dict[str, Any]) -> ToolOutcome:
    return registry(root).run(name, json.dumps(args), conversation_id="c", message_id="m")


def data(out: ToolOutcome) -> Any:
    assert out.ok, out.error
    return json.loads(out.content)


def live(root: Path, kube: FakeKubeAPI, text: str) -> None:
    """Put the Pod that ``text`` renders on the cluster, as kube-sentinel's apply would."""
    spec = root / "specs" / "tmp.yaml"
    spec.write_text(text)
    pod = yaml.safe_load(dump_manifest(render(load_spec(spec).model, source="specs/web.yaml",
                                              project="chat-0123abcd")))
    spec.unlink()
    kube.put_pod(pod, manager="kube-sentinel")


def test_plan_is_the_cluster_plan_and_changes_nothing(project: Path, kube: FakeKubeAPI) -> None:
    kube.add_namespace("shop")
    live(project, kube, WEB)
    (project / "specs" / "web.yaml").write_text(WEB.replace("v: one", "v: two"))
    doc = data(call(project, "plan", {}))
    actions = {p["name"]: (p["action"], p["fields"]) for p in doc["pods"]}
    assert actions == {"web": ("update", ["labels"]), "db": ("create", [])}
    assert doc["context"] == "fake" and doc["ok"] is True
    assert all("manifest" not in p for p in doc["pods"])
    only = data(call(project, "plan", {"specs": ["db"]}))
    assert [p["name"] for p in only["pods"]] == ["db"]
    assert [r for r in kube.writes() if r.query.get("dryRun") != "All"] == []
    missing = call(project, "plan", {"specs": ["nope"]})
    assert not missing.ok and "no spec named 'nope'" in (missing.error or "")


def test_diff_spec_same_differs_and_recreate(project: Path, kube: FakeKubeAPI) -> None:
    kube.add_namespace("shop")
    live(project, kube, WEB)
    assert data(call(project, "diff_spec", {"spec": "web"}))["result"] == "same"
    (project / "specs" / "web.yaml").write_text(WEB.replace("v: one", "v: two"))
    changed = data(call(project, "diff_spec", {"spec": "web"}))
    assert changed["result"] == "differs" and "+    v: two" in changed["diff"], changed
    (project / "specs" / "web.yaml").write_text(WEB + "env:\n  LEVEL: debug\n")
    recreate = data(call(project, "diff_spec", {"spec": "web"}))
    assert recreate["result"] == "differs" and recreate["recreate"] is True
    assert [r for r in kube.writes() if r.query.get("dryRun") != "All"] == []
    assert kube.get_pod("shop", "web")["metadata"]["labels"]["v"] == "one"  # type: ignore[index]


def test_unreachable_cluster_and_invalid_spec_are_tool_errors(project: Path,
                                                              kube: FakeKubeAPI) -> None:
    (project / "specs" / "bad.yaml").write_text("name: Bad\nimage: nginx:1.27\n")
    bad = call(project, "diff_spec", {"spec": "bad"})
    assert not bad.ok and "cannot be rendered" in (bad.error or "")
    kube.close()
    down = call(project, "plan", {})
    assert not down.ok and "cannot reach the cluster" in (down.error or "")
    assert not call(project, "diff_spec", {"spec": "web"}).ok
