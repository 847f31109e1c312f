"""Runs every cram transcript in ``cram/`` as a person would: the installed ``sentinel``/``doit``
on PATH, fresh loopback fakes for Kubernetes and the model endpoint, a private HOME.

Each transcript gets its own servers, kubeconfig, kube cache and history, so transcripts never see
each other's state; the servers are stopped when the transcript ends.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.kube_api import FakeKubeAPI
from tests.fakes.openai_server import FakeOpenAI

REPO = Path(__file__).resolve().parent.parent
TRANSCRIPTS = sorted((REPO / "cram").glob("*.t"))


def test_transcripts_exist() -> None:
    """The suite must never pass vacuously because the transcripts went missing."""
    assert len(TRANSCRIPTS) >= 10, [t.name for t in TRANSCRIPTS]


@pytest.mark.parametrize("transcript", TRANSCRIPTS, ids=[t.stem for t in TRANSCRIPTS])
def test_transcript(transcript: Path, tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SENTINEL_", "OPENAI_", "KUBE", "PYTEST_", "FAKE_"))
    }
    home = tmp_path / "cram-home"
    home.mkdir()
    with FakeKubeAPI() as kube, FakeOpenAI() as model:
        kubeconfig = kube.write_kubeconfig(tmp_path / "kubeconfig", context="fake")
        env.update(
            PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
            HOME=str(home),
            XDG_DATA_HOME=str(home / ".local/share"),
            KUBECONFIG=str(kubeconfig),
            KUBECACHEDIR=str(tmp_path / "kubecache"),
            FAKE_KUBE_URL=kube.url,
            FAKE_OPENAI_URL=model.url,
            OPENAI_BASE_URL=model.url,
            OPENAI_API_KEY="sk-test-cram",
            SENTINEL_HISTORY=str(tmp_path / "history"),
            SENTINEL_CALL_LOG=str(tmp_path / "calls.jsonl"),
            TMPDIR=str(tmp_path / "tmp"),
        )
        (tmp_path / "tmp").mkdir()
        proc = subprocess.run(
            [str(bin_dir / "cram"), "--shell=/bin/bash", "-v", str(transcript)],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    assert proc.returncode == 0, f"{transcript.name} differs:\n{proc.stdout}\n{proc.stderr}"
    assert "# Ran 1 tests, 0 skipped, 0 failed." in proc.stdout, proc.stdout
