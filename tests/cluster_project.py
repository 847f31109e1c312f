"""A kube-sentinel project folder with its own loopback cluster, for tests that drive the
installed ``doit`` and ``sentinel`` with the real kubectl: the ``project`` fixture, a kubectl
wrapper that counts its starts, and a runner that answers a y/N prompt on a pseudo-terminal."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from sentinel.kube import audit
from sentinel.kube.kubectl import find_kubectl
from tests.fakes.kube_api import FakeKubeAPI
from tests.fakes.on_tty import run_on_tty

__all__ = ["SPEC", "Project", "add_context", "counting_kubectl", "project", "run_on_tty"]

SPEC = "name: {name}\nnamespace: {ns}\nimage: nginxinc/nginx-unprivileged:{tag}\n"


class Project:
    """A kube-sentinel project folder with its own fake cluster."""

    def __init__(self, root: Path, kube: FakeKubeAPI) -> None:
        self.root = root
        self.kube = kube
        (root / "specs").mkdir(parents=True)
        (root / "dodo.py").write_text("from sentinel.pipeline.dodo import *  # noqa: F403\n")
        self.env = dict(os.environ)
        self.env["KUBECONFIG"] = str(kube.write_kubeconfig(root / "kubeconfig"))

    def spec(self, name: str, ns: str = "default", tag: str = "1.27", extra: str = "") -> Path:
        path = self.root / "specs" / f"{name}.yaml"
        path.write_text(SPEC.format(name=name, ns=ns, tag=tag) + extra)
        return path

    def doit(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(["doit", *args], cwd=self.root, env={**self.env, **env},
                              capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL, check=False)
        assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
        return done

    def audit(self) -> list[audit.AuditRecord]:
        records, warnings = audit.read(self.root / ".sentinel" / "audit.jsonl")
        assert warnings == []
        return records

    def real_writes(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.kube.writes() if r.query.get("dryRun") != "All"]


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    with FakeKubeAPI() as kube:
        yield Project(tmp_path / "proj", kube)


def counting_kubectl(folder: Path) -> tuple[Path, Path]:
    """A kubectl wrapper that logs each start (a real binary path for the ``kubectl`` setting)."""
    log, script = folder / "starts.log", folder / "kubectl-counting"
    script.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{find_kubectl(None)}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script, log


def add_context(project: Project, name: str, api: FakeKubeAPI) -> None:
    """Add ``api`` as context ``name`` to the project's kubeconfig (the current one stays)."""
    path = project.root / "kubeconfig"
    config = yaml.safe_load(path.read_text())
    config["clusters"].append({"name": name, "cluster": {"server": api.url}})
    config["contexts"].append({"name": name, "context": {"cluster": name, "user": "fake"}})
    path.write_text(yaml.safe_dump(config))
