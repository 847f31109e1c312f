"""A model of a kube-sentinel project for hypothesis' stateful testing: random edits to spec files
and to the live cluster, each followed by ``doit apply --yes --prune`` (the installed doit, the
real kubectl, the loopback API), after which the project's live Pods must be exactly what the
model predicts and ``doit plan`` must have nothing to do.

Used by ``tests/test_converge_model.py`` (a few sequences and one fixed scenario in the normal
suite) and by ``tests/bench/bench_converge_model.py`` (>= 300 sequences, with figures).

The model knows, per spec file, the Pod it describes (name, namespace, a label ``v`` the Pod can
change in place, an env value ``LEVEL`` it cannot, optional fields that come and go — a label
``tier``, an annotation ``note``, an env var ``DEBUG`` — and ``apply``). The cluster side is told
apart by namespace: ``demo`` and ``ops`` exist, ``late`` does not until the
``create_late_namespace`` rule makes it, so an apply to it fails (exit 1) until then and succeeds
after.

Behind the tool's back a live Pod may be deleted, given a label by ``kubectl label`` (a new key,
or one kube-sentinel sets: field manager ``kubectl-label`` then owns it), or lose a label or
annotation kube-sentinel set. The model keeps, per live Pod, what kube-sentinel last applied and
the labels other managers own, and predicts as server-side apply does: a spec value that differs
from another manager's is a 409 conflict naming that manager (the Pod is left as it is, apply
exits 1 with the hint ``doit apply --force-conflicts``) until ``--force-conflicts`` takes the
field; a field kube-sentinel alone owned and no longer sets is removed; another manager's field
is kept; a field removed by hand comes back; a recreate starts a Pod afresh. The live Pods are
compared with the prediction exactly: spec equal to the manifest's, labels and annotations equal
to the manifest's plus other managers' labels, nothing else but what the API server adds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass, field, replace
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
#: What ``kubectl label --overwrite`` may set: a value no spec uses, or one a spec may use.
HAND_VALUES = ("hacked", *VALUES)
#: The optional fields of a spec: attribute -> what it is (for step names).
OPTIONAL = {"tier": "label tier", "note": "annotation note", "debug": "env DEBUG"}
#: Labels kube-sentinel sets that a person may overwrite or remove by hand (never the identity
#: labels: without them the Pod is no longer the project's, a different story).
HAND_LABELS = ("v", "tier")
BY_HAND = "by-hand"
#: What the API server adds to a stored Pod's metadata (never in a manifest).
SERVER_METADATA = {"uid", "resourceVersion", "creationTimestamp", "managedFields", "generation"}
MANAGER = "kube-sentinel"
LABEL_MANAGER = "kubectl-label"
FORCE_HINT = "doit apply --force-conflicts"

#: How often each kind of step ran, over every machine in this process (for the bench figures).
STEPS: Counter[str] = Counter()
#: How often apply performed each action (from ``sentinel audit``-style records), likewise.
PERFORMED: Counter[str] = Counter()
#: How often an apply had to report a Pod it could not converge, by why (likewise).
REFUSED: Counter[str] = Counter()
#: How many machines (sequences) were started in this process.
MACHINES = 0

Key = tuple[str, str]


@dataclass(frozen=True)
class SpecModel:
    """What one spec file says."""

    name: str
    namespace: str
    label: str = "one"
    level: str = "one"
    apply: bool = True
    tier: str | None = None
    note: str | None = None
    debug: str | None = None

    def text(self) -> str:
        body = (f"name: {self.name}\nnamespace: {self.namespace}\n"
                "image: nginxinc/nginx-unprivileged:1.27\n"
                f"labels:\n  v: {self.label}\n")
        if self.tier:
            body += f"  tier: {self.tier}\n"
        if self.note:
            body += f"annotations:\n  note: {self.note}\n"
        body += f"env:\n  LEVEL: {self.level}\n"
        if self.debug:
            body += f"  DEBUG: {self.debug}\n"
        return body if self.apply else body + "apply: false\n"

    def optional_set(self) -> list[str]:
        """The optional fields this spec sets."""
        return [name for name in OPTIONAL if getattr(self, name) is not None]


@dataclass
class LivePod:
    """What the model says one live Pod is: the manifest kube-sentinel last applied to it, the
    labels other field managers own (``kubectl label``), what was removed by hand since."""

    rendered: dict[str, Any]
    hand: dict[str, str] = field(default_factory=dict)
    gone: set[tuple[str, str]] = field(default_factory=set)  # ("labels" | "annotations", key)

    def meta(self, kind: str) -> dict[str, str]:
        """The labels or annotations the live Pod must have."""
        out = {k: v for k, v in (self.rendered["metadata"].get(kind) or {}).items()
               if (kind, k) not in self.gone}
        return out | self.hand if kind == "labels" else out

    def clashes(self, rendered: dict[str, Any]) -> list[str]:
        """Labels another manager owns with a value other than ``rendered`` sets (a 409)."""
        labels = rendered["metadata"].get("labels") or {}
        return sorted(k for k, v in self.hand.items() if k in labels and labels[k] != v)


def differences(live: dict[str, Any], pod: LivePod) -> list[str]:
    """How ``live`` differs from what the model says the Pod is (empty when exactly equal)."""
    out: list[str] = []
    rendered = pod.rendered
    if live.get("spec") != rendered["spec"]:
        out.append(f"spec: live {live.get('spec')!r} != rendered {rendered['spec']!r}")
    meta = live.get("metadata") or {}
    for kind in ("labels", "annotations"):
        have, want = meta.get(kind) or {}, pod.meta(kind)
        if have != want:
            out.append(f"metadata.{kind}: live {have!r} != expected {want!r}")
    for key in ("name", "namespace"):
        if meta.get(key) != rendered["metadata"][key]:
            out.append(f"metadata.{key}: live {meta.get(key)!r}")
    extra = set(meta) - SERVER_METADATA - {"name", "namespace", "labels", "annotations"}
    if extra:
        out.append(f"metadata has fields no manifest sets: {sorted(extra)}")
    if set(live) - {"apiVersion", "kind", "metadata", "spec", "status"}:
        out.append(f"top-level fields: {sorted(live)}")
    return out


def check_rendered(rendered: dict[str, Any], model: SpecModel) -> None:
    """The manifest says what the spec says (so comparing with it compares with the spec)."""
    labels = rendered["metadata"].get("labels") or {}
    assert labels.get("v") == model.label and labels.get("tier") == model.tier, labels
    assert (rendered["metadata"].get("annotations") or {}).get("note") == model.note, rendered
    env = {e["name"]: e.get("value") for e in rendered["spec"]["containers"][0].get("env") or []}
    assert env == {"LEVEL": model.level} | ({"DEBUG": model.debug} if model.debug else {}), env


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
        #: The live Pods of the project as the model predicts them.
        self.live: dict[Key, LivePod] = {}
        #: What the last apply must have reported: Pods in a missing namespace, Pods in conflict
        #: (-> the labels another manager owns).
        self.blocked: set[Key] = set()
        self.conflicts: dict[Key, list[str]] = {}

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

    def converge(self, step: str, *, force: bool = False) -> None:
        """The step's edit is done: ``doit apply --yes --prune`` (generate runs first)."""
        STEPS[step] += 1
        before = len(self.audit_lines())
        extra = ("--force-conflicts",) if force else ()
        self.last_apply = self.run("doit", "apply", "--yes", "--prune", *extra)
        for line in self.audit_lines()[before:]:
            PERFORMED[json.loads(line)["result"]] += 1
        self.predict(force)

    def predict(self, force: bool) -> None:
        """What the apply just run must have left live (server-side apply's rules, above)."""
        live: dict[Key, LivePod] = {}
        self.blocked, self.conflicts = set(), {}
        for key, model in self.wanted().items():
            if not self.reachable(key[0]):
                self.blocked.add(key)
                continue
            manifest = self.root / "manifests" / key[0] / f"{key[1]}.yaml"
            rendered = yaml.safe_load(manifest.read_text())
            check_rendered(rendered, model)
            before = self.live.get(key)
            if before is None:
                live[key] = LivePod(rendered)  # created
                continue
            clashes = before.clashes(rendered)
            if clashes and not force:
                self.conflicts[key] = clashes
                live[key] = before  # a 409: the Pod is left as it was
            elif before.rendered["spec"] != rendered["spec"]:
                live[key] = LivePod(rendered)  # recreated: a new Pod has no one else's labels
            else:  # forced fields become kube-sentinel's; shared ones stay the other's too
                live[key] = LivePod(rendered, {k: v for k, v in before.hand.items()
                                               if k not in clashes})
        self.live = live  # the rest were pruned (orphans)
        REFUSED["Pod in a missing namespace"] += len(self.blocked)
        REFUSED["Pod in conflict (409)"] += len(self.conflicts)

    def audit_lines(self) -> list[str]:
        path = self.root / ".sentinel" / "audit.jsonl"
        return path.read_text().splitlines() if path.exists() else []

    def wanted(self) -> dict[Key, SpecModel]:
        return {(m.namespace, m.name): m for m in self.files.values() if m.apply}

    def reachable(self, namespace: str) -> bool:
        return namespace != "late" or self.late_exists

    def expected_live(self) -> list[Key]:
        """The Pods the model says are live; rules draw from these, never from the cluster, so
        that every replay draws the same data."""
        return sorted(self.live)

    def project_pods(self) -> dict[Key, dict[str, Any]]:
        found = {}
        for key in self.kube.pod_names():
            ns, name = key.split("/")
            pod = self.kube.get_pod(ns, name)
            if pod and pod["metadata"].get("labels", {}).get(PROJECT_LABEL) == PROJECT_ID:
                found[(ns, name)] = pod
        return found

    def check(self) -> None:
        """Every invariant (for scenarios run without hypothesis)."""
        self.cluster_matches_the_model()
        self.plan_has_nothing_to_do()

    # -- rules: the specs ---------------------------------------------------------------------
    @rule(name=st.sampled_from(NAMES), namespace=st.sampled_from(NAMESPACES),
          optional=st.fixed_dictionaries({k: st.none() | st.sampled_from(VALUES)
                                          for k in OPTIONAL}))
    def add_spec(self, name: str, namespace: str, optional: dict[str, str | None]) -> None:
        if self.used(namespace, name):
            return
        self.save(self.new_file(name), SpecModel(name, namespace, **optional))
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
    @rule(data=st.data(), which=st.sampled_from(sorted(OPTIONAL)),
          value=st.sampled_from(VALUES))
    def set_optional_field(self, data: st.DataObject, which: str, value: str) -> None:
        file = data.draw(st.sampled_from(sorted(self.files)))
        self.set_field(file, which, value)

    def set_field(self, file: str, which: str, value: str | None) -> None:
        """Set (or with ``None`` remove) an optional field of a spec, then converge."""
        self.save(file, replace(self.files[file], **{which: value}))
        self.converge(f"{'remove' if value is None else 'set'} {OPTIONAL[which]} (spec)")

    @precondition(lambda self: any(m.optional_set() for m in self.files.values()))
    @rule(data=st.data())
    def remove_optional_field(self, data: st.DataObject) -> None:
        file, which = data.draw(st.sampled_from(sorted(
            (f, w) for f, m in self.files.items() for w in m.optional_set())))
        self.set_field(file, which, None)

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
        del self.live[(ns, name)]
        self.converge("delete the live Pod by hand")

    @precondition(lambda self: self.expected_live())
    @rule(data=st.data(), value=st.sampled_from(VALUES))
    def label_live_pod(self, data: st.DataObject, value: str) -> None:
        pod = data.draw(st.sampled_from(self.expected_live()))
        self.label_by_hand(pod, BY_HAND, value)
        self.converge("label the live Pod by hand (new key)")

    @precondition(lambda self: self.expected_live())
    @rule(data=st.data(), key=st.sampled_from(HAND_LABELS), value=st.sampled_from(HAND_VALUES))
    def overwrite_live_label(self, data: st.DataObject, key: str, value: str) -> None:
        pod = data.draw(st.sampled_from(self.expected_live()))
        self.label_by_hand(pod, key, value)
        self.converge("overwrite an owned label by hand")

    def label_by_hand(self, pod: Key, key: str, value: str) -> None:
        """``kubectl label --overwrite``: a changed value becomes ``kubectl-label``'s."""
        done = self.run("kubectl", "label", "pod", pod[1], "-n", pod[0], f"{key}={value}",
                        "--overwrite")
        assert done.returncode == 0, done.stderr
        live = self.live[pod]
        if live.meta("labels").get(key) != value:  # the same value is no change, no owner
            live.hand[key] = value
            live.gone.discard(("labels", key))

    def removable(self) -> list[tuple[Key, str, str]]:
        """(Pod, labels | annotations, key) a person may remove by hand from a live Pod."""
        return sorted((pod, kind, key) for pod, live in self.live.items()
                      for kind, keys in (("labels", (*HAND_LABELS, BY_HAND)),
                                         ("annotations", ("note",)))
                      for key in keys if key in live.meta(kind))

    @precondition(lambda self: self.removable())
    @rule(data=st.data())
    def remove_live_field(self, data: st.DataObject) -> None:
        pod, kind, key = data.draw(st.sampled_from(self.removable()))
        self.remove_by_hand(pod, kind, key)
        self.converge(f"remove a live {kind[:-1]} by hand")

    def remove_by_hand(self, pod: Key, kind: str, key: str) -> None:
        """``kubectl label|annotate KEY-``: no manager owns the field any more."""
        verb = "label" if kind == "labels" else "annotate"
        done = self.run("kubectl", verb, "pod", pod[1], "-n", pod[0], f"{key}-")
        assert done.returncode == 0, done.stderr
        live = self.live[pod]
        if kind == "labels":
            live.hand.pop(key, None)
        live.gone.add((kind, key))

    @precondition(lambda self: self.conflicts)
    @rule()
    def force_conflicts(self) -> None:
        self.converge("apply --force-conflicts", force=True)

    @precondition(lambda self: not self.late_exists)
    @rule()
    def create_late_namespace(self) -> None:
        self.kube.add_namespace("late")
        self.late_exists = True
        self.converge("create the missing namespace")

    # -- what must hold after every step --------------------------------------------------------
    @invariant()
    def cluster_matches_the_model(self) -> None:
        if self.last_apply is None:
            return
        apply = self.last_apply
        shown = f"\n{apply.stdout}\n{apply.stderr}"
        expect_ok = not self.blocked and not self.conflicts
        assert (apply.returncode == 0) == expect_ok, (
            f"apply exit {apply.returncode}, expected {'0' if expect_ok else 'non-zero'}"
            f" (blocked {sorted(self.blocked)}, conflicts {self.conflicts}){shown}")
        for (ns, name), keys in self.conflicts.items():
            said = [line for line in apply.stdout.splitlines()
                    if line.startswith(f"{ns}/{name} ") and "conflict (409)" in line]
            assert said, f"no conflict reported for {ns}/{name}{shown}"
            for key in keys:
                assert f'.metadata.labels.{key} (owned by "{LABEL_MANAGER}")' in said[0], shown
            assert FORCE_HINT in apply.stdout + apply.stderr, shown
        live = self.project_pods()
        assert set(live) == set(self.live), (
            f"live {sorted(live)} != expected {sorted(self.live)}{shown}")
        for key, pod in self.live.items():
            gaps = differences(live[key], pod)
            assert not gaps, f"{key[0]}/{key[1]} is not what the model says: {gaps}{shown}"
            managers = self.kube.managers(*key)
            assert managers.get(MANAGER) == "Apply", managers
            assert (LABEL_MANAGER in managers) == bool(pod.hand), (managers, pod.hand)

    @invariant()
    def plan_has_nothing_to_do(self) -> None:
        if self.last_apply is None:
            return
        done = self.run("doit", "plan")
        out = done.stdout
        counts = next(line for line in out.splitlines() if line.startswith("plan for context"))
        errors = len(self.blocked) + len(self.conflicts)
        assert ("0 to create, 0 to update, 0 to recreate, 0 to delete" in counts
                and f"{errors} error(s)" in counts), out
        assert (done.returncode == 0) == (errors == 0), out + done.stderr
