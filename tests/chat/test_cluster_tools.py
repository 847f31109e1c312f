"""The cluster-read chat tools through the real registry, the real kubectl and the fake API."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from sentinel.chat.cluster_tools import fit_log
from sentinel.chat.protocols import ToolOutcome
from sentinel.chat.registry import build_registry
from sentinel.chat.spec_tools import tool_prompt_section
from sentinel.chat.tools import ToolRegistry
from sentinel.config import Settings, load_settings
from sentinel.kube.inspect import read_only_args
from tests.fakes.kube_api import FakeKubeAPI
from tests.fakes.kube_objects import pod_manifest

WEB = "name: web\nnamespace: shop\nimage: nginxinc/nginx-unprivileged:1.27-alpine\n"
DB = "name: db\nnamespace: shop\nimage: postgres:16\nsecurity: baseline\napply: false\n"
QUEUE = "name: queue\nnamespace: jobs\nimage: redis:7\nsecurity: baseline\n"
BROKEN = "name: Broken_Name\nimage: nginx:1\n"
TOKEN = "s3cr3t-bearer-token-0123456789"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "specs").mkdir(parents=True)
    (root / "sentinel.toml").write_text("")
    for name, text in {"web": WEB, "db": DB, "queue": QUEUE, "broken": BROKEN}.items():
        (root / "specs" / f"{name}.yaml").write_text(text)
    return root


@pytest.fixture
def cluster(kube: FakeKubeAPI, tmp_path: Path) -> FakeKubeAPI:
    """The fake with namespace shop, Pod shop/web crashing, and a token in the kubeconfig."""
    kube.add_namespace("shop")
    kube.add_namespace("jobs")
    config = yaml.safe_load(Path(os.environ["KUBECONFIG"]).read_text())
    config["users"][0]["user"] = {"token": TOKEN}
    Path(os.environ["KUBECONFIG"]).write_text(yaml.safe_dump(config))
    web = yaml.safe_load(pod_manifest("web", "shop"))
    web["spec"]["containers"][0]["name"] = "web"
    kube.put_pod(web)
    kube.set_pod_status("shop", "web", phase="Running", ready=False, restarts=4,
                        reason="CrashLoopBackOff", message="back-off 40s restarting failed container")
    return kube


def settings_for(root: Path, **env: str) -> Settings:
    return load_settings(root, {"HOME": str(root.parent), **env})


def registry(project: Path, **env: str) -> ToolRegistry:
    return build_registry(settings_for(project, **env))


def call(reg: ToolRegistry, name: str, args: dict[str, Any]) -> ToolOutcome:
    return reg.run(name, json.dumps(args), conversation_id="conv_1", message_id="msg_1")


def content(out: ToolOutcome) -> Any:
    assert out.ok, out.error
    return json.loads(out.content)


def test_cluster_status_reads_every_spec_pod(project: Path, cluster: FakeKubeAPI) -> None:
    data = content(call(registry(project), "cluster_status", {}))
    assert data["context"] == "fake" and data["server"] == cluster.url
    by_spec = {row["spec"]: row for row in data["pods"]}
    assert by_spec["web"] == {
        "spec": "web", "file": "specs/web.yaml", "pod": "shop/web", "apply": True, "found": True,
        "phase": "Running", "ready": False, "restarts": 4,
        "reason": "CrashLoopBackOff: back-off 40s restarting failed container"}
    assert by_spec["queue"]["found"] is False and by_spec["queue"]["reason"] == "not found"
    assert "apply: false" in by_spec["db"]["reason"]
    assert data["invalid_specs"][0]["spec"] == "broken"
    # one list per namespace, read verbs only
    gets = [r for r in cluster.requests if r.path.endswith("/pods")]
    assert sorted(r.path for r in gets) == ["/api/v1/namespaces/jobs/pods",
                                            "/api/v1/namespaces/shop/pods"]
    assert cluster.writes() == []


def test_cluster_status_of_one_spec(project: Path, cluster: FakeKubeAPI) -> None:
    data = content(call(registry(project), "cluster_status", {"spec": "web"}))
    assert [row["pod"] for row in data["pods"]] == ["shop/web"]
    out = call(registry(project), "cluster_status", {"spec": "nope"})
    assert not out.ok and out.error is not None and "no spec named 'nope'" in out.error


def test_pod_events_recent_first_filtered_by_pod(project: Path, cluster: FakeKubeAPI) -> None:
    cluster.add_event("shop", "web", reason="Scheduled", message="Successfully assigned shop/web",
                      age_seconds=900)
    cluster.add_event("shop", "web", reason="BackOff", type="Warning", count=7,
                      message="Back-off restarting failed container web", age_seconds=300)
    cluster.add_event("shop", "other", reason="Pulled", message="not about web")
    data = content(call(registry(project), "pod_events", {"spec": "web"}))
    assert data["pod"] == "shop/web"
    assert [(e["reason"], e["type"], e["count"], e["age"]) for e in data["events"]] == [
        ("Scheduled", "Normal", 1, "15m"), ("BackOff", "Warning", 7, "5m")]
    assert content(call(registry(project), "pod_events", {"spec": "web", "limit": 1})
                   )["events"][0]["reason"] == "BackOff"
    listed = [r for r in cluster.requests if r.path.endswith("/events")]
    assert listed[0].query["fieldSelector"] == "involvedObject.kind=Pod,involvedObject.name=web"


def test_pod_logs_tail_previous_and_container(project: Path, cluster: FakeKubeAPI) -> None:
    cluster.set_log("shop", "web", "".join(f"line {n}\n" for n in range(1, 301)))
    cluster.set_log("shop", "web", "starting\npanic: config missing\n", previous=True)
    out = call(registry(project), "pod_logs", {"spec": "web"})
    data = content(out)
    assert data["lines"] == 100 and data["truncated"] is True and out.truncated
    assert data["log"].splitlines()[0] == "line 201" and data["log"].endswith("line 300")
    prev = content(call(registry(project), "pod_logs", {"spec": "web", "previous": True}))
    assert prev["log"] == "starting\npanic: config missing" and prev["truncated"] is False
    assert prev["previous"] is True
    short = call(registry(project), "pod_logs", {"spec": "web", "lines": 400})
    assert content(short)["lines"] == 300 and not short.truncated
    queries = [r.query for r in cluster.requests if r.path.endswith("/log")]
    assert queries[0] == {"container": "web", "tailLines": "101"}
    assert queries[1]["previous"] == "true"
    bad = call(registry(project), "pod_logs", {"spec": "web", "container": "sidecar"})
    assert not bad.ok and "sidecar is not valid for pod web" in (bad.error or "")


def test_log_cut_from_the_top_to_the_output_limit(project: Path, cluster: FakeKubeAPI) -> None:
    cluster.set_log("shop", "web", "".join(f"{n:05d} {'x' * 60}\n" for n in range(10_000)))
    reg = registry(project, SENTINEL_TOOL_OUTPUT_LIMIT="4096")
    out = call(reg, "pod_logs", {"spec": "web", "lines": 1000})
    assert out.ok and out.truncated
    assert len(out.content.encode()) <= 4096
    data = json.loads(out.content)  # cut whole lines from the top: still valid JSON
    lines = data["log"].splitlines()
    assert data["truncated"] is True and lines[-1].startswith("09999 ")
    assert 30 < len(lines) == data["lines"] < 1000
    assert int(lines[0][:5]) == 10_000 - len(lines)


def test_fit_log_keeps_everything_that_fits() -> None:
    head = {"pod": "a/b"}
    assert json.loads(fit_log(head, ["a", "b"], cut=False, limit=1000).text)["log"] == "a\nb"
    tiny = fit_log(head, ["x" * 50] * 10, cut=False, limit=120)
    assert tiny.truncated and len(tiny.text) <= 120


def test_missing_pod_and_unreachable_cluster_are_tool_errors(
        project: Path, cluster: FakeKubeAPI) -> None:
    out = call(registry(project), "pod_logs", {"spec": "queue"})
    assert not out.ok and out.error is not None
    assert out.error.startswith("specs/queue.yaml: Pod jobs/queue: not found (404)")
    cluster.close()  # nothing listens there any more
    for name, args in (("cluster_status", {}), ("pod_events", {"spec": "web"}),
                       ("pod_logs", {"spec": "web"})):
        out = call(registry(project), name, args)
        assert not out.ok and out.error is not None, name
        assert "cannot reach the cluster at" in out.error, out.error
        assert TOKEN not in out.error + out.content


def test_invalid_spec_names_no_pod(project: Path, cluster: FakeKubeAPI) -> None:
    out = call(registry(project), "pod_events", {"spec": "broken"})
    assert not out.ok and "is invalid, so it names no Pod" in (out.error or "")
    assert not [r for r in cluster.requests if "events" in r.path]


def test_tiers_read_only_and_allowlist(project: Path) -> None:
    names = [d["function"]["name"] for d in registry(project).definitions()]
    assert names[-5:] == ["cluster_status", "pod_events", "pod_logs", "plan", "diff_spec"]
    ro = [d["function"]["name"] for d in registry(project, SENTINEL_READ_ONLY="1").definitions()]
    assert ro == ["list_specs", "read_spec", "validate_spec", "render_manifest",
                  "cluster_status", "pod_events", "pod_logs", "plan", "diff_spec"]
    only = registry(project, SENTINEL_TOOLS="pod_logs")
    assert [d["function"]["name"] for d in only.definitions()] == ["pod_logs"]
    refused = call(only, "cluster_status", {})
    assert not refused.ok and "not enabled" in (refused.error or "")
    reg = registry(project)
    assert {reg.tool(n).tier for n in ("cluster_status", "pod_events", "pod_logs", "plan",  # type: ignore[union-attr]
                                           "diff_spec")
            } == {"cluster-read"}


def test_prompt_names_the_cluster_tools(project: Path) -> None:
    settings = settings_for(project)
    reg = build_registry(settings)
    text = tool_prompt_section(reg, settings.specs_dir, root=settings.root)
    assert "- pod_logs (cluster-read): " in text
    assert "never read Secret objects" in text
    assert text == tool_prompt_section(build_registry(settings), settings.specs_dir,
                                       root=settings.root)


def test_no_tool_reads_secrets_or_writes(project: Path, cluster: FakeKubeAPI) -> None:
    reg = registry(project)
    for name, args in (("cluster_status", {}), ("pod_events", {"spec": "web"}),
                       ("pod_logs", {"spec": "web"}), ("pod_logs", {"spec": "web", "previous": True})):
        call(reg, name, args)
    paths = [r.path for r in cluster.requests]
    assert paths and not [p for p in paths if "secret" in p or "configmap" in p]
    assert {r.method for r in cluster.requests} == {"GET"}


@pytest.mark.parametrize("args", [["delete", "pod", "web"], ["get", "secrets"], ["get"],
                                  ["apply", "-f", "x.yaml"], [], ["get", "configmaps", "-o", "json"]])
def test_only_reads_of_pods_events_and_logs_reach_kubectl(args: list[str]) -> None:
    with pytest.raises(ValueError):
        read_only_args(args)
    assert read_only_args(["logs", "-n", "a", "b"]) == ["logs", "-n", "a", "b"]
