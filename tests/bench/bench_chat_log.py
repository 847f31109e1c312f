"""Benchmark: what a turn that reads a large log costs the model, in request bytes.

A Pod's container has written ``--lines`` log lines (default 10,000, ~70 bytes each). The model
(scripted) asks ``pod_logs`` for the most it may (``lines: 1000``, the tool's maximum), then
answers. ``sentinel chat`` runs for real in a subprocess (real openai SDK, real kubectl, the
loopback API); the fake endpoint logs every request body, so the sizes below are exactly what
the model would have been sent. Measured per ``tool_output_limit``:

- request 1: the system prompt, tools and the question (the fixed cost of the turn);
- request 2: the same plus the assistant's tool call and the tool result;
- the tool message's content (the envelope sent back), against the cap;
- baseline, in the same run: the raw log as ``kubectl logs --tail=1000`` prints it, and the
  whole log — what the model would read if results were not capped.

Target (issue 10): the tool result stays within ``tool_output_limit`` whatever the log's size.

Run: ``python tests/bench/bench_chat_log.py [--lines 10000]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import yaml

from sentinel.kube.kubectl import find_kubectl
from tests.fakes.kube_api import FakeKubeAPI
from tests.fakes.kube_objects import pod_manifest
from tests.fakes.openai_server import FakeOpenAI

BIN = Path(sys.executable).parent
WEB = "name: web\nnamespace: shop\nimage: nginxinc/nginx-unprivileged:1.27-alpine\n"
LIMITS = (4 * 1024, 16 * 1024, 64 * 1024)


def size(obj: object) -> int:
    return len(json.dumps(obj, ensure_ascii=False).encode("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    args = parser.parse_args()
    log = "".join(f"2026-12-04T10:{n // 60 % 60:02d}:{n % 60:02d}Z GET /api/orders/{n:05d} "
                  f"200 {n % 977}ms\n" for n in range(args.lines))
    with tempfile.TemporaryDirectory(prefix="bench-chat-log-") as tmp, FakeKubeAPI() as kube, \
            FakeOpenAI() as fake:
        work = Path(tmp)
        root = work / "proj"
        (root / "specs").mkdir(parents=True)
        (root / "sentinel.toml").write_text('project = "bench-0123abcd"\n')
        (root / "specs" / "web.yaml").write_text(WEB)
        kubeconfig = kube.write_kubeconfig(work / "kubeconfig")
        kube.add_namespace("shop")
        pod = yaml.safe_load(pod_manifest("web", "shop"))
        pod["spec"]["containers"][0]["name"] = "web"
        kube.put_pod(pod)
        kube.set_log("shop", "web", log)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("SENTINEL_", "OPENAI_", "KUBE"))}
        env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", HOME=str(work),
                   KUBECONFIG=str(kubeconfig), KUBECACHEDIR=str(work / "cache"),
                   OPENAI_BASE_URL=fake.url, OPENAI_API_KEY="sk-bench",
                   SENTINEL_HISTORY=str(work / "history"),
                   SENTINEL_CALL_LOG=str(work / "calls.jsonl"))
        tail = subprocess.run([str(find_kubectl(None)), "--kubeconfig", str(kubeconfig), "logs",
                               "-n", "shop", "web", "--tail=1000"], capture_output=True,
                              check=True).stdout
        print(f"a turn that reads a {args.lines:,}-line log ({len(log.encode()):,} bytes) with "
              "pod_logs lines=1000, real sentinel chat / SDK / kubectl")
        print(f"  baseline: kubectl logs --tail=1000 prints {len(tail):,} bytes; "
              f"the whole log is {len(log.encode()):,} bytes")
        print(f"  {'limit':>8}  {'request 1':>10}  {'request 2':>10}  {'added':>9}  "
              f"{'tool result':>11}  {'lines kept':>10}  within cap  vs --tail=1000")
        for limit in LIMITS:
            seen = len(fake.requests)
            fake.script([{"tool_calls": [{"name": "pod_logs",
                                          "arguments": {"spec": "web", "lines": 1000}}]},
                         {"text": "The log shows GET requests answered 200."}])
            done = subprocess.run(["sentinel", "chat", "--new"], cwd=root,
                                  env=dict(env, SENTINEL_TOOL_OUTPUT_LIMIT=str(limit)),
                                  input="what is web doing?\n", capture_output=True, text=True,
                                  timeout=300, check=False)
            if done.returncode != 0 or "tool pod_logs web: ok" not in done.stdout:
                raise SystemExit(f"chat failed:\n{done.stdout}\n{done.stderr}")
            first, second = (r["body"] for r in fake.requests[seen:])
            tool = second["messages"][-1]
            envelope = json.loads(tool["content"])
            result = json.loads(envelope["content"])
            content = len(envelope["content"].encode("utf-8"))
            added = size(second) - size(first)
            print(f"  {limit:>8,}  {size(first):>10,}  {size(second):>10,}  {added:>9,}  "
                  f"{content:>11,}  {result['lines']:>10,}  {'yes' if content <= limit else 'NO':>10}"
                  f"  {len(tail) / max(content, 1):>6.1f}x smaller")


if __name__ == "__main__":
    main()
