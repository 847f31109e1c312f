"""Benchmark: the spec loader against plain strictyaml, measured in the same run.

Baseline: ``strictyaml.load(text, SPEC_SCHEMA)`` — one call with the real schema, which stops at
the first problem and checks no Kubernetes rule. Measured: ``load_spec_text`` (parse once, walk
the schema collecting every problem, pydantic rules, positions) on every valid sample and spec,
and on the many-problems invalid sample. Also printed: the import time of ``sentinel.spec``, the
first-validation cost (pydantic builds its validator lazily), and the median wall time of
``sentinel validate`` on one spec, each next to ``python -c pass``.

Run: ``/tmp/venv/bin/python tests/bench/bench_loader.py [--repeats R]``
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _per_call(fn: Callable[[], object], repeats: int) -> float:
    """Median seconds per call over ``repeats`` rounds of 20 calls."""
    rounds = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(20):
            fn()
        rounds.append((time.perf_counter() - start) / 20)
    return statistics.median(rounds)


def _wall(argv: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(argv, cwd=REPO, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    python = sys.executable
    start = time.perf_counter()
    import strictyaml

    from sentinel.errors import SpecError
    from sentinel.spec import load_spec_text
    from sentinel.spec.yamlschema import SPEC_SCHEMA

    in_process_import = time.perf_counter() - start

    texts = [
        p.read_text()
        for p in sorted((REPO / "samples/valid").glob("*.yaml"))
        + sorted((REPO / "specs").glob("*.yaml"))
    ]
    start = time.perf_counter()
    load_spec_text(texts[0], "first.yaml")
    first = time.perf_counter() - start

    print(f"{len(texts)} valid specs, {args.repeats} rounds")
    print(f"import sentinel.spec (in process, warm disk)   {in_process_import * 1000:7.1f} ms")
    print(f"first load_spec_text (builds pydantic schema)  {first * 1000:7.1f} ms")
    base_total = ours_total = 0.0
    for text in texts:
        base_total += _per_call(partial(strictyaml.load, text, SPEC_SCHEMA), args.repeats)
        ours_total += _per_call(partial(load_spec_text, text, "s.yaml"), args.repeats)
    n = len(texts)
    print(f"strictyaml.load with SPEC_SCHEMA (baseline)   {base_total / n * 1000:7.2f} ms/spec")
    print(
        f"load_spec_text                                 {ours_total / n * 1000:7.2f} ms/spec"
        f"   ratio {ours_total / base_total:.2f}x"
    )

    bad = (REPO / "samples/invalid/many-problems.yaml").read_text()

    def load_bad() -> None:
        try:
            load_spec_text(bad, "bad.yaml")
        except SpecError:
            pass

    print(
        "load_spec_text, 9 problems in one file         "
        f"{_per_call(load_bad, args.repeats) * 1000:7.2f} ms"
    )

    floor = _wall([python, "-c", "pass"], args.repeats)
    imp = _wall([python, "-c", "import sentinel.spec"], args.repeats)
    validate = _wall([str(BIN / "sentinel"), "validate", "specs/web.yaml"], args.repeats)
    print(f"python -c pass                                 {floor * 1000:7.1f} ms wall")
    print(
        f"python -c 'import sentinel.spec'               {imp * 1000:7.1f} ms wall"
        f"   (+{(imp - floor) * 1000:.0f} ms)"
    )
    print(
        f"sentinel validate specs/web.yaml               {validate * 1000:7.1f} ms wall"
        f"   (+{(validate - floor) * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
