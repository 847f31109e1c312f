"""Benchmark: server-side dry run of N manifests, batched vs one kubectl per manifest.

Both sides run the real kubectl against the loopback Kubernetes API in the same run, with the
same warm discovery cache and the same manifests:

- batched: ``sentinel.kube.batch.dry_run`` — one kubectl per namespace, many ``-f`` files each;
- baseline: the same function called once per manifest — one kubectl per Pod, which is what a
  naive per-task pipeline does.

kubectl starts are counted by a wrapper script (the ``kubectl`` setting pointing at it), wall
time is the median of the repeats. Also printed: a full ``doit dryrun`` in a project of N specs
(cold: generate + dry run; then the no-op run), for scale.

Run: ``/tmp/venv/bin/python tests/bench/bench_dryrun.py [--manifests 200] [--namespaces 4]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from sentinel.kube import batch
from sentinel.kube.kubectl import Kubectl
from sentinel.kube.outcomes import Target
from tests.cluster_project import counting_kubectl, kubectl_starts
from tests.fakes.kube_api import FakeKubeAPI

POD = """apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: {ns}
  labels:
    app.kubernetes.io/name: {name}
spec:
  containers:
  - name: {name}
    image: nginxinc/nginx-unprivileged:1.27
"""


def measure(label: str, run: object, log: Path, repeats: int) -> tuple[float, int]:
    """Median wall seconds and kubectl starts per repeat of ``run()``."""
    times, counts = [], []
    for _ in range(repeats):
        before = kubectl_starts(log)
        began = time.perf_counter()
        results = run()  # type: ignore[operator]
        times.append(time.perf_counter() - began)
        counts.append(kubectl_starts(log) - before)
        failed = [r for r in results if not r.ok]
        if failed:
            raise SystemExit(f"{label}: {len(failed)} dry runs failed, e.g. {failed[0].error}")
    return statistics.median(times), counts[0]


def end_to_end(work: Path, kube: FakeKubeAPI, count: int, namespaces: list[str]) -> None:
    """``doit dryrun`` in a project of ``count`` specs: cold (with generate) and no-op."""
    project = work / "project"
    (project / "specs").mkdir(parents=True)
    for n in range(count):
        (project / "specs" / f"pod-{n:04d}.yaml").write_text(
            f"name: pod-{n:04d}\nnamespace: {namespaces[n % len(namespaces)]}\n"
            "image: nginxinc/nginx-unprivileged:1.27\n")
    (project / "dodo.py").write_text("from sentinel.pipeline.dodo import *  # noqa: F403\n")
    env = dict(os.environ, KUBECONFIG=str(kube.write_kubeconfig(work / "kubeconfig-e2e")))
    for label in ("cold (generate + dry run)", "no-op (all up to date)"):
        began = time.perf_counter()
        done = subprocess.run([str(Path(sys.executable).parent / "doit"), "dryrun"], cwd=project,
                              env=env, capture_output=True, text=True, check=False)
        took = time.perf_counter() - began
        if done.returncode != 0:
            raise SystemExit(f"doit dryrun failed:\n{done.stdout}\n{done.stderr}")
        print(f"  doit dryrun, {count} specs, {label}: {took:6.2f} s")


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifests", type=int, default=200)
    parser.add_argument("--namespaces", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline-repeats", type=int, default=1)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-dryrun-"))
    namespaces = ["default"] + [f"team-{n}" for n in range(1, args.namespaces)]
    try:
        with FakeKubeAPI() as kube:
            for ns in namespaces[1:]:
                kube.add_namespace(ns)
            os.environ["KUBECONFIG"] = str(kube.write_kubeconfig(work / "kubeconfig"))
            os.environ["KUBECACHEDIR"] = str(work / "kubecache")
            folder = work / "manifests"
            folder.mkdir()
            targets = []
            for n in range(args.manifests):
                ns = namespaces[n % len(namespaces)]
                path = folder / f"pod-{n:04d}.yaml"
                path.write_text(POD.format(name=f"pod-{n:04d}", ns=ns))
                targets.append(Target(path, ns, f"pod-{n:04d}", f"specs/pod-{n:04d}.yaml"))
            script, log = counting_kubectl(work)
            kubectl = Kubectl(script, timeout=600)
            batch.dry_run(kubectl, targets[:1])  # warm the discovery cache for both sides

            print(f"server-side dry run of {args.manifests} manifests in {len(namespaces)} "
                  f"namespaces, real kubectl against the loopback API")
            b_time, b_starts = measure("batched", lambda: batch.dry_run(kubectl, targets),
                                       log, args.repeats)
            print(f"  batched (one kubectl per namespace): {b_time:7.2f} s, "
                  f"{b_starts} kubectl processes")
            s_time, s_starts = measure(
                "baseline",
                lambda: [r for t in targets for r in batch.dry_run(kubectl, [t])],
                log, args.baseline_repeats)
            print(f"  baseline (one kubectl per manifest): {s_time:7.2f} s, "
                  f"{s_starts} kubectl processes")
            print(f"  speed-up: {s_time / b_time:.1f}x wall time, "
                  f"{s_starts / b_starts:.0f}x fewer processes (target: >= 5x)")
            if kube.pod_names():
                raise SystemExit("a dry run created Pods")
            end_to_end(work, kube, args.manifests, namespaces)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
