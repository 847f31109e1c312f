"""Turn what kubectl printed into one outcome per manifest, and its errors into our own messages.

kubectl handles many ``-f`` files in one run and keeps going past a failing object: successes
come on stdout (``pod/web created``), failures on stderr as blocks that quote the file they came
from (``error when creating "/x/web.yaml": ...``) or at least the Pod's name. Each block is
attributed to its manifest and mapped to a ``sentinel.errors`` class whose message names the Pod
and the spec file; errors that concern the whole run (cluster unreachable, timeout) are given to
every manifest of the run that has no result of its own. kubectl's stderr is never shown as is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sentinel.errors import (
    ClusterUnreachable,
    ConfigError,
    Conflict,
    Forbidden,
    InvalidObject,
    KubeError,
    KubeTimeout,
    NamespaceNotFound,
    NotFound,
)
from sentinel.kube.kubectl import Completed


@dataclass(frozen=True)
class Target:
    """One manifest to hand to kubectl, and where it came from (for messages and the audit log)."""

    manifest: Path
    namespace: str
    name: str
    source: str  # the spec file, as shown to people

    @property
    def pod(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"

    def where(self) -> str:
        """The prefix of every message about this Pod."""
        return f"{self.source}: Pod {self.pod}"


@dataclass(frozen=True)
class Outcome:
    """What happened to one manifest: an action kubectl reported, or an error."""

    target: Target
    action: str | None = None  # created, configured, unchanged, deleted, absent, differs, same
    error: KubeError | None = None

    @property
    def ok(self) -> bool:
        """True when kubectl reported success for this manifest."""
        return self.error is None


_ACTION = re.compile(r'^pod/(?P<name>[^\s]+) (?P<action>[\w-]+)|^pod "(?P<dname>[^"]+)" deleted')
_BLOCK_START = re.compile(r"^(Error from server|error:|Error:|The connection to the server|"
                          r"Unable to connect|Error in configuration|The \w+ \"[^\"]*\" is invalid)")
_KLOG = re.compile(r"^[EWIF]\d{4} ")
_FILE_REF = re.compile(r'(?:error when \w+|for:|error validating|the path) "(?P<file>[^"]+)"')
_POD_REF = re.compile(r'\b(?:pods|Pod) "(?P<name>[^"]+)"')
_SERVER_REASON = re.compile(r"^Error from server \((?P<reason>\w+)\)")
_UNREACHABLE = ("connection refused", "Unable to connect to the server", "no such host",
                "i/o timeout", "network is unreachable", "no route to host", "TLS handshake",
                "certificate", "connection reset")
_IMMUTABLE = "pod updates may not change fields"
# A server-side apply conflict: kubectl prints the API server's message without the Pod's name.
_APPLY_CONFLICT = "Apply failed with"
_CONFLICT_FIELD = re.compile(r'conflicts? with "(?P<manager>[^"]+)"(?: using [^:\s]+)?: (?P<field>\S+)')  # the API server's words for a changed Pod spec
_CONTEXT_PROBLEM = re.compile(r'context was not found|context "[^"]*" does not exist|'
                              r"cannot locate context|no configuration has been provided|"
                              r"invalid configuration")


def parse_actions(stdout: str) -> dict[str, str]:
    """Pod name → the action kubectl reported on stdout (``created``, ``deleted`` …)."""
    actions: dict[str, str] = {}
    for line in stdout.splitlines():
        match = _ACTION.match(line.strip())
        if match and match.group("dname"):
            actions[match.group("dname")] = "deleted"
        elif match:
            actions[match.group("name")] = match.group("action")
    return actions


def error_blocks(stderr: str) -> list[str]:
    """kubectl's stderr split into one block per error (log noise and warnings dropped)."""
    blocks: list[str] = []
    for line in stderr.splitlines():
        if not line.strip() or _KLOG.match(line) or line.startswith("Warning:"):
            continue
        if _BLOCK_START.match(line) or not blocks:
            blocks.append(line)
        else:
            blocks[-1] += "\n" + line
    return blocks


def unreachable_detail(stderr: str) -> str | None:
    """A one-line reason if kubectl could not reach the API server at all, else None."""
    if not any(marker in stderr for marker in _UNREACHABLE):
        return None
    server = re.search(r"The connection to the server (\S+) was refused", stderr)
    url = re.search(r'"(https?://[^/"\s?]+)', stderr)
    where = server.group(1) if server else (url.group(1) if url else "the API server")
    why = next((m for m in _UNREACHABLE if m in stderr), "unreachable")
    if why == "Unable to connect to the server":
        why = stderr.split("Unable to connect to the server:", 1)[-1].strip().splitlines()[0]
    return f"cannot reach the cluster at {where}: {why}"


def check_context(done: Completed) -> None:
    """Raise ``ConfigError`` if kubectl refused the kubeconfig or context before doing anything."""
    if done.returncode == 0 or "Error from server" in done.stderr:
        return
    for line in error_blocks(done.stderr):
        if _CONTEXT_PROBLEM.search(line):
            raise ConfigError(
                f"kubectl cannot use the kube context: {line.splitlines()[0]}",
                setting="context",
                hint="check KUBECONFIG and the 'context' setting (sentinel.toml or SENTINEL_CONTEXT)",
            )


def _detail(block: str) -> str:
    """The server's own words, without kubectl's 'error when creating "file":' wrapping."""
    text = block.replace("\n", " ")
    parts = re.split(r'error when \w+ "[^"]+": ', text)
    tail = parts[-1] if len(parts) > 1 else re.sub(r"^Error from server \(\w+\): ", "", text)
    return tail.strip()


def _causes(block: str) -> list[tuple[str, str]]:
    """``(field, message)`` pairs of a 422: kubectl prints one cause inline, several as bullets
    (``* field: message`` lines) or, from older servers, as ``[f1: m1, f2: m2]``."""
    body = block.split(" is invalid: ", 1)[-1].strip()
    if "\n* " in "\n" + body:
        pieces = [ln[2:] for ln in body.splitlines() if ln.startswith("* ")]
    else:
        body = body.replace("\n", " ")
        if body.startswith("[") and body.endswith("]"):
            body = body[1:-1]
        pieces = re.split(r", (?=(?:metadata|spec|status|kind|apiVersion)[\w.\[\]*]*: )", body)
    causes = []
    for piece in pieces:
        field, sep, message = piece.partition(": ")
        if sep:
            causes.append((field.strip(), message.strip()))
    return causes


def _make(cls: type[KubeError], message: str, done: Completed, block: str,
          hint: str | None = None) -> KubeError:
    return cls(message, argv=done.argv, returncode=done.returncode, stderr=block, hint=hint)


def is_immutable(error: KubeError | None) -> bool:
    """True if the API server refused a Pod update because the change cannot be made in place."""
    return isinstance(error, InvalidObject) and _IMMUTABLE in (error.stderr or "")


def _apply_conflict(block: str, target: Target, done: Completed) -> KubeError:
    """A server-side apply conflict, naming each field and the manager that owns it."""
    pairs = [(m.group("manager"), m.group("field")) for m in _CONFLICT_FIELD.finditer(block)]
    managers = sorted({manager for manager, _ in pairs})
    owned = ", ".join(f'{field} (owned by "{manager}")' for manager, field in pairs)
    return _make(
        Conflict,
        f"{target.where()}: conflict (409): another field manager owns what the spec sets: "
        f"{owned or _detail(block)}", done, block,
        hint="to take these fields over, run `doit apply --force-conflicts`; or set them in the "
        "spec to their live value" + (f", or have {', '.join(managers)} stop managing them"
                                      if managers else ""),
    )


def map_block(block: str, target: Target, done: Completed) -> KubeError:
    """One stderr block about ``target`` → the matching ``KubeError`` with our message."""
    if _APPLY_CONFLICT in block:
        return _apply_conflict(block, target, done)
    if block.startswith("error: Operation cannot be fulfilled"):  # a 409 as apply prints it
        block = block.split("\nPlease review the fields above", 1)[0]
        block = "Error from server (Conflict): " + block.removeprefix("error: ")
    reason_match = _SERVER_REASON.match(block)
    reason = reason_match.group("reason") if reason_match else ""
    detail = _detail(block)
    where = target.where()
    if reason == "NotFound" and (ns := re.search(r'namespaces "([^"]+)" not found', detail)):
        return _make(
            NamespaceNotFound, f'{where}: namespace "{ns.group(1)}" does not exist', done, block,
            hint=f"create it (kubectl create namespace {ns.group(1)}) or change 'namespace' "
            "in the spec",
        )
    if reason == "NotFound":
        return _make(NotFound, f"{where}: not found (404): {detail}", done, block)
    if reason == "Invalid" or " is invalid: " in detail:
        causes = _causes(block)
        lines = "".join(f"\n  {field}: {message}" for field, message in causes)
        hint = "fix the spec and run `doit generate` again"
        if _IMMUTABLE in detail:
            hint = ("a Pod changes in place only in a few fields (images among them): "
                    "`doit apply` recreates it (delete, then create) after asking")
        return InvalidObject(
            f"{where}: the cluster rejected the object as invalid (422):{lines or ' ' + detail}",
            causes=causes, hint=hint, argv=done.argv, returncode=done.returncode, stderr=block,
        )
    if reason == "Forbidden":
        return _make(
            Forbidden, f"{where}: forbidden (403): {detail}", done, block,
            hint="ask for RBAC permission on pods in this namespace, or use another context",
        )
    if reason in ("Conflict", "AlreadyExists"):
        return _make(
            Conflict, f"{where}: conflict (409): {detail}", done, block,
            hint="the live Pod changed meanwhile or is owned elsewhere; check `doit diff`, retry",
        )
    if reason in ("Timeout", "ServerTimeout"):
        return _make(KubeTimeout, f"{where}: the API server timed out: {detail}", done, block)
    return _make(KubeError, f"{where}: kubectl failed: {detail}", done, block)


def _find_target(block: str, targets: Sequence[Target]) -> Target | None:
    by_file = {str(t.manifest): t for t in targets}
    for match in _FILE_REF.finditer(block):
        if match.group("file") in by_file:
            return by_file[match.group("file")]
    by_name = {t.name: t for t in targets}
    for match in _POD_REF.finditer(block):
        if match.group("name") in by_name:
            return by_name[match.group("name")]
    return None


def attributed(done: Completed, targets: Sequence[Target]
               ) -> tuple[dict[Path, KubeError], list[str]]:
    """The errors kubectl's stderr attributes to a target (by file or Pod name), and the blocks
    it attributes to none."""
    errors: dict[Path, KubeError] = {}
    general: list[str] = []
    for block in error_blocks(done.stderr):
        target = _find_target(block, targets)
        if target is None or unreachable_detail(block):
            general.append(block)
        elif target.manifest not in errors:
            errors[target.manifest] = map_block(block, target, done)
    return errors, general


def _namespace_missing(block: str, targets: Sequence[Target]) -> bool:
    match = re.search(r'namespaces "([^"]+)" not found', block)
    return bool(match and targets and all(t.namespace == match.group(1) for t in targets))


def outcomes(done: Completed, targets: Sequence[Target], *, timeout: float,
             missing_action: str | None = None,
             actions: Mapping[str, str] | None = None) -> list[Outcome]:
    """One outcome per target from a batched kubectl run (never raises for per-object errors).

    ``actions`` (Pod name → action) replaces what is parsed from stdout, for runs whose stdout
    is JSON. An error block that names no Pod (a server-side apply conflict) is given to the one
    target left without a result, when exactly one is left.
    """
    check_context(done)
    actions = parse_actions(done.stdout) if actions is None else actions
    errors, general = attributed(done, targets)
    left = [t for t in targets if t.manifest not in errors and t.name not in actions]
    missing_ns = [b for b in general if _namespace_missing(b, left)]
    for block in missing_ns:  # the whole namespace is missing: every Pod of it has that error
        general.remove(block)
        for t in left:
            errors.setdefault(t.manifest, map_block(block, t, done))
    left = [t for t in left if t.manifest not in errors]
    if len(general) == 1 and len(left) == 1 and (
            _APPLY_CONFLICT in general[0] or general[0].startswith("Error from server")):
        errors[left[0].manifest] = map_block(general.pop(), left[0], done)
    unreachable = unreachable_detail(done.stderr)
    results: list[Outcome] = []
    for t in targets:
        if t.manifest in errors:
            results.append(Outcome(t, error=errors[t.manifest]))
        elif t.name in actions:
            results.append(Outcome(t, action=actions[t.name]))
        elif done.timed_out:
            results.append(Outcome(t, error=_make(
                KubeTimeout, f"{t.where()}: kubectl did not finish within {timeout:g}s", done,
                done.stderr, hint="raise 'kubectl_timeout' (sentinel.toml or "
                "SENTINEL_KUBECTL_TIMEOUT) or check the cluster's health")))
        elif unreachable:
            results.append(Outcome(t, error=_make(
                ClusterUnreachable, f"{t.where()}: {unreachable}", done, done.stderr,
                hint="check that the cluster is running and that KUBECONFIG and the 'context' "
                "setting point at it")))
        elif general:
            said = " ".join(general).replace("\n", " ").strip()
            results.append(Outcome(t, error=_make(
                KubeError, f"{t.where()}: kubectl failed: {said}", done, done.stderr)))
        elif missing_action is not None:
            results.append(Outcome(t, action=missing_action))
        else:
            results.append(Outcome(t, error=_make(
                KubeError,
                f"{t.where()}: kubectl reported nothing for this Pod (exit code {done.returncode})",
                done, done.stderr)))
    return results
