"""A model of a kube-sentinel project for hypothesis' stateful testing: random edits to spec files
and to the live cluster, each followed by ``doit apply --yes --prune`` (the installed doit, the
real kubectl, the loopback API), after which the project's live Pods must be exactly the rendered
manifests of the specs with ``apply: true`` and ``doit plan`` must have nothing to do.

Used by ``tests/test_converge_model.py`` (a few sequences in the normal suite) and by
``tests/bench/bench_converge_model.py`` (>= 300 sequences, with figures).

The model knows, per spec file, the Pod it describes (name, namespace, a label the Pod can change
in place, an env value it cannot, ``apply``). The cluster side is told apart by namespace: ``demo``
and ``ops`` exist, ``late`` does not until the ``create_late_namespace`` rule makes it, so an apply
to it fails (exit 1) until then and succeeds after. Behind the tool's back a live Pod may be
deleted or given a label of another field manager (server-side apply leaves such a field alone,
so the comparison covers the fields kube-sentinel renders; every Pod of the project must be one).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tests.fakes.kube_api import FakeKubeAPI

PROJECT_ID = "model-0123abcd"
PROJECT_LABEL = "kube-sentinel.io/project"
NAMES = ("api", "db", "fe", "wk")
NAMESPACES = ("demo", "ops", "late")
VALUES = ("one", "two", "three")
ACTIONS = ("create", "update", "recreate", "delete")

#: How often each kind of step ran, over every machine in this process (for the bench figures).
STEPS: Counter[str] = Counter()
#: How often apply performed each action (from ``sentinel audit``-style records), likewise.
PERFORMED: Counter[str] = Counter()
#: How many machines (sequences) were started in this process.
MACHINES = 0


@dataclass(frozen=True)
class SpecModel:
    """What one spec file says."""

    name: str
    namespace: str
    label: str = "one"
    level: str = "one"
    apply: bool = True

    def text(self) -> str:
        body = (f"name: {self.name}\nnamespace: {self.namespace}\n"
                "image: nginxinc/nginx-unprivileged:1.27\n"
                f"labels:\n  v: {self.label}\nenv:\n  LEVEL: {self.level}\n")
        return body if self.apply else body + "apply: false\n"


def contains(live: Any, rendered: Any, path: str = "") -> list[str]:
    """Paths where ``live`` does not carry ``rendered`` (every rendered field, equal)."""
    if isinstance(rendered, dict):
        if not isinstance(live, dict):
            return [path or "."]
        return [p for k, v in rendered.items()
                for p in contains(live.get(k), v, f"{path}.{k}")]
    if isinstance(rendered, list):
        if not isinstance(live, list) or len(live) != len(rendered):
            return [path]
        return [p for i, (a, b) in enumerate(zip(live, rendered, strict=True))
                for p in contains(a, b, f"{path}[{i}]")]
    return [] if live == rendered else [f"{path}: live {live!r} != rendered {rendered!r}"]


class ConvergeMachine(RuleBasedStateMachine):
    """Random spec and cluster edits; after each, apply must converge and plan be empty."""

    def __init__(self) -> None:
        super().__init__()
        global MACHINES
        MACHINES += 1
        self.root = Path(tempfile.mkdtemp(prefix="converge-model-"))
        self.kube = FakeKubeAPI().__enter__()
        (self.root / "specs").mkdir()
        (self.root / "dodo.py").write_text("from sentinel.pipeline.dodo import *  # noqa: F403\n")
        (self.root / "sentinel.toml").write_text(f'project = "{PROJECT_ID}"\n')
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("SENTINEL_", "KUBE"))}
        self.env["KUBECONFIG"] = str(self.kube.write_kubeconfig(self.root / "kubeconfig"))
        self.env["KUBECACHEDIR"] = str(self.root / "kubecache")
        self.env["HOME"] = str(self.root)
        self.kube.add_namespace("demo")
        self.kube.add_namespace("ops")
        self.late_exists = False
        self.files: dict[str, SpecModel] = {}
        self.serial = 0
        self.last_apply: subprocess.CompletedProcess[str] | None = None

    def teardown(self) -> None:
        self.kube.close()
        shutil.rmtree(self.root, ignore_errors=True)

    # -- helpers ------------------------------------------------------------------------------
    def run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(list(argv), cwd=self.root, env=self.env, capture_output=True,
                              text=True, timeout=180, stdin=subprocess.DEVNULL, check=False)
        assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
        return done

    def used(self, namespace: str, name: str, but: str | None = None) -> bool:
        return any((m.namespace, m.name) == (namespace, name)
                   for f, m in self.files.items() if f != but)

    def save(self, file: str, model: SpecModel) -> None:
        self.files[file] = model
        (self.root / "specs" / file).write_text(model.text())

    def new_file(self, name: str) -> str:
        self.serial += 1
        return f"{name}-{self.serial}.yaml"

    def converge(self, step: str) -> None:
        """The step's edit is done: ``doit apply --yes --prune`` (generate runs first)."""
        STEPS[step] += 1
        before = len(self.audit_lines())
        self.last_apply = self.run("doit", "apply", "--yes", "--prune")
        for line in self.audit_lines()[before:]:
            PERFORMED[json.loads(line)["result"]] += 1

    def audit_lines(self) -> list[str]:
        path = self.root / ".sentinel" / "audit.jsonl"
        return path.read_text().splitlines() if path.exists() else []

    def wanted(self) -> dict[tuple[str, str], SpecModel]:
        return {(m.namespace, m.name): m for m in self.files.values() if m.apply}

    def reachable(self, namespace: str) -> bool:
        return namespace != "late" or self.late_exists

    def expected_live(self) -> list[tuple[str, str]]:
        """The Pods the model says are live (what the invariants hold the cluster to); rules draw
        from these, never from the cluster, so that every replay draws the same data."""
        return sorted(k for k in self.wanted() if self.reachable(k[0]))

    def project_pods(self) -> dict[tuple[str, str], dict[str, Any]]:
        found = {}
        for key in self.kube.pod_names():
            ns, name = key.split("/")
            pod = self.kube.get_pod(ns, name)
            if pod and pod["metadata"].get("labels", {}).get(PROJECT_LABEL) == PROJECT_ID:
                found[(ns, name)] = pod
        return found

    # -- rules: the specs ---------------------------------------------------------------------
    @rule(name=st.sampled_from(NAMES), namespace=st.sampled_from(NAMESPACES))
    def add_spec(self, name: str, namespace: str) -> None:
        if self.used(namespace, name):
            return
        self.save(self.new_file(name), SpecModel(name, namespace))
        self.converge("add a spec")

    @precondition(lambda self: self.files)
    @rule(data=st.data(), value=st.sampled_from(VALUES))
    def edit_in_place(self, data: st.DataObject, value: str) -> None:
        file = data.draw(st.sampled_from(sorted(self.files)))
        self.save(file, replace(self.files[file], label=value))
        self.converge("edit a label (in place)")

    @precondition(lambda self: self.files)
    @rule(data=st.data(), value=st.sampled_from(VALUES))
    def edit_needing_recreate(self, data: st.DataObject, value: str) -> None:
        file = data.draw(st.sampled_from(sorted(self.files)))
        self.save(file, replace(self.files[file], level=value))
        self.converge("edit env (recreate)")

    @precondition(lambda self: self.files)
    @rule(data=st.data())
    def rename_spec(self, data: st.DataObject) -> None:
        file = data.draw(st.sampled_from(sorted(self.files)))
        model = self.files.pop(file)
        (self.root / "specs" / file).unlink()
        self.save(self.new_file(model.name), model)
        self.converge("rename a spec file")

    @precondition(lambda self: self.files)
    @rule(data=st.data())
    def delete_spec(self, data: st.DataObject) -> None:
        file = data.draw(st.sampled_from(sorted(self.files)))
        del self.files[file]
        (self.root / "specs" / file).unlink()
        self.converge("delete a spec")

    @precondition(lambda self: self.files)
    @rule(data=st.data(), namespace=st.sampled_from(NAMESPACES))
    def move_namespace(self, data: st.DataObject, namespace: str) -> None:
        file = data.draw(st.sampled_from(sorted(self.files)))
        model = self.files[file]
        if model.namespace == namespace or self.used(namespace, model.name, but=file):
            return
        self.save(file, replace(model, namespace=namespace))
        self.converge("move to another namespace")

    @precondition(lambda self: self.files)
    @rule(data=st.data(), apply=st.booleans())
    def set_apply(self, data: st.DataObject, apply: bool) -> None:
        file = data.draw(st.sampled_from(sorted(self.files)))
        self.save(file, replace(self.files[file], apply=apply))
        self.converge("set apply: true/false")

    # -- rules: the cluster, behind the tool's back --------------------------------------------
    @precondition(lambda self: self.expected_live())
    @rule(data=st.data())
    def delete_live_pod(self, data: st.DataObject) -> None:
        ns, name = data.draw(st.sampled_from(self.expected_live()))
        done = self.run("kubectl", "delete", "pod", name, "-n", ns, "--wait=false")
        assert done.returncode == 0, done.stderr
        self.converge("delete the live Pod by hand")

    @precondition(lambda self: self.expected_live())
    @rule(data=st.data(), value=st.sampled_from(VALUES))
    def label_live_pod(self, data: st.DataObject, value: str) -> None:
        ns, name = data.draw(st.sampled_from(self.expected_live()))
        done = self.run("kubectl", "label", "pod", name, "-n", ns, f"by-hand={value}",
                        "--overwrite")
        assert done.returncode == 0, done.stderr
        self.converge("label the live Pod by hand")

    @precondition(lambda self: not self.late_exists)
    @rule()
    def create_late_namespace(self) -> None:
        self.kube.add_namespace("late")
        self.late_exists = True
        self.converge("create the missing namespace")

    # -- what must hold after every step --------------------------------------------------------
    @invariant()
    def cluster_matches_the_specs(self) -> None:
        if self.last_apply is None:
            return
        apply = self.last_apply
        wanted = self.wanted()
        blocked = {k for k in wanted if not self.reachable(k[0])}
        expect_ok = not blocked
        assert (apply.returncode == 0) == expect_ok, (
            f"apply exit {apply.returncode}, expected {'0' if expect_ok else 'non-zero'}\n"
            f"{apply.stdout}\n{apply.stderr}")
        live = self.project_pods()
        assert set(live) == set(wanted) - blocked, (
            f"live {sorted(live)} != wanted {sorted(set(wanted) - blocked)}\n{apply.stdout}")
        for (ns, name), model in wanted.items():
            if (ns, name) in blocked:
                continue
            manifest = self.root / "manifests" / ns / f"{name}.yaml"
            rendered = yaml.safe_load(manifest.read_text())
            assert rendered["metadata"]["labels"]["v"] == model.label
            gaps = contains(live[(ns, name)], {"metadata": rendered["metadata"],
                                               "spec": rendered["spec"]})
            assert not gaps, f"{ns}/{name} differs from its manifest: {gaps}\n{apply.stdout}"

    @invariant()
    def plan_has_nothing_to_do(self) -> None:
        if self.last_apply is None:
            return
        done = self.run("doit", "plan")
        out = done.stdout
        counts = next(line for line in out.splitlines() if line.startswith("plan for context"))
        blocked = sum(1 for k in self.wanted() if not self.reachable(k[0]))
        assert ("0 to create, 0 to update, 0 to recreate, 0 to delete" in counts
                and f"{blocked} error(s)" in counts), out
        assert (done.returncode == 0) == (blocked == 0), out + done.stderr
