"""The one exception tree of kube-sentinel.

Every failure a user can cause or meet is one of these; the CLI turns them into a message and an
exit code, doit actions into ``TaskFailed``. Anything else escaping is a bug.

    SentinelError                      exit 1 unless noted
    ├── UsageError                     exit 2 — bad command line, bad path argument
    ├── ConfigError                    exit 2 — a setting is wrong or missing (names the setting)
    │   └── ChatConfigError            exit 2 — no OPENAI_API_KEY / OPENAI_BASE_URL, bad chat setting
    ├── SpecError                      one or more Problems (file, line, column, field, hint)
    ├── PathEscapeError                a user/model path leaves the folder it must stay in
    ├── RenderError                    a valid spec could not become a manifest
    │   └── PolicyViolation            the manifest breaks its Pod Security profile
    ├── KubeError                      kubectl failed (argv, returncode, stderr)
    │   ├── KubectlNotFound
    │   ├── ClusterUnreachable
    │   ├── NamespaceNotFound
    │   ├── InvalidObject              HTTP 422, with causes
    │   ├── Forbidden                  HTTP 403
    │   ├── Conflict                   HTTP 409
    │   ├── NotFound                   HTTP 404 (object)
    │   └── KubeTimeout
    ├── ConfirmationRefused            apply/delete without a confirmation
    ├── HistoryError                   the chat history store cannot be read or written
    └── ChatError
        ├── ProviderError              the model endpoint answered an error (status, message)
        ├── StreamInterrupted          the stream dropped, was cancelled or ended without finish
        └── ToolError                  a tool call failed (fed back to the model)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


class SentinelError(Exception):
    """Base of every expected failure; ``str(err)`` is the user-facing message."""

    exit_code: int = EXIT_FAILURE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  hint: {self.hint}"
        return self.message


class UsageError(SentinelError):
    """The command line or a path argument is wrong."""

    exit_code = EXIT_USAGE


class ConfigError(SentinelError):
    """A setting is invalid or missing; the message names the setting and how to set it."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, setting: str | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.setting = setting


class ChatConfigError(ConfigError):
    """Chat cannot start: provider settings are missing or invalid."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one spec: where it is, what it is, how to fix it."""

    file: str
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    field: str = ""  # dotted path, e.g. "resources.limits.cpu" or "ports[1].name"
    message: str = ""
    hint: str = ""
    severity: str = "error"  # "error" or "warning"
    code: str = ""  # stable problem code, e.g. "W104" (production advice; see the README)

    def location(self) -> str:
        """``file:line:column`` with whatever parts are known."""
        loc = self.file
        if self.line is not None:
            loc += f":{self.line}"
            if self.column is not None:
                loc += f":{self.column}"
        return loc

    def format(self) -> str:
        """One line for people: ``file:line:col: field: message (hint: ...)``."""
        parts = [self.location()]
        if self.severity != "error":
            parts.append(self.severity)
        if self.field:
            parts.append(self.field)
        text = ": ".join(parts) + f": {self.message}"
        if self.code:
            text += f" [{self.code}]"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form for ``--json`` output and for chat tool results."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
            "severity": self.severity,
            **({"code": self.code} if self.code else {}),
        }


class SpecError(SentinelError):
    """One or more spec files are invalid; carries every Problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = sorted(problems, key=_problem_key)
        if not self.problems:
            raise ValueError("SpecError needs at least one Problem")
        super().__init__("\n".join(p.format() for p in self.problems))

    @property
    def errors(self) -> list[Problem]:
        """Only the problems of severity ``error``."""
        return [p for p in self.problems if p.severity == "error"]


def _problem_key(p: Problem) -> tuple[str, int, int, str, str]:
    return (p.file, p.line or 0, p.column or 0, p.field, p.message)


class PathEscapeError(SentinelError):
    """A path given by a user or a model resolves outside the folder it must stay in."""

    def __init__(self, path: str, base: str, *, what: str = "path") -> None:
        super().__init__(
            f"{what} {path!r} resolves outside {base}",
            hint=f"use a relative path that stays inside {base}",
        )
        self.path = path
        self.base = base


class RenderError(SentinelError):
    """A spec that validated could not be rendered into a manifest."""


class PolicyViolation(RenderError):
    """The rendered Pod breaks its Pod Security Standards profile."""

    def __init__(self, profile: str, violations: Sequence[tuple[str, str]], *, source: str = ""):
        self.profile = profile
        self.violations = list(violations)  # (field path, reason)
        where = f"{source}: " if source else ""
        lines = [f"{where}Pod violates the {profile} Pod Security profile:"]
        lines += [f"  {field}: {reason}" for field, reason in self.violations]
        super().__init__("\n".join(lines))


class KubeError(SentinelError):
    """kubectl failed; keeps what ran and what it said for the audit log and for debugging."""

    def __init__(
        self,
        message: str,
        *,
        argv: Sequence[str] = (),
        returncode: int | None = None,
        stderr: str = "",
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.argv = list(argv)
        self.returncode = returncode
        self.stderr = stderr


class KubectlNotFound(KubeError):
    """No kubectl binary at the configured path, in the environment or on PATH."""


class ClusterUnreachable(KubeError):
    """The API server could not be reached (connection refused, DNS, TLS)."""


class NamespaceNotFound(KubeError):
    """The target namespace does not exist."""


class InvalidObject(KubeError):
    """The API server rejected the object (HTTP 422); ``causes`` are (field, message)."""

    def __init__(self, message: str, *, causes: Sequence[tuple[str, str]] = (), **kw: object):
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.causes = list(causes)


class Forbidden(KubeError):
    """RBAC or admission refused the request (HTTP 403)."""


class Conflict(KubeError):
    """The object changed or already exists (HTTP 409)."""


class NotFound(KubeError):
    """The object does not exist (HTTP 404)."""


class KubeTimeout(KubeError):
    """kubectl did not finish within the configured timeout."""


class ConfirmationRefused(SentinelError):
    """A cluster-changing task was not confirmed; nothing was changed."""


class HistoryError(SentinelError):
    """The chat history store cannot be opened, read or written."""


class ChatError(SentinelError):
    """Base of failures during a chat turn."""

    category: str = "chat"


class ProviderError(ChatError):
    """The model endpoint answered with an error."""

    category = "provider"

    def __init__(
        self, message: str, *, status: int | None = None, retryable: bool = False,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.retryable = retryable


class StreamInterrupted(ChatError):
    """The answer stream was dropped, cancelled (Ctrl-C) or ended without a finish reason."""

    category = "stream_interrupted"


class ToolError(ChatError):
    """A tool call could not be carried out; the message goes back to the model."""

    category = "tool"
