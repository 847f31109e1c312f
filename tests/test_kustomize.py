"""The output folder is a kustomize base: ``doit generate`` writes ``kustomization.yaml`` listing
every manifest, kept in step by prune and clean; the real ``kubectl kustomize`` renders exactly
the generated Pods."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO


def doit(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["doit", *args], cwd=root, capture_output=True, text=True,
                          timeout=180, stdin=subprocess.DEVNULL, check=False)
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    return done


def kustomize(root: Path) -> list[dict[str, object]]:
    done = subprocess.run(["kubectl", "kustomize", "manifests"], cwd=root, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def generated(root: Path) -> list[dict[str, object]]:
    return [yaml.safe_load(p.read_text()) for p in sorted((root / "manifests").rglob("*.yaml"))
            if p.name != "kustomization.yaml"]


def by_name(docs: list[dict[str, object]]) -> dict[str, object]:
    return {f"{d['metadata']['namespace']}/{d['metadata']['name']}": d  # type: ignore[index]
            for d in docs}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    shutil.copytree(REPO / "specs", root / "specs")
    (root / "dodo.py").write_text("from sentinel.pipeline.dodo import *  # noqa: F403\n")
    return root


def test_generate_writes_a_base_kubectl_kustomize_renders_exactly(root: Path) -> None:
    assert doit(root).returncode == 0
    path = root / "manifests" / "kustomization.yaml"
    doc = yaml.safe_load(path.read_text())
    assert doc["apiVersion"] == "kustomize.config.k8s.io/v1beta1"
    assert doc["kind"] == "Kustomization"
    assert doc["resources"] == sorted(doc["resources"]) == [
        "shop/nightly-report.yaml", "shop/order-worker.yaml", "shop/session-cache.yaml",
        "shop/web.yaml"]
    rendered = by_name(kustomize(root))
    assert rendered == by_name(generated(root))
    assert len(rendered) == 4

    before = path.stat()
    again = doit(root)
    assert again.returncode == 0
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_prune_and_a_new_spec_keep_it_in_step(root: Path) -> None:
    assert doit(root).returncode == 0
    (root / "specs" / "web.yaml").unlink()
    (root / "specs" / "extra.yaml").write_text(
        "name: extra\nnamespace: ops\nimage: nginxinc/nginx-unprivileged:1.27\n")
    assert doit(root).returncode == 0
    resources = yaml.safe_load((root / "manifests" / "kustomization.yaml").read_text())[
        "resources"]
    assert "shop/web.yaml" not in resources and "ops/extra.yaml" in resources
    assert set(by_name(kustomize(root))) == {"shop/nightly-report", "shop/order-worker",
                                             "shop/session-cache", "ops/extra"}


def test_a_failed_run_never_lists_a_missing_file(root: Path) -> None:
    """A failing sub-task stops _kustomization; prune still takes removed manifests out, and the
    next full success lists the new ones."""
    assert doit(root).returncode == 0
    (root / "specs" / "web.yaml").unlink()
    (root / "specs" / "bad.yaml").write_text("name: bad\nimage: nginx:1.27\nport: 80\n")
    (root / "specs" / "extra.yaml").write_text(
        "name: extra\nnamespace: ops\nimage: nginxinc/nginx-unprivileged:1.27\n")
    done = doit(root, "--continue")
    assert done.returncode != 0
    resources = yaml.safe_load((root / "manifests" / "kustomization.yaml").read_text())[
        "resources"]
    assert "shop/web.yaml" not in resources
    assert all((root / "manifests" / r).is_file() for r in resources)
    assert len(kustomize(root)) == 3
    (root / "specs" / "bad.yaml").unlink()
    assert doit(root).returncode == 0
    assert set(by_name(kustomize(root))) == {"shop/nightly-report", "shop/order-worker",
                                             "shop/session-cache", "ops/extra"}


def test_clean_removes_it_and_an_empty_project_is_an_empty_base(root: Path) -> None:
    assert doit(root).returncode == 0
    assert doit(root, "clean").returncode == 0
    assert not (root / "manifests").exists()
    for spec in (root / "specs").iterdir():
        spec.unlink()
    assert doit(root).returncode == 0
    doc = yaml.safe_load((root / "manifests" / "kustomization.yaml").read_text())
    assert doc["resources"] == []
    assert kustomize(root) == []


def test_parallel_processes_write_the_same_file(root: Path, tmp_path: Path) -> None:
    serial = tmp_path / "serial"
    shutil.copytree(root, serial)
    assert doit(serial).returncode == 0
    assert doit(root, "-n", "2", "-P", "process", "generate").returncode == 0
    assert ((root / "manifests" / "kustomization.yaml").read_bytes()
            == (serial / "manifests" / "kustomization.yaml").read_bytes())
