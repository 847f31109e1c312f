"""Benchmark: ``doit plan`` over N specs in several namespaces, against one kubectl per manifest.

A project of ``--specs`` specs spread over ``--namespaces`` namespaces is applied to the loopback
API (real kubectl), then a quarter of the specs get a new label, so the plan has updates and
unchanged Pods to tell apart. Measured in the same run, with the same warm discovery cache:

- ``doit plan`` (the installed doit, a subprocess as a person runs it): wall time (median of
  ``--repeats``) and kubectl processes, counted by a wrapper set as the ``kubectl`` setting and
  told apart by command: per namespace one ``get pods`` (the live objects; the same read finds
  the orphans and checks who owns each Pod) and one server-side dry run, plus the context lookup
  (``kubectl config view``, once per context, no API request);
- ``sentinel plan --json``, likewise;
- baseline: one kubectl per manifest — ``kubectl apply --server-side --dry-run=server -o json``
  of each manifest alone (``sentinel.kube.ssa.dry_run`` with one manifest), in-process. The
  baseline does not even read the live Pods, so it flatters the baseline, not the plan.

Targets (issue 8): >= 5x faster than the baseline and <= 2 kubectl processes per namespace.

Run: ``python tests/bench/bench_plan.py [--specs 200] [--namespaces 4] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import collections
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

from sentinel.kube import ssa
from sentinel.kube.kubectl import Kubectl
from sentinel.kube.outcomes import Target
from tests.cluster_project import counting_kubectl, kubectl_starts
from tests.fakes.kube_api import FakeKubeAPI

BIN = Path(sys.executable).parent


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def timed(label: str, action: object, log: Path, repeats: int) -> tuple[float, int]:
    """Median wall seconds and kubectl starts of one run of ``action()``."""
    times, counts = [], []
    for _ in range(repeats):
        before, began = kubectl_starts(log), time.perf_counter()
        action()  # type: ignore[operator]
        times.append(time.perf_counter() - began)
        counts.append(kubectl_starts(log) - before)
    return statistics.median(times), counts[0]


def kinds(log: Path, last: int) -> str:
    """The last ``last`` kubectl runs of the log, counted by what they did."""
    runs = log.read_text().splitlines()[-last:] if last else []
    names = {"get": "get pods", "apply": "dry runs", "config": "context lookup"}
    counted = collections.Counter(names.get(run.split()[0], run.split()[0]) for run in runs)
    return ", ".join(f"{n} {what}" for what, n in sorted(counted.items()))


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--specs", type=int, default=200)
    parser.add_argument("--namespaces", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-plan-"))
    namespaces = [f"team-{n}" for n in range(args.namespaces)]
    try:
        with FakeKubeAPI() as kube:
            for ns in namespaces:
                kube.add_namespace(ns)
            script, log = counting_kubectl(work)
            project = work / "project"
            (project / "specs").mkdir(parents=True)
            (project / "dodo.py").write_text(
                "from sentinel.pipeline.dodo import *  # noqa: F403\n")
            (project / "sentinel.toml").write_text(
                f'project = "bench-0123abcd"\nkubectl = "{script}"\nkubectl_timeout = 600\n')

            def write_specs(version: str, every: int) -> None:
                for n in range(args.specs):
                    label = version if n % every == 0 else "one"
                    (project / "specs" / f"pod-{n:04d}.yaml").write_text(
                        f"name: pod-{n:04d}\nnamespace: {namespaces[n % len(namespaces)]}\n"
                        f"image: nginxinc/nginx-unprivileged:1.27\nlabels:\n  v: {label}\n")

            env = dict(os.environ, KUBECONFIG=str(kube.write_kubeconfig(work / "kubeconfig")),
                       KUBECACHEDIR=str(work / "kubecache"))
            os.environ.update(KUBECONFIG=env["KUBECONFIG"], KUBECACHEDIR=env["KUBECACHEDIR"])
            write_specs("one", 1)
            run([str(BIN / "doit"), "apply", "--yes"], project, env)
            write_specs("two", 4)
            run([str(BIN / "doit"), "generate"], project, env)

            print(f"plan of {args.specs} specs in {len(namespaces)} namespaces "
                  f"({args.specs // 4} to update, the rest unchanged), real kubectl against "
                  f"the loopback API, median of {args.repeats}")
            out: list[str] = []
            d_time, d_starts = timed("doit plan", lambda: out.append(
                run([str(BIN / "doit"), "plan"], project, env)), log, args.repeats)
            summary = next(line for line in out[-1].splitlines() if line.startswith("plan for"))
            print(f"  doit plan:            {d_time:7.2f} s, {d_starts} kubectl processes "
                  f"({kinds(log, d_starts)})")
            print(f"    {summary}")
            j_time, j_starts = timed("sentinel plan", lambda: run(
                [str(BIN / "sentinel"), "plan", "--json"], project, env), log, args.repeats)
            print(f"  sentinel plan --json: {j_time:7.2f} s, {j_starts} kubectl processes")

            kubectl = Kubectl(script, timeout=600)
            manifests = []
            for n in range(args.specs):
                ns, name = namespaces[n % len(namespaces)], f"pod-{n:04d}"
                path = project / "manifests" / ns / f"{name}.yaml"
                manifests.append(ssa.Manifest(Target(path, ns, name, f"specs/{name}.yaml"),
                                              path.read_bytes()))

            def baseline() -> None:
                for m in manifests:
                    [result] = ssa.dry_run(kubectl, m.target.namespace, [m])
                    if result.error is not None:
                        raise SystemExit(f"baseline dry run failed: {result.error}")

            b_time, b_starts = timed("baseline", baseline, log, 1)
            print(f"  baseline (one kubectl per manifest): {b_time:7.2f} s, {b_starts} kubectl "
                  f"processes")
            print(f"  speed-up: doit plan {b_time / d_time:.1f}x, sentinel plan "
                  f"{b_time / j_time:.1f}x wall time (target >= 5x)")
            print(f"  kubectl per namespace: {(d_starts - 1) / len(namespaces):.1f} (get + dry "
                  f"run; target <= 2), plus the context lookup once per context: "
                  f"{d_starts / len(namespaces):.2f} per namespace with it")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
