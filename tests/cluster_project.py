"""A kube-sentinel project folder with its own loopback cluster, for tests that drive the
installed ``doit`` and ``sentinel`` with the real kubectl: the ``project`` fixture, a kubectl
wrapper that counts its starts, and a runner that answers a y/N prompt on a pseudo-terminal."""

from __future__ import annotations

import os
import select
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sentinel.kube import audit
from sentinel.kube.kubectl import find_kubectl
from tests.fakes.kube_api import FakeKubeAPI

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


def run_on_tty(argv: list[str], cwd: Path, env: dict[str, str], answer: bytes | None,
               timeout: float = 120) -> tuple[int, str]:
    """Run with a pseudo-terminal as controlling tty and stdio; type ``answer`` at the prompt."""
    master, slave = os.openpty()
    # In a new session, make the pty our controlling terminal, then become the command: done by a
    # tiny launcher rather than preexec_fn, which is unsafe while the fake's threads run.
    launcher = ("import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
                "os.execvp(sys.argv[1], sys.argv[1:])")
    proc = subprocess.Popen([sys.executable, "-c", launcher, *argv], cwd=cwd, env=env,
                            stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    out, answered, deadline = b"", False, time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the child side closed
                    break
                if not chunk:
                    break
                out += chunk
                if answer is not None and not answered and b"[y/N]" in out:
                    os.write(master, answer)
                    answered = True
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        os.close(master)
    return code, out.decode("utf-8", "replace").replace("\r\n", "\n")
