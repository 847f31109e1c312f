"""``sentinel --help`` and ``sentinel validate`` must not import the chat or MCP stack.

``import openai`` alone costs about 0.4 s, the ``mcp`` SDK about 1 s; a command that only reads spec files must not pay it.
Each case runs in a fresh interpreter: import and run ``sentinel.cli.main``, then print the set
of imported modules.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

PROBE = """
import json, sys
from sentinel.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def modules_after(argv: list[str], cwd: Path) -> tuple[int, set[str]]:
    """Exit code and imported module names after ``sentinel ARGV`` in a fresh interpreter."""
    proc = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=cwd, capture_output=True,
                          text=True, timeout=60, check=False)
    last = proc.stdout.strip().splitlines()[-1]
    data = json.loads(last)
    return int(data["code"]), set(data["modules"])


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["validate", str(REPO / "samples" / "valid")],
        ["validate", "--json", str(REPO / "specs")],
        ["mcp", "--help"],
    ],
    ids=["help", "validate", "validate-json", "mcp-help"],
)
def test_spec_commands_never_import_openai(argv: list[str], tmp_path: Path) -> None:
    code, modules = modules_after(argv, tmp_path)
    assert code == 0
    assert "sentinel.cli" in modules  # the probe really ran the CLI
    if argv[0] == "validate":
        assert "sentinel.spec" in modules  # ...and really validated
    heavy = sorted(m for m in modules
                   if m.split(".")[0] in ("openai", "httpx", "tinydb", "mcp", "mcp_types",
                                          "anyio", "starlette"))
    assert heavy == []
