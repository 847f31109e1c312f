"""Drive the loopback Kubernetes API from a cram transcript (stdlib only, runs as a plain script).

Talks to the fake's ``/_fake/...`` control endpoint at ``$FAKE_KUBE_URL``::

    python kube_ctl.py pod-status NS NAME --phase Running --ready --restarts 0
    python kube_ctl.py pod-status NS NAME --phase Running --restarts 4 --reason CrashLoopBackOff \\
        --message "back-off 40s restarting failed container"
    python kube_ctl.py inject 403 [--namespace NS] [--name NAME] [--verbs create,patch] [--times N]
    python kube_ctl.py namespace NAME
    python kube_ctl.py delay SECONDS
    python kube_ctl.py event NS POD REASON MESSAGE [--type Warning] [--count N] [--age SECONDS]
    python kube_ctl.py log NS POD FILE [--container C] [--previous]   # FILE '-': stdin
    python kube_ctl.py pods                      # stored Pods, one namespace/name a line
    python kube_ctl.py requests [--writes]       # METHOD PATH [dryRun] STATUS, one a line
    python kube_ctl.py clear-requests            # forget them (to show a run sends none)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from typing import Any


def call(method: str, path: str, body: Any = None) -> Any:
    """One control request; exits 1 with the fake's message if it refuses."""
    base = os.environ.get("FAKE_KUBE_URL")
    if not base:
        sys.exit("kube_ctl: FAKE_KUBE_URL is not set")
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{base}/_fake/{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as err:
        sys.exit(f"kube_ctl: {err.code}: {err.read().decode(errors='replace')}")
    return json.loads(raw) if raw else None


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and send the control request."""
    parser = argparse.ArgumentParser(prog="kube_ctl")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pod-status")
    p.add_argument("namespace")
    p.add_argument("name")
    p.add_argument("--phase", default="Running")
    p.add_argument("--ready", action="store_true")
    p.add_argument("--restarts", type=int, default=0)
    p.add_argument("--reason")
    p.add_argument("--message")
    p = sub.add_parser("inject")
    p.add_argument("code", type=int)
    p.add_argument("--namespace")
    p.add_argument("--name")
    p.add_argument("--verbs")
    p.add_argument("--times", type=int)
    sub.add_parser("namespace").add_argument("name")
    sub.add_parser("delay").add_argument("seconds", type=float)
    p = sub.add_parser("event")
    for name in ("namespace", "pod", "reason", "message"):
        p.add_argument(name)
    p.add_argument("--type", default="Normal")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--age", type=float, default=0.0)
    p = sub.add_parser("log")
    for name in ("namespace", "pod", "file"):
        p.add_argument(name)
    p.add_argument("--container")
    p.add_argument("--previous", action="store_true")
    sub.add_parser("pods")
    sub.add_parser("requests").add_argument("--writes", action="store_true")
    sub.add_parser("clear-requests")
    args = parser.parse_args(argv)

    if args.cmd == "pod-status":
        call("POST", f"pods/{args.namespace}/{args.name}/status", {
            "phase": args.phase, "ready": args.ready, "restarts": args.restarts,
            "reason": args.reason, "message": args.message})
    elif args.cmd == "inject":
        call("POST", "inject", {
            "code": args.code, "namespace": args.namespace, "name": args.name,
            "verbs": args.verbs.split(",") if args.verbs else None, "times": args.times})
    elif args.cmd == "namespace":
        call("POST", "namespaces", {"name": args.name})
    elif args.cmd == "delay":
        call("POST", "delay", {"seconds": args.seconds})
    elif args.cmd == "event":
        call("POST", "events", {"namespace": args.namespace, "pod": args.pod, "reason": args.reason,
                                "message": args.message, "type": args.type, "count": args.count,
                                "age_seconds": args.age})
    elif args.cmd == "log":
        text = sys.stdin.read() if args.file == "-" else open(args.file, encoding="utf-8").read()
        call("POST", "logs", {"namespace": args.namespace, "pod": args.pod, "text": text,
                              "container": args.container, "previous": args.previous})
    elif args.cmd == "clear-requests":
        call("DELETE", "requests")
    elif args.cmd == "pods":
        for name in call("GET", "pods"):
            print(name)
    else:
        for r in call("GET", "requests"):
            if args.writes and r["method"] not in ("POST", "PATCH", "PUT", "DELETE"):
                continue
            dry = " dryRun" if r["query"].get("dryRun") else ""
            print(f"{r['method']} {r['path']}{dry} {r['status']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
