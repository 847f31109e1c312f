"""Convergence, proven by a model: hypothesis' stateful testing drives random spec edits (fields
set and removed), renames, deletes, namespace moves, ``apply: false``, Pods deleted, labelled,
relabelled or stripped of a label behind the tool's back, conflicts and ``--force-conflicts``, and a
missing namespace, each followed by ``doit apply --yes --prune`` against the loopback API with the
real kubectl; after every step the project's live Pods are exactly what the model predicts and
``doit plan`` has nothing to do (see ``tests/converge_model.py``).

Each step starts doit twice (about 2 s), so the normal suite runs a handful of random sequences
plus one fixed sequence through the hard cases; the long run (>= 300 sequences) is
``tests/bench/bench_converge_model.py``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, Phase, settings

from tests.converge_model import FORCE_HINT, LABEL_MANAGER, ConvergeMachine, SpecModel

ConvergeMachine.TestCase.settings = settings(
    max_examples=5, stateful_step_count=6, deadline=None, derandomize=True,
    # no shrinking: each step costs about 2 s; the failing sequence is printed as found
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

TestConvergence = ConvergeMachine.TestCase


@pytest.fixture
def machine() -> Iterator[ConvergeMachine]:
    made = ConvergeMachine()
    yield made
    made.teardown()


def test_removed_fields_conflicts_and_force(machine: ConvergeMachine) -> None:
    """The hard cases in a fixed order, whatever the random sequences draw."""
    m = machine
    fe, wk = ("demo", "fe"), ("demo", "wk")

    def labels(pod: tuple[str, str]) -> dict[str, str]:
        found = m.kube.get_pod(*pod)
        assert found is not None
        return dict(found["metadata"].get("labels") or {})

    m.save("fe.yaml", SpecModel("fe", "demo", tier="one", note="one", debug="one"))
    m.save("wk.yaml", SpecModel("wk", "demo"))
    m.converge("scenario: add")
    m.check()
    assert labels(fe)["tier"] == "one"

    # fields kube-sentinel alone set and no longer sets are removed (in place, then by recreate)
    m.save("fe.yaml", replace(m.files["fe.yaml"], tier=None, note=None))
    m.converge("scenario: remove a label and an annotation")
    m.check()
    assert "tier" not in labels(fe)
    m.set_field("fe.yaml", "debug", None)
    m.check()

    # a label another manager set to the same value is shared: it stays when the spec drops it
    m.label_by_hand(wk, "tier", "two")
    m.set_field("wk.yaml", "tier", "two")
    m.check()
    m.set_field("wk.yaml", "tier", None)
    m.check()
    assert labels(wk)["tier"] == "two"

    # a label kube-sentinel owns, overwritten with kubectl label: a 409 until --force-conflicts
    m.label_by_hand(fe, "v", "hacked")
    m.converge("scenario: overwrite an owned label")
    m.check()
    assert m.conflicts == {fe: ["v"]} and m.last_apply is not None
    assert m.last_apply.returncode == 1
    assert f'owned by "{LABEL_MANAGER}"' in m.last_apply.stdout
    assert FORCE_HINT in m.last_apply.stdout + m.last_apply.stderr
    assert labels(fe)["v"] == "hacked"
    m.converge("scenario: --force-conflicts", force=True)
    m.check()
    assert not m.conflicts and labels(fe)["v"] == "one"
    assert LABEL_MANAGER not in m.kube.managers(*fe)

    # a label removed by hand (no conflict: nobody owns it any more) comes back
    m.remove_by_hand(fe, "labels", "v")
    m.converge("scenario: remove an owned label by hand")
    m.check()
    assert labels(fe)["v"] == "one"
