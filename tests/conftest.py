"""Shared fixtures: every test runs with its own HOME, kube cache, kubeconfig and history paths."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster_project import project  # noqa: F401 (the fixture, for every test module)
from tests.fakes.kube_api import FakeKubeAPI
from tests.fakes.openai_server import FakeOpenAI

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv's bin: sentinel, doit, kubectl, cram


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point every per-user location at ``tmp_path`` and drop provider/settings variables."""
    home = tmp_path / "home"
    home.mkdir()
    for name in list(os.environ):
        if name.startswith(("SENTINEL_", "OPENAI_", "KUBE")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    monkeypatch.setenv("KUBECACHEDIR", str(tmp_path / "kubecache"))
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig"))
    monkeypatch.setenv("SENTINEL_HISTORY", str(tmp_path / "history"))
    monkeypatch.setenv("SENTINEL_CALL_LOG", str(tmp_path / "calls.jsonl"))
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    yield tmp_path


@pytest.fixture
def repo() -> Path:
    """The repository root (read-only use: samples/, specs/)."""
    return REPO


@pytest.fixture
def bin_dir() -> Path:
    """The virtual environment's bin folder holding sentinel, doit and kubectl."""
    return BIN


@pytest.fixture
def kube(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKubeAPI]:
    """A fresh loopback Kubernetes API with KUBECONFIG pointing at it."""
    with FakeKubeAPI() as api:
        monkeypatch.setenv("KUBECONFIG", str(api.write_kubeconfig(tmp_path / "kubeconfig")))
        yield api


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    """A fresh loopback OpenAI-compatible server (script its replies with ``fake.script``)."""
    with FakeOpenAI() as server:
        yield server
