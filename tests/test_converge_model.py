"""Convergence, proven by a model: hypothesis' stateful testing drives random spec edits, renames,
deletes, namespace moves, ``apply: false``, Pods deleted or labelled behind the tool's back and a
missing namespace, each followed by ``doit apply --yes --prune`` against the loopback API with the
real kubectl; after every step the project's live Pods are exactly the rendered manifests of the
specs with ``apply: true`` and ``doit plan`` has nothing to do (see ``tests/converge_model.py``).

Each step starts doit twice (about 2 s), so the normal suite runs a handful of sequences; the
long run (>= 300 sequences) is ``tests/bench/bench_converge_model.py``."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings

from tests.converge_model import ConvergeMachine

ConvergeMachine.TestCase.settings = settings(
    max_examples=6, stateful_step_count=6, deadline=None, derandomize=True,
    # no shrinking: each step costs about 2 s; the failing sequence is printed as found
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

TestConvergence = ConvergeMachine.TestCase
