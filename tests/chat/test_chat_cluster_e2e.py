"""``sentinel chat`` with the live cluster, end to end: the real CLI in a subprocess (on a
pseudo-terminal where the y/N gate needs one), the real openai SDK against the scripted server,
the real kubectl against the loopback API.

The model's side is scripted, so what is checked is everything around it: which tool ran, what
the tool result sent back to the model said (the fake's request log), what the person saw on the
terminal, what changed on the cluster, and what the audit log recorded.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from sentinel.config import load_settings
from sentinel.kube import audit
from tests.fakes.kube_api import FakeKubeAPI
from tests.fakes.kube_objects import pod_manifest
from tests.fakes.on_tty import run_dialog
from tests.fakes.openai_server import FakeOpenAI

PROJECT = "shop-0123abcd"
WEB = "name: web\nnamespace: shop\nimage: nginxinc/nginx-unprivileged:1.27-alpine\n"
QUEUE = "name: queue\nnamespace: shop\nimage: redis:7.4\nsecurity: baseline\n"
REDIS: dict[str, Any] = {
    "name": "redis", "namespace": "shop", "image": "redis:7.4", "security": "baseline",
    "ports": [{"name": "redis", "containerPort": 6379}],
    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                  "limits": {"memory": "256Mi"}},
}
DEPLOY = [
    {"text": "I'll write the spec first.",
     "tool_calls": [{"name": "write_spec", "arguments": {"filename": "redis.yaml",
                                                         "spec": REDIS}}]},
    {"tool_calls": [{"name": "apply_specs", "arguments": {"specs": ["redis"]}}]},
    {"text": "Done: see the result above."},
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "specs").mkdir(parents=True)
    (root / "sentinel.toml").write_text(f'project = "{PROJECT}"\n')
    (root / "specs" / "web.yaml").write_text(WEB)
    (root / "specs" / "queue.yaml").write_text(QUEUE)
    return root


@pytest.fixture
def shop(kube: FakeKubeAPI) -> FakeKubeAPI:
    """Namespace shop with web crash-looping and queue Pending (no node fits)."""
    kube.add_namespace("shop")
    for name in ("web", "queue"):
        pod = yaml.safe_load(pod_manifest(name, "shop"))
        pod["spec"]["containers"][0]["name"] = name
        kube.put_pod(pod)
    kube.set_pod_status("shop", "web", phase="Running", ready=False, restarts=5,
                        reason="CrashLoopBackOff", message="back-off 1m20s restarting failed container")
    kube.set_pod_status("shop", "queue", phase="Pending", ready=False, reason="Unschedulable",
                        message="0/3 nodes are available: 3 Insufficient memory")
    kube.add_event("shop", "web", reason="BackOff", type="Warning", count=12,
                   message="Back-off restarting failed container web in pod web")
    kube.set_log("shop", "web", "starting web\npanic: DATABASE_URL is not set\n", previous=True)
    return kube


def chat_env(fake: FakeOpenAI) -> dict[str, str]:
    return dict(os.environ, OPENAI_BASE_URL=fake.url, OPENAI_API_KEY="sk-test-e2e")


def piped(project: Path, fake: FakeOpenAI, text: str) -> subprocess.CompletedProcess[str]:
    """``sentinel chat --new`` with ``text`` on a pipe (no terminal), as a script runs it."""
    return subprocess.run(["sentinel", "chat", "--new"], cwd=project, env=chat_env(fake),
                          input=text + "\n", capture_output=True, text=True, timeout=120,
                          check=False)


def on_terminal(project: Path, fake: FakeOpenAI, text: str, answer: bytes) -> tuple[int, str]:
    """``sentinel chat --new`` on a pty: type ``text``, answer the y/N with ``answer``, exit."""
    return run_dialog(["sentinel", "chat", "--new"], project, chat_env(fake),
                      [(b"you> ", text.encode() + b"\n"), (b"[y/N]", answer),
                       (b"you> ", b"/exit\n")])


def results(fake: FakeOpenAI, request: int) -> list[dict[str, Any]]:
    """The tool results (envelopes) at the end of the ``request``-th model request."""
    tail: list[dict[str, Any]] = []
    for message in reversed(fake.requests[request]["body"]["messages"]):
        if message["role"] != "tool":
            break
        tail.insert(0, json.loads(message["content"]))
    return tail


def records(project: Path) -> list[audit.AuditRecord]:
    path = load_settings(project, dict(os.environ)).audit_log
    return audit.read(path)[0] if path.exists() else []


def test_which_pods_are_not_running(project: Path, shop: FakeKubeAPI, fake: FakeOpenAI) -> None:
    fake.script([{"tool_calls": [{"name": "cluster_status", "arguments": {}}]},
                 {"text": "queue is Pending: no node has enough memory."}])
    done = piped(project, fake, "which pods are not running?")
    assert done.returncode == 0, done.stderr
    assert "tool cluster_status: ok" in done.stdout
    assert "assistant> queue is Pending: no node has enough memory." in done.stdout
    [status] = results(fake, 1)
    pods = {p["spec"]: p for p in json.loads(status["content"])["pods"]}
    assert pods["queue"]["phase"] == "Pending"
    assert pods["queue"]["reason"] == "Unschedulable: 0/3 nodes are available: 3 Insufficient memory"
    assert pods["web"]["reason"].startswith("CrashLoopBackOff")
    assert "cluster_status" in [t["function"]["name"] for t in fake.requests[0]["body"]["tools"]]


def test_why_is_web_crashing(project: Path, shop: FakeKubeAPI, fake: FakeOpenAI) -> None:
    fake.script([{"tool_calls": [{"name": "pod_events", "arguments": {"spec": "web"}},
                                 {"name": "pod_logs", "arguments": {"spec": "web",
                                                                    "previous": True}}]},
                 {"text": "web exits with: panic: DATABASE_URL is not set."}])
    done = piped(project, fake, "why is web crashing?")
    assert done.returncode == 0, done.stderr
    assert "tool pod_events web: ok" in done.stdout and "tool pod_logs web: ok" in done.stdout
    assert "assistant> web exits with: panic: DATABASE_URL is not set." in done.stdout
    events, logs = results(fake, 1)
    [event] = json.loads(events["content"])["events"]
    assert (event["reason"], event["type"], event["count"]) == ("BackOff", "Warning", 12)
    log = json.loads(logs["content"])
    assert log["previous"] is True and "panic: DATABASE_URL is not set" in log["log"]


def test_write_a_redis_spec_and_deploy_it_with_y(project: Path, shop: FakeKubeAPI,
                                                 fake: FakeOpenAI) -> None:
    fake.script(DEPLOY)
    code, screen = on_terminal(project, fake, "write a redis spec and deploy it", b"y\n")
    assert code == 0, screen
    assert "tool write_spec redis.yaml: ok" in screen
    assert f"Apply to context 'fake' ({shop.url}), namespace(s): shop" in screen
    assert "create 1 Pod: shop/redis" in screen and "Proceed? [y/N] y" in screen
    assert "tool apply_specs redis: ok" in screen
    assert shop.get_pod("shop", "redis") is not None
    [applied] = results(fake, 2)
    assert applied["ok"] is True
    assert json.loads(applied["content"])["applies"][0]["done"] == [
        "shop/redis (specs/redis.yaml): created"]
    [record] = records(project)
    conversation = re.search(r"conversation (conv_[0-9a-f]+) \(new\)", screen)
    assert conversation is not None
    match = re.fullmatch(r"conversation=(\S+) message=(msg_[0-9a-f]+) origin=chat",
                         record.provenance)
    assert match is not None and match.group(1) == conversation.group(1)
    stored = Path(os.environ["SENTINEL_HISTORY"])
    files = [p for p in stored.rglob("*") if p.is_file()] if stored.is_dir() else [stored]
    history = "".join(p.read_text() for p in files)
    assert match.group(2) in history  # the assistant message that asked for the apply
    assert (record.name, record.result) == ("redis", "created")
    assert record.spec_sha256 and record.manifest_sha256


def test_the_same_answered_n_creates_nothing_and_the_model_is_told(
        project: Path, shop: FakeKubeAPI, fake: FakeOpenAI) -> None:
    fake.script(DEPLOY)
    code, screen = on_terminal(project, fake, "write a redis spec and deploy it", b"n\n")
    assert code == 0, screen
    assert "create 1 Pod: shop/redis" in screen
    assert "tool apply_specs redis: error: the user refused the apply" in screen
    assert shop.get_pod("shop", "redis") is None and records(project) == []
    [refused] = results(fake, 2)
    assert refused["ok"] is False
    assert refused["error"].startswith("the user refused the apply (apply not confirmed)")
    assert (project / "specs" / "redis.yaml").exists()  # the spec stays: only the apply was refused


def test_piped_stdin_refuses_the_apply(project: Path, shop: FakeKubeAPI,
                                       fake: FakeOpenAI) -> None:
    fake.script(DEPLOY)
    done = piped(project, fake, "write a redis spec and deploy it")
    assert done.returncode == 0, done.stderr
    assert "tool apply_specs redis: error: refused: there is no terminal" in done.stdout
    assert "[y/N]" not in done.stdout + done.stderr
    [refused] = results(fake, 2)
    assert refused["ok"] is False and "nothing was changed" in refused["error"]
    assert shop.get_pod("shop", "redis") is None and records(project) == []


def test_ctrl_c_while_the_apply_runs_is_audited_and_the_model_told(
        project: Path, kube: FakeKubeAPI, fake: FakeOpenAI) -> None:
    kube.add_namespace("shop")
    (project / "specs" / "queue.yaml").unlink()
    (project / "specs" / "web.yaml").unlink()
    (project / "specs" / "redis.yaml").write_text(QUEUE.replace("queue", "redis"))
    fake.script([{"tool_calls": [{"name": "apply_specs", "arguments": {"specs": ["redis"]}}]},
                 {"text": "The apply was interrupted; run plan to see where things stand."}])
    kube.set_delay(60, real_writes_only=True)  # kubectl hangs in the real change
    try:
        code, screen = run_dialog(
            ["sentinel", "chat", "--new"], project, chat_env(fake),
            [(b"you> ", b"deploy redis\n"), (b"[y/N]", b"y\n"),
             (lambda: any(r.query.get("dryRun") != "All" for r in kube.writes()), b"\x03"),
             (b"you> ", b"/exit\n")])
    finally:
        kube.set_delay(0)
    assert code == 0, screen
    assert "Traceback" not in screen
    assert "tool apply_specs redis: error: some changes failed" in screen
    assert "assistant> The apply was interrupted" in screen
    [told] = results(fake, 1)
    assert told["ok"] is False
    failures = json.loads(told["content"])["applies"][0]["failures"]
    assert failures[0].startswith("apply interrupted (Ctrl-C) while kubectl ran")
    [record] = records(project)
    assert (record.name, record.result) == ("redis", "interrupted")
    assert record.provenance.startswith("conversation=conv_")
