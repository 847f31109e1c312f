"""Control the scripted OpenAI-compatible server from a shell (cram transcripts); stdlib only.

    python openai_ctl.py script FILE      replace the reply queue with FILE (a samples/chat script)
    python openai_ctl.py append FILE      add FILE's replies to the end of the queue
    python openai_ctl.py count            how many chat requests the server received
    python openai_ctl.py messages [N]     the messages of request N (1-based; default: the last),
                                          one per line; the system prompt is shown by size only
    python openai_ctl.py requests         the raw request log as JSON
    python openai_ctl.py reset            empty the queue and the request log

The server is found through ``--url`` or ``$FAKE_OPENAI_URL`` (its ``/v1`` base URL). It runs as
a plain script (``python tests/fakes/openai_ctl.py``), so it imports nothing from the project.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from typing import Any


def _root(url: str) -> str:
    return url.rstrip("/").removesuffix("/v1")


def _call(root: str, method: str, path: str, payload: Any = None) -> Any:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(root + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"openai_ctl: {method} {path}: HTTP {exc.code}: "
                         f"{exc.read().decode(errors='replace')}") from None
    except urllib.error.URLError as exc:
        raise SystemExit(f"openai_ctl: cannot reach {root}: {exc.reason}") from None


def _load(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, json.JSONDecodeError) as exc:
        raise SystemExit(f"openai_ctl: {path}: {exc}") from None


def _format(message: dict[str, Any]) -> str:
    role = message.get("role", "?")
    content = message.get("content")
    if role == "system":
        return f"system: ({len(content or '')} chars)"
    text = f"{role}: {content}" if content is not None else f"{role}:"
    for call in message.get("tool_calls") or ():
        fn = call.get("function", {})
        text += f" [call {fn.get('name')} {fn.get('arguments')}]"
    if role == "tool":
        text = f"tool ({message.get('tool_call_id')}): {content}"
    return text


def main(argv: list[str] | None = None) -> int:
    """Run one control command; returns the exit code."""
    parser = argparse.ArgumentParser(prog="openai_ctl.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("FAKE_OPENAI_URL"))
    parser.add_argument("command", choices=("script", "append", "count", "messages", "requests",
                                            "reset"))
    parser.add_argument("arg", nargs="?")
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("no server: pass --url or set FAKE_OPENAI_URL")
    root = _root(args.url)
    if args.command in ("script", "append"):
        if not args.arg:
            parser.error(f"{args.command} needs a script file")
        _call(root, "POST", f"/_fake/{args.command}", _load(args.arg))
    elif args.command == "reset":
        _call(root, "POST", "/_fake/reset", {})
    else:
        requests = _call(root, "GET", "/_fake/requests")
        if args.command == "count":
            print(len(requests))
        elif args.command == "requests":
            print(json.dumps(requests, indent=2, sort_keys=True))
        else:
            if not requests:
                raise SystemExit("openai_ctl: no requests yet")
            index = int(args.arg) - 1 if args.arg else len(requests) - 1
            if not 0 <= index < len(requests):
                raise SystemExit(f"openai_ctl: no request {args.arg} (have {len(requests)})")
            for message in requests[index]["body"].get("messages", []):
                print(_format(message))
    return 0


if __name__ == "__main__":
    sys.exit(main())
