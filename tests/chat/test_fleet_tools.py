"""The cluster-read chat tools in a fleet (``contexts = ["fake", "staging"]``): two loopback API
servers with the real kubectl. Each tool reads the first context unless its optional ``context``
argument names another configured one; the schemas allow only those names, the descriptions say
which is the default, and every answer names the context it read. ``plan`` plans every context
unless told one."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from sentinel.chat.cluster_tools import named_context
from sentinel.chat.protocols import ToolOutcome
from sentinel.chat.registry import build_registry
from sentinel.chat.tools import ToolFailed, ToolRegistry
from sentinel.config import load_settings
from sentinel.render import dump_manifest, render
from sentinel.spec import load_spec
from tests.fakes.kube_api import FakeKubeAPI

PROJECT = "fleet-0123abcd"
WEB = "name: web\nnamespace: shop\nimage: nginxinc/nginx-unprivileged:1.27\n"
READERS = ["cluster_status", "pod_events", "pod_logs", "diff_spec"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "specs").mkdir(parents=True)
    (root / "sentinel.toml").write_text(f'project = "{PROJECT}"\ncontexts = ["fake", "staging"]\n')
    (root / "specs" / "web.yaml").write_text(WEB)
    return root


@pytest.fixture
def staging(kube: FakeKubeAPI, project: Path) -> Iterator[FakeKubeAPI]:
    """A second cluster as context ``staging``, next to the ``fake`` one; Pod shop/web on both,
    crashing on staging only."""
    with FakeKubeAPI() as other:
        path = Path(os.environ["KUBECONFIG"])
        config = yaml.safe_load(path.read_text())
        config["clusters"].append({"name": "staging", "cluster": {"server": other.url}})
        config["contexts"].append({"name": "staging",
                                   "context": {"cluster": "staging", "user": "fake"}})
        path.write_text(yaml.safe_dump(config))
        pod = yaml.safe_load(dump_manifest(render(
            load_spec(project / "specs" / "web.yaml").model, source="specs/web.yaml",
            project=PROJECT)))
        for api in (kube, other):
            api.add_namespace("shop")
            api.put_pod(pod, manager="kube-sentinel")
        kube.set_pod_status("shop", "web", phase="Running", ready=True)
        other.set_pod_status("shop", "web", phase="Running", ready=False, restarts=9,
                             reason="CrashLoopBackOff", message="back-off")
        kube.add_event("shop", "web", reason="Started", message="on fake")
        other.add_event("shop", "web", reason="BackOff", type="Warning", message="on staging")
        kube.set_log("shop", "web", "fake says hi\n")
        other.set_log("shop", "web", "staging panics\n")
        yield other


def registry(root: Path, **env: str) -> ToolRegistry:
    return build_registry(load_settings(root, {"HOME": str(root.parent), **env}))


def call(reg: ToolRegistry, name: str, args: dict[str, Any]) -> ToolOutcome:
    return reg.run(name, json.dumps(args), conversation_id="c", message_id="m")


def data(out: ToolOutcome) -> Any:
    assert out.ok, out.error
    return json.loads(out.content)


def reads(api: FakeKubeAPI) -> list[str]:
    return [r.path for r in api.requests if r.method == "GET"]


def test_fleet_schemas_offer_only_the_configured_contexts(project: Path) -> None:
    reg = registry(project)  # the registry checks every schema (Draft 2020-12) when built
    for name in READERS:
        tool = reg.tool(name)
        assert tool is not None
        prop = tool.parameters["properties"]["context"]
        assert prop["enum"] == ["fake", "staging"] and prop["type"] == "string"
        assert "default: the first, fake" in prop["description"]
        assert "context" not in tool.parameters.get("required", [])
        assert tool.description.endswith(
            "Reads one kube context: `context` (one of fake, staging); default: the first, fake.")
    plan = reg.tool("plan")
    assert plan is not None
    assert plan.parameters["properties"]["context"]["enum"] == ["fake", "staging"]
    assert "default: every one" in plan.parameters["properties"]["context"]["description"]
    assert "every configured context, one plan each" in plan.description


def test_without_a_fleet_there_is_no_context_argument(project: Path, kube: FakeKubeAPI) -> None:
    (project / "sentinel.toml").write_text(f'project = "{PROJECT}"\ncontext = "fake"\n')
    reg = registry(project)
    for name in [*READERS, "plan"]:
        tool = reg.tool(name)
        assert tool is not None and "context" not in tool.parameters["properties"], name
        assert "Reads one kube context" not in tool.description
    out = call(reg, "cluster_status", {"context": "fake"})
    assert not out.ok and "do not match the schema of cluster_status" in (out.error or "")
    assert kube.requests == []
    with pytest.raises(ToolFailed, match="none \\(no 'contexts' setting\\)"):
        named_context(load_settings(project, {"HOME": str(project.parent)}), "fake")


def test_reads_default_to_the_first_context_and_name_it(project: Path, kube: FakeKubeAPI,
                                                        staging: FakeKubeAPI) -> None:
    reg = registry(project)
    status = data(call(reg, "cluster_status", {}))
    assert (status["context"], status["server"]) == ("fake", kube.url)
    assert status["pods"][0]["ready"] is True
    events = data(call(reg, "pod_events", {"spec": "web"}))
    assert events["context"] == "fake"
    assert [e["message"] for e in events["events"]] == ["on fake"]
    logs = data(call(reg, "pod_logs", {"spec": "web"}))
    assert (logs["context"], logs["log"]) == ("fake", "fake says hi")
    assert data(call(reg, "diff_spec", {"spec": "web"}))["context"] == "fake"
    assert reads(kube) and reads(staging) == []  # the other cluster was never asked


def test_context_argument_reads_that_cluster_only(project: Path, kube: FakeKubeAPI,
                                                  staging: FakeKubeAPI) -> None:
    reg = registry(project)
    there = {"context": "staging"}
    status = data(call(reg, "cluster_status", there))
    assert (status["context"], status["server"]) == ("staging", staging.url)
    assert status["pods"][0]["restarts"] == 9
    assert status["pods"][0]["reason"] == "CrashLoopBackOff: back-off"
    events = data(call(reg, "pod_events", {"spec": "web", **there}))
    assert events["context"] == "staging"
    assert [e["message"] for e in events["events"]] == ["on staging"]
    logs = data(call(reg, "pod_logs", {"spec": "web", **there}))
    assert (logs["context"], logs["log"]) == ("staging", "staging panics")
    assert reads(kube) == []  # the first context was never asked
    assert "/api/v1/namespaces/shop/pods/web/log" in reads(staging)


def test_diff_spec_compares_with_the_named_context(project: Path, kube: FakeKubeAPI,
                                                   staging: FakeKubeAPI) -> None:
    pod = staging.get_pod("shop", "web")
    assert pod is not None
    pod["metadata"]["labels"]["drift"] = "yes"  # staging's Pod changed behind the tool's back
    staging.put_pod(pod, manager="kube-sentinel")
    reg = registry(project)
    assert data(call(reg, "diff_spec", {"spec": "web"}))["result"] == "same"  # fake: default
    assert data(call(reg, "diff_spec", {"spec": "web", "context": "fake"}))["result"] == "same"
    drift = data(call(reg, "diff_spec", {"spec": "web", "context": "staging"}))
    assert (drift["context"], drift["result"]) == ("staging", "differs")
    assert '-    drift: "yes"' in drift["diff"], drift


def test_plan_plans_every_context_or_the_named_one(project: Path, kube: FakeKubeAPI,
                                                   staging: FakeKubeAPI) -> None:
    reg = registry(project)
    both = data(call(reg, "plan", {}))
    assert [p["context"] for p in both["plans"]] == ["fake", "staging"]
    kube.clear_requests()
    one = data(call(reg, "plan", {"context": "staging"}))
    assert one["context"] == "staging" and "plans" not in one
    assert [p["name"] for p in one["pods"]] == ["web"]
    assert kube.requests == []  # only staging was planned


def test_a_context_outside_the_fleet_is_refused_before_kubectl(project: Path, kube: FakeKubeAPI,
                                                               staging: FakeKubeAPI) -> None:
    reg = registry(project)
    for name, args in (("cluster_status", {}), ("pod_events", {"spec": "web"}),
                       ("pod_logs", {"spec": "web"}), ("diff_spec", {"spec": "web"}),
                       ("plan", {})):
        out = call(reg, name, {**args, "context": "prod"})
        assert not out.ok and f"do not match the schema of {name}" in (out.error or ""), name
        assert "'prod' is not one of ['fake', 'staging']" in out.content, out.content
    assert kube.requests == [] and staging.requests == []
    settings = load_settings(project, {"HOME": str(project.parent)})
    with pytest.raises(ToolFailed, match="'prod' is not one of the configured contexts: "
                                         "fake, staging"):
        named_context(settings, "prod")
    assert named_context(settings, "staging") == "staging"
