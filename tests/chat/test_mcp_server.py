"""``sentinel mcp`` through the mcp SDK's own stdio client: the real command in a subprocess.

Each test starts ``sentinel mcp`` (the venv's console script) in a project folder, connects with
``mcp.client.stdio.stdio_client`` + ``ClientSession`` and speaks the protocol as an editor or
agent would: initialize, list tools, call them. What the client gets is compared with the
chat's own registry in this process, so "the same tools, schemas and validation" is checked,
not assumed.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TextIO

import anyio
import pytest
import yaml
from mcp import ClientSession, types
from mcp.client.stdio import StdioServerParameters, stdio_client

from sentinel.chat.registry import build_registry
from sentinel.config import load_settings
from sentinel.render import dump_manifest, render
from sentinel.spec import load_spec
from tests.conftest import BIN
from tests.fakes.kube_api import FakeKubeAPI

WEB = """\
name: web
namespace: shop
image: nginxinc/nginx-unprivileged:1.27-alpine
"""
BROKEN = """\
name: Broken_Name
image: nginxinc/nginx-unprivileged:1.27
"""
API: dict[str, Any] = {
    "name": "api",
    "namespace": "shop",
    "image": "nginxinc/nginx-unprivileged:1.27",
    "ports": [{"name": "http", "containerPort": 8080}],
}
READ_TOOLS = ["list_specs", "read_spec", "validate_spec", "render_manifest"]
CLUSTER_TOOLS = ["cluster_status", "pod_events", "pod_logs", "plan", "diff_spec"]
CLIENT = types.Implementation(name="pytest-client", version="1.0")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "specs").mkdir(parents=True)
    (root / "sentinel.toml").write_text("")
    (root / "specs" / "web.yaml").write_text(WEB)
    (root / "specs" / "broken.yaml").write_text(BROKEN)
    return root


Session = Callable[[ClientSession, types.InitializeResult], Awaitable[None]]


@asynccontextmanager
async def connected(cwd: Path, args: list[str], errlog: TextIO, stdout_copy: Path | None = None,
                    ) -> AsyncIterator[tuple[ClientSession, types.InitializeResult]]:
    """A ClientSession on a fresh ``sentinel mcp ARGS`` subprocess in ``cwd``, initialized.

    With ``stdout_copy`` the server's stdout also goes (through ``tee``) to that file, so a test
    can check every byte the client was sent, which the SDK's reader would otherwise skip."""
    command, argv = str(BIN / "sentinel"), ["mcp", *args]
    if stdout_copy is not None:
        argv = ["-c", 'out="$1"; shift; "$@" | tee "$out"', "sh", str(stdout_copy), command, *argv]
        command = "sh"
    params = StdioServerParameters(command=command, args=argv, cwd=str(cwd), env=dict(os.environ))
    async with (stdio_client(params, errlog=errlog) as (read, write),
                ClientSession(read, write, client_info=CLIENT) as session):
        init = await session.initialize()
        yield session, init


def run_session(cwd: Path, args: list[str], body: Session, stderr: Path,
                stdout_copy: Path | None = None) -> str:
    """Run ``body`` against the server; return what the server wrote on stderr."""

    async def main() -> None:
        with stderr.open("w") as errlog:
            async with connected(cwd, args, errlog, stdout_copy) as (session, init):
                with anyio.fail_after(60):
                    await body(session, init)

    anyio.run(main)
    return stderr.read_text()


def text_of(result: types.CallToolResult) -> str:
    assert len(result.content) == 1
    block = result.content[0]
    assert isinstance(block, types.TextContent)
    return block.text


def test_initialize_and_list_tools_serve_the_registry_schemas_unchanged(
        project: Path, tmp_path: Path) -> None:
    registry = build_registry(load_settings(project))
    got: dict[str, Any] = {}

    async def body(session: ClientSession, init: types.InitializeResult) -> None:
        got["init"] = init
        got["tools"] = (await session.list_tools()).tools

    log = run_session(project, [], body, tmp_path / "stderr")
    init = got["init"]
    assert init.server_info.name == "kube-sentinel"
    assert init.capabilities.tools is not None
    assert "never YAML text" in (init.instructions or "")
    tools = {t.name: t for t in got["tools"]}
    assert list(tools) == READ_TOOLS + CLUSTER_TOOLS  # no write_spec without --allow-write
    for name, tool in tools.items():
        own = registry.tool(name)
        assert own is not None
        assert tool.input_schema == own.parameters
        assert tool.description == own.description
        assert tool.annotations is not None and tool.annotations.read_only_hint is True
    assert "serving 9 tool(s) over stdio: list_specs, read_spec, validate_spec, " \
           "render_manifest, cluster_status, pod_events, pod_logs, plan, diff_spec" in log


def test_each_read_tool_answers_like_the_registry(project: Path, tmp_path: Path) -> None:
    registry = build_registry(load_settings(project))
    results: dict[str, types.CallToolResult] = {}

    async def body(session: ClientSession, init: types.InitializeResult) -> None:
        results["list"] = await session.call_tool("list_specs", {})
        results["read"] = await session.call_tool("read_spec", {"name": "web"})
        results["valid"] = await session.call_tool("validate_spec", {"name": "web"})
        results["invalid"] = await session.call_tool("validate_spec", {"name": "broken"})
        results["render"] = await session.call_tool("render_manifest", {"name": "web"})
        results["data"] = await session.call_tool("render_manifest", {"spec": API})

    log = run_session(project, [], body, tmp_path / "stderr")
    for key in ("list", "read", "valid", "render", "data"):
        assert results[key].is_error is False, key
    listing = json.loads(text_of(results["list"]))
    assert [row["spec"] for row in listing["specs"]] == ["broken", "web"]
    assert text_of(results["read"]) == WEB
    assert json.loads(text_of(results["valid"]))["valid"] is True
    manifest = dump_manifest(render(load_spec(project / "specs" / "web.yaml").model,
                                    source="specs/web.yaml")).decode()
    assert text_of(results["render"]) == manifest
    assert "name: api" in text_of(results["data"])
    # The structured result is the chat's envelope, byte for byte what the chat model reads.
    own = registry.run("render_manifest", json.dumps({"name": "web"}), conversation_id="c",
                       message_id="m")
    assert results["render"].structured_content == json.loads(own.to_message_content())
    # An invalid spec is a tool error carrying every problem, as the chat model gets them.
    invalid = results["invalid"]
    assert invalid.is_error is True
    envelope = invalid.structured_content
    assert envelope is not None and envelope["ok"] is False
    assert envelope["error"].startswith("the spec is invalid (1 error(s))")
    problems = json.loads(envelope["content"])
    assert problems[0]["field"] == "name" and problems[0]["line"] == 1
    assert text_of(invalid).startswith(envelope["error"] + "\n")
    assert "validate_spec broken: invalid: name:" in log


def test_schema_violation_is_a_tool_error_naming_the_field(project: Path, tmp_path: Path) -> None:
    results: dict[str, types.CallToolResult] = {}

    async def body(session: ClientSession, init: types.InitializeResult) -> None:
        results["type"] = await session.call_tool("read_spec", {"name": 5})
        results["extra"] = await session.call_tool("list_specs", {"all": True})
        results["unknown"] = await session.call_tool("drop_tables", {})

    run_session(project, [], body, tmp_path / "stderr")
    wrong = results["type"]
    assert wrong.is_error is True
    assert wrong.structured_content is not None
    assert "do not match the schema of read_spec" in wrong.structured_content["error"]
    assert json.loads(wrong.structured_content["content"]) == [
        {"field": "name", "message": "5 is not of type 'string'"}]
    extra = results["extra"].structured_content
    assert extra is not None and "do not match the schema of list_specs" in extra["error"]
    unknown = results["unknown"]
    assert unknown.is_error is True
    assert text_of(unknown) == ("unknown tool 'drop_tables'; available: list_specs, read_spec, "
                                "validate_spec, render_manifest, cluster_status, pod_events, "
                                "pod_logs, plan, diff_spec")


def test_write_spec_is_refused_without_allow_write(project: Path, tmp_path: Path) -> None:
    results: dict[str, types.CallToolResult] = {}

    async def body(session: ClientSession, init: types.InitializeResult) -> None:
        results["write"] = await session.call_tool("write_spec",
                                                   {"filename": "api.yaml", "spec": API})

    log = run_session(project, [], body, tmp_path / "stderr")
    refused = results["write"]
    assert refused.is_error is True
    assert "--allow-write" in text_of(refused) and "nothing was written" in text_of(refused)
    assert not (project / "specs" / "api.yaml").exists()
    assert "write_spec: refused:" in log


def test_write_spec_with_allow_write_writes_what_the_loader_accepts(
        project: Path, tmp_path: Path) -> None:
    registry = build_registry(load_settings(project))
    got: dict[str, Any] = {}

    async def body(session: ClientSession, init: types.InitializeResult) -> None:
        got["tools"] = (await session.list_tools()).tools
        got["bad"] = await session.call_tool(
            "write_spec", {"filename": "bad.yaml", "spec": {**API, "name": "Bad_Name"}})
        got["ok"] = await session.call_tool("write_spec", {"filename": "api.yaml", "spec": API})
        got["again"] = await session.call_tool("write_spec",
                                                {"filename": "api.yaml", "spec": API})

    log = run_session(project, ["--allow-write"], body, tmp_path / "stderr")
    tools = {t.name: t for t in got["tools"]}
    assert list(tools) == [*READ_TOOLS, "write_spec", *CLUSTER_TOOLS]
    own = registry.tool("write_spec")
    assert own is not None and tools["write_spec"].input_schema == own.parameters
    assert tools["write_spec"].annotations is not None
    assert tools["write_spec"].annotations.read_only_hint is False
    # an invalid spec: a tool error with the problems, nothing written
    assert got["bad"].is_error is True
    assert not (project / "specs" / "bad.yaml").exists()
    # a valid one: written, accepted by the loader, headed by MCP provenance
    assert got["ok"].is_error is False
    assert json.loads(text_of(got["ok"]))["written"] == "specs/api.yaml"
    path = project / "specs" / "api.yaml"
    loaded = load_spec(path)
    assert (loaded.model.namespace, loaded.model.name) == ("shop", "api")
    header = path.read_text().splitlines()[0]
    assert header.startswith("# written by kube-sentinel mcp: conversation pytest-client_")
    assert ", message request_" in header
    # never over an existing file without overwrite
    assert got["again"].is_error is True and "already exists" in text_of(got["again"])
    assert "write_spec api.yaml: ok" in log
    check = subprocess.run([str(BIN / "sentinel"), "validate", str(path)], cwd=project,
                           capture_output=True, text=True, timeout=60, check=False)
    assert check.returncode == 0, check.stderr


def test_stdout_carries_only_protocol_and_logs_go_to_stderr(project: Path) -> None:
    lines = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                    "clientInfo": {"name": "raw", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
         "params": {"name": "validate_spec", "arguments": {"name": "broken"}}},
    ]
    proc = subprocess.Popen([str(BIN / "sentinel"), "mcp"], cwd=project, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    try:
        proc.stdin.write("".join(json.dumps(m) + "\n" for m in lines))
        proc.stdin.flush()
        replies = [json.loads(proc.stdout.readline()) for _ in range(2)]  # JSON-RPC lines
        proc.stdin.close()  # the client hangs up: the server ends
        assert proc.wait(timeout=60) == 0
        assert proc.stdout.read() == ""  # nothing else ever reached stdout
        stderr = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            stream.close()
    assert [r.get("id") for r in replies] == [1, 2]
    assert all(r["jsonrpc"] == "2.0" for r in replies)
    assert replies[1]["result"]["isError"] is True
    assert stderr.splitlines()[0].startswith("sentinel mcp: serving 9 tool(s)")
    assert "sentinel mcp: validate_spec broken: invalid: name:" in stderr


@pytest.mark.parametrize(
    ("setup", "argv", "message"),
    [
        ("tool_timeout = -1\n", [], "setting 'tool_timeout'"),
        ("tools = ['nope']\n", [], "setting 'tools' names unknown tool(s): nope"),
        ("", ["--project", "missing"], "--project missing: not a folder"),
    ],
    ids=["bad-setting", "unknown-tool", "no-project"],
)
def test_configuration_errors_exit_2_before_serving(project: Path, setup: str, argv: list[str],
                                                    message: str) -> None:
    (project / "sentinel.toml").write_text(f"[sentinel]\n{setup}")
    proc = subprocess.run([str(BIN / "sentinel"), "mcp", *argv], cwd=project, input="",
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_project_option_serves_another_folder(project: Path, tmp_path: Path) -> None:
    got: dict[str, Any] = {}

    async def body(session: ClientSession, init: types.InitializeResult) -> None:
        got["list"] = await session.call_tool("list_specs", {})

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run_session(elsewhere, ["--project", str(project)], body, tmp_path / "stderr")
    listing = json.loads(text_of(got["list"]))
    assert [row["spec"] for row in listing["specs"]] == ["broken", "web"]


def test_cluster_read_tools_answer_from_the_live_cluster(project: Path, tmp_path: Path,
                                                         kube: FakeKubeAPI) -> None:
    """cluster_status, pod_events and pod_logs over MCP, against the loopback API with the real
    kubectl; an unreachable cluster is a tool error, not a broken session."""
    kube.add_namespace("shop")
    pod = yaml.safe_load(dump_manifest(render(load_spec(project / "specs" / "web.yaml").model,
                                              source="specs/web.yaml")))
    kube.put_pod(pod)
    kube.set_pod_status("shop", "web", phase="Running", ready=False, restarts=3,
                        reason="CrashLoopBackOff", message="back-off restarting")
    kube.add_event("shop", "web", reason="BackOff", type="Warning", count=5,
                   message="Back-off restarting failed container")
    kube.set_log("shop", "web", "".join(f"line {n}\n" for n in range(1, 51)))
    got: dict[str, types.CallToolResult] = {}

    async def body(session: ClientSession, init: types.InitializeResult) -> None:
        got["status"] = await session.call_tool("cluster_status", {})
        got["events"] = await session.call_tool("pod_events", {"spec": "web"})
        got["logs"] = await session.call_tool("pod_logs", {"spec": "web", "lines": 10})

    run_session(project, [], body, tmp_path / "stderr")
    for result in got.values():
        assert result.is_error is False, text_of(result)
    assert "CrashLoopBackOff" in text_of(got["status"])
    assert "Back-off restarting failed container" in text_of(got["events"])
    logs = json.loads(text_of(got["logs"]))
    assert logs["log"].splitlines() == [f"line {n}" for n in range(41, 51)]

    kube.close()
    down: dict[str, types.CallToolResult] = {}

    async def unreachable(session: ClientSession, init: types.InitializeResult) -> None:
        down["status"] = await session.call_tool("cluster_status", {})
        down["list"] = await session.call_tool("list_specs", {})

    run_session(project, [], unreachable, tmp_path / "stderr2")
    assert down["status"].is_error is True
    assert "cannot reach the cluster" in text_of(down["status"])
    assert down["list"].is_error is False


def only_protocol(stdout: str) -> list[dict[str, Any]]:
    """Every line the server wrote on stdout, each a JSON-RPC message (else the test fails)."""
    assert stdout.endswith("\n")
    messages = [json.loads(line) for line in stdout.splitlines()]
    assert all(m["jsonrpc"] == "2.0" for m in messages)
    return messages


def diff_body(diff: str) -> list[str]:
    """A ``kubectl diff`` without its header (temporary file names and times differ per run)."""
    lines = diff.splitlines()
    return lines[next(i for i, line in enumerate(lines) if line.startswith("@@")):]


def test_plan_and_diff_spec_answer_from_the_live_cluster_like_the_registry(
        project: Path, tmp_path: Path, kube: FakeKubeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """plan and diff_spec through the SDK client against the loopback API with the real
    kubectl: the same answers the chat's registry gives in this process, nothing changed on the
    cluster, and nothing but JSON-RPC on stdout (kubectl's own output never leaks there)."""
    kube.add_namespace("shop")
    pod = yaml.safe_load(dump_manifest(render(load_spec(project / "specs" / "web.yaml").model,
                                              source="specs/web.yaml")))
    pod["metadata"]["labels"]["drift"] = "yes"  # the live Pod was changed behind our back
    kube.put_pod(pod, manager="kube-sentinel")
    got: dict[str, types.CallToolResult] = {}

    async def body(session: ClientSession, init: types.InitializeResult) -> None:
        got["plan"] = await session.call_tool("plan", {})
        got["only"] = await session.call_tool("plan", {"specs": ["web"]})
        got["diff"] = await session.call_tool("diff_spec", {"spec": "web"})
        got["broken"] = await session.call_tool("diff_spec", {"spec": "broken"})

    copy = tmp_path / "stdout"
    log = run_session(project, [], body, tmp_path / "stderr", stdout_copy=copy)
    monkeypatch.chdir(project)  # spec paths are shown from the working folder, as the server's
    registry = build_registry(load_settings(project))

    def own(name: str, args: dict[str, Any]) -> Any:
        return registry.run(name, json.dumps(args), conversation_id="c", message_id="m")

    for key in ("plan", "only", "diff"):
        assert got[key].is_error is False, text_of(got[key])
    for key, args in (("plan", {}), ("only", {"specs": ["web"]})):
        mine = own("plan", args)
        assert mine.ok and text_of(got[key]) == mine.content, key
        assert got[key].structured_content == json.loads(mine.to_message_content())
    plan = json.loads(text_of(got["plan"]))
    assert plan["context"] == "fake" and plan["counts"]["update"] == 1
    assert [(p["name"], p["action"]) for p in plan["pods"]] == [("web", "update")]
    diff = json.loads(text_of(got["diff"]))
    mine_diff = json.loads(own("diff_spec", {"spec": "web"}).content)
    assert {k: v for k, v in diff.items() if k != "diff"} == {
        k: v for k, v in mine_diff.items() if k != "diff"} == {
        "spec": "specs/web.yaml", "pod": "shop/web", "context": "fake", "result": "differs"}
    assert diff_body(diff["diff"]) == diff_body(mine_diff["diff"])
    assert '-    drift: "yes"' in diff_body(diff["diff"])
    broken = own("diff_spec", {"spec": "broken"})
    assert got["broken"].is_error is True and not broken.ok
    assert text_of(got["broken"]) == f"{broken.error}\n{broken.content}"
    assert "cannot be rendered" in text_of(got["broken"])
    # read-only: no real write reached the cluster, the live Pod is as it was
    assert [r for r in kube.writes() if r.query.get("dryRun") != "All"] == []
    live = kube.get_pod("shop", "web")
    assert live is not None and live["metadata"]["labels"]["drift"] == "yes"
    # stdout: JSON-RPC only; the four calls' replies among it
    replies = [m for m in only_protocol(copy.read_text()) if "result" in m]
    assert sum(1 for r in replies if "isError" in r["result"]) == 4
    # and the log, one line per call, on stderr
    assert log.splitlines()[1:] == [
        "sentinel mcp: plan: ok", "sentinel mcp: plan web: ok", "sentinel mcp: diff_spec web: ok",
        ("sentinel mcp: diff_spec broken: error: broken.yaml cannot be rendered, so there is "
         "nothing to compare")]


def test_apply_specs_called_by_name_is_refused_and_changes_nothing(
        project: Path, tmp_path: Path, kube: FakeKubeAPI) -> None:
    kube.add_namespace("shop")
    got: dict[str, Any] = {}

    async def body(session: ClientSession, init: types.InitializeResult) -> None:
        got["tools"] = [t.name for t in (await session.list_tools()).tools]
        got["apply"] = await session.call_tool("apply_specs", {})
        got["prune"] = await session.call_tool("apply_specs", {"prune": True})

    copy = tmp_path / "stdout"
    log = run_session(project, ["--allow-write"], body, tmp_path / "stderr", stdout_copy=copy)
    assert "apply_specs" not in got["tools"]
    for key in ("apply", "prune"):
        refused = got[key]
        assert refused.is_error is True
        assert text_of(refused) == (
            "tool 'apply_specs' (tier 'cluster-write') is never offered over MCP: changes to a "
            "cluster need a person's confirmation at a terminal (run 'doit apply' or "
            "'sentinel chat')")
        assert refused.structured_content is not None
        assert refused.structured_content["ok"] is False
    assert kube.pod_names() == []
    assert kube.requests == []  # refused before the registry: kubectl never ran
    assert log.count("apply_specs: refused:") == 2
    only_protocol(copy.read_text())
