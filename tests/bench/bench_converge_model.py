"""Long run of the convergence model (``tests/converge_model.py``): many random sequences of
spec and cluster edits, each step followed by ``doit apply --yes --prune`` and checked (the live
Pods of the project are exactly what the model predicts — the rendered manifests of the
``apply: true`` specs plus the labels other field managers own, conflicts left alone until
``--force-conflicts``; ``doit plan`` has nothing to do).

Prints: sequences run, steps per kind, what apply performed (from the audit log), the Pods it
reported it could not converge (missing namespace, 409 conflict) as predicted, failures (the
first falsifying example is printed by hypothesis and the run exits 1), wall time and time per
step.

Run: ``python tests/bench/bench_converge_model.py [--sequences 300] [--steps 8]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from tests import converge_model


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=300)
    parser.add_argument("--steps", type=int, default=8, help="steps per sequence (at most)")
    args = parser.parse_args()

    started = time.perf_counter()
    ok = True
    try:
        run_state_machine_as_test(converge_model.ConvergeMachine, settings=settings(
            max_examples=args.sequences, stateful_step_count=args.steps, deadline=None,
            database=None, suppress_health_check=list(HealthCheck)))
    except AssertionError as err:  # hypothesis re-raises the falsifying example's failure
        ok = False
        print(f"FALSIFIED: {err}")
    wall = time.perf_counter() - started
    steps = sum(converge_model.STEPS.values())
    print(f"sequences: {converge_model.MACHINES} (asked {args.sequences}, up to {args.steps} "
          f"steps each)")
    print(f"steps: {steps}, each followed by doit apply --yes --prune and doit plan")
    for kind, count in sorted(converge_model.STEPS.items()):
        print(f"  {kind:40} {count:6}")
    print("apply performed (audit results):")
    for result, count in sorted(converge_model.PERFORMED.items()):
        print(f"  {result:40} {count:6}")
    print("apply reported, as the model predicted:")
    for why, count in sorted(converge_model.REFUSED.items()):
        print(f"  {why:40} {count:6}")
    print(f"wall: {wall:.0f} s, {wall / max(steps, 1):.2f} s per step")
    print("result:", "every step converged" if ok else "a sequence did NOT converge")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
