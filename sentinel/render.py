"""Turn a validated spec into its Pod manifest, dump it byte-stably, write it atomically.

The manifest is secure by default: under ``restricted`` the Pod runs as non-root with the
RuntimeDefault seccomp profile, no privilege escalation and every capability dropped; under
``baseline`` only ``runAsNonRoot`` is left out, so images whose default user is root still start.
Every rendered Pod is re-checked by ``sentinel.policy`` for its profile, so a renderer bug can
never produce a Pod the profile forbids.

Determinism is part of the contract (``doit`` and ``kubectl diff`` rely on it): the same spec
gives byte-identical YAML in every process — fixed key order, maps without a meaningful order
sorted, list order kept from the spec, no timestamps, no absolute paths, no YAML aliases.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from sentinel import policy
from sentinel.errors import PolicyViolation, RenderError
from sentinel.fsutil import atomic_write, resolve_inside
from sentinel.spec import MANAGED_BY_LABEL, MANAGER, NAME_LABEL, PROJECT_LABEL

if TYPE_CHECKING:
    from sentinel.spec import LoadedSpec
    from sentinel.spec.model import EnvFrom, PodSpec, Port, Probe, Resources, Volume

__all__ = ["MANAGED_BY_LABEL", "MANAGER", "NAME_LABEL", "PROJECT_LABEL", "build_manifest", "dump_manifest",
           "guard", "manifest_path", "render", "write_manifest"]

_PROBE_TIMING = ("initialDelaySeconds", "periodSeconds", "timeoutSeconds", "successThreshold",
                 "failureThreshold")


def render(spec: PodSpec, *, source: str = "", project: str | None = None) -> dict[str, Any]:
    """Build the Pod manifest of ``spec`` and check it against its Pod Security profile;
    ``project`` (the project id setting) adds the ``kube-sentinel.io/project`` label."""
    manifest = build_manifest(spec, project)
    guard(manifest, spec.security, source=source)
    return manifest


def guard(manifest: Mapping[str, Any], profile: str, *, source: str = "") -> None:
    """Raise ``PolicyViolation`` naming each failing field if ``manifest`` breaks ``profile``."""
    violations = policy.check(manifest, profile)
    if violations:
        raise PolicyViolation(profile, violations, source=source)


def build_manifest(spec: PodSpec, project: str | None = None) -> dict[str, Any]:
    """The Pod manifest of ``spec``, without the policy check (``render`` adds it)."""
    metadata: dict[str, Any] = {
        "name": spec.name,
        "namespace": spec.namespace,
        "labels": _labels(spec.name, spec.labels, project),
    }
    if spec.annotations:
        metadata["annotations"] = _sorted(spec.annotations)
    pod: dict[str, Any] = {"containers": [_container(spec)]}
    if spec.volumes:
        pod["volumes"] = [_volume(volume) for volume in spec.volumes]
    if spec.restartPolicy is not None:
        pod["restartPolicy"] = spec.restartPolicy
    if spec.serviceAccountName is not None:
        pod["serviceAccountName"] = spec.serviceAccountName
    else:
        # A generated Pod talks to the Kubernetes API only if its spec names an account for
        # that; otherwise not mounting the default account's token removes a credential that
        # anyone who gets code running in the container could use.
        pod["automountServiceAccountToken"] = False
    if spec.nodeSelector:
        pod["nodeSelector"] = _sorted(spec.nodeSelector)
    pod["securityContext"] = _pod_security_context(spec)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": pod}


def _labels(name: str, user: Mapping[str, str], project: str | None) -> dict[str, str]:
    ours = {NAME_LABEL: name, MANAGED_BY_LABEL: MANAGER}
    if project:  # orphans are found by this label (sentinel.pipeline.converge)
        ours[PROJECT_LABEL] = project
    for key, value in ours.items():
        if key in user and user[key] != value:
            # Selectors, `doit status` and pruning find our Pods by these two labels. The spec
            # layer reports this with its line (crossfield.reserved_labels); this guards models
            # built some other way.
            raise RenderError(
                f"labels.{key}: {user[key]!r} conflicts with the value kube-sentinel sets "
                f"({value!r})",
                hint=f"remove {key} from labels; it is always {value!r}",
            )
    return {**ours, **_sorted({k: v for k, v in user.items() if k not in ours})}


def _container(spec: PodSpec) -> dict[str, Any]:
    container: dict[str, Any] = {"name": spec.name, "image": spec.image}
    if spec.imagePullPolicy is not None:
        container["imagePullPolicy"] = spec.imagePullPolicy
    if spec.command is not None:
        container["command"] = list(spec.command)
    if spec.args is not None:
        container["args"] = list(spec.args)
    if spec.workingDir is not None:
        container["workingDir"] = spec.workingDir
    if spec.env:
        # Spec order is kept: a value may refer to an earlier variable as $(NAME).
        container["env"] = [_env(name, value) for name, value in spec.env.items()]
    if spec.ports:
        container["ports"] = [_port(port) for port in spec.ports]
    resources = _resources(spec.resources)
    if resources:
        container["resources"] = resources
    if spec.probes is not None:
        for kind in ("startup", "readiness", "liveness"):
            probe = getattr(spec.probes, kind)
            if probe is not None:
                container[f"{kind}Probe"] = _probe(probe)
    if spec.volumes:
        container["volumeMounts"] = [_mount(volume) for volume in spec.volumes]
    # The same under both profiles; baseline differs only by not requiring runAsNonRoot (pod
    # level), so images whose default user is root can still start.
    context: dict[str, Any] = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
    if spec.readOnlyRootFilesystem is not None:
        context["readOnlyRootFilesystem"] = spec.readOnlyRootFilesystem
    container["securityContext"] = context
    return container


def _pod_security_context(spec: PodSpec) -> dict[str, Any]:
    context: dict[str, Any] = {}
    if spec.security == policy.RESTRICTED:
        context["runAsNonRoot"] = True
    for key in ("runAsUser", "runAsGroup", "fsGroup"):
        value = getattr(spec, key)
        if value is not None:
            context[key] = value
    context["seccompProfile"] = {"type": "RuntimeDefault"}
    return context


def _env(name: str, value: str | EnvFrom) -> dict[str, Any]:
    if isinstance(value, str):
        return {"name": name, "value": value}
    kind, ref = (("secretKeyRef", value.secretKeyRef) if value.secretKeyRef is not None
                 else ("configMapKeyRef", value.configMapKeyRef))
    if ref is None:  # the model guarantees one source; a second check costs nothing
        raise RenderError(f"env.{name}: needs secretKeyRef or configMapKeyRef")
    source: dict[str, Any] = {"name": ref.name, "key": ref.key}
    if ref.optional is not None:
        source["optional"] = ref.optional
    return {"name": name, "valueFrom": {kind: source}}


def _port(port: Port) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if port.name is not None:
        out["name"] = port.name
    out["containerPort"] = port.containerPort
    out["protocol"] = port.protocol
    return out


def _resources(resources: Resources | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in ("requests", "limits"):
        amounts = getattr(resources, part, None)
        if amounts is None:
            continue
        values = amounts.model_dump(by_alias=True, exclude_none=True)
        if values:
            out[part] = {key: str(values[key]) for key in sorted(values)}
    return out


def _probe(probe: Probe) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if probe.http is not None:
        action: dict[str, Any] = {"path": probe.http.path, "port": probe.http.port}
        if probe.http.scheme is not None:
            action["scheme"] = probe.http.scheme
        out["httpGet"] = action
    elif probe.tcp is not None:
        out["tcpSocket"] = {"port": probe.tcp.port}
    elif probe.exec is not None:
        out["exec"] = {"command": list(probe.exec.command)}
    else:  # the model guarantees exactly one action
        raise RenderError("probe has no http, tcp or exec action")
    for key in _PROBE_TIMING:
        value = getattr(probe, key)
        if value is not None:
            out[key] = value
    return out


def _volume(volume: Volume) -> dict[str, Any]:
    out: dict[str, Any] = {"name": volume.name}
    if volume.emptyDir is not None:
        # `emptyDir:` with no value means "defaults", which Kubernetes spells as {}.
        out["emptyDir"] = volume.emptyDir.model_dump(exclude_none=True)
    elif volume.configMap is not None:
        out["configMap"] = volume.configMap.model_dump(exclude_none=True)
    elif volume.secret is not None:
        out["secret"] = volume.secret.model_dump(exclude_none=True)
    elif volume.persistentVolumeClaim is not None:
        out["persistentVolumeClaim"] = volume.persistentVolumeClaim.model_dump(exclude_none=True)
    else:  # the model guarantees exactly one source
        raise RenderError(f"volumes.{volume.name}: has no source")
    return out


def _mount(volume: Volume) -> dict[str, Any]:
    out: dict[str, Any] = {"name": volume.name, "mountPath": volume.mountPath}
    if volume.subPath is not None:
        out["subPath"] = volume.subPath
    if volume.readOnly:  # false is the default; leaving it out keeps manifests short
        out["readOnly"] = True
    return out


def _sorted(values: Mapping[str, str]) -> dict[str, str]:
    # Labels, annotations and node selectors have no meaningful order: sort for stable diffs.
    return {key: values[key] for key in sorted(values)}


# --- output ---------------------------------------------------------------------------------

_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _ManifestDumper(_BaseDumper):  # type: ignore[misc]
    """Safe dumper that never writes anchors/aliases, even if a value object is shared."""

    def ignore_aliases(self, data: Any) -> bool:
        """Always: a manifest spells out every value (no ``&id001``/``*id001``)."""
        return True


def dump_manifest(manifest: Mapping[str, Any]) -> bytes:
    """Deterministic block-style YAML of ``manifest`` (UTF-8, one trailing newline)."""
    ordered = {key: manifest[key] for key in ("apiVersion", "kind", "metadata", "spec")
               if key in manifest}
    ordered.update({k: v for k, v in manifest.items() if k not in ordered})
    try:
        text: str = yaml.dump(
            ordered,
            Dumper=_ManifestDumper,
            sort_keys=False,  # our key order is chosen for reading; keep it
            default_flow_style=False,
            allow_unicode=True,
            width=1 << 20,  # never fold long strings (URLs, commands) across lines
            indent=2,
        )
    except yaml.YAMLError as exc:
        raise RenderError(f"manifest cannot be written as YAML: {exc}") from exc
    return text.encode("utf-8")


def manifest_path(spec: LoadedSpec, output_dir: Path) -> Path:
    """Where the manifest of ``spec`` goes: its ``output_path`` or ``<namespace>/<name>.yaml``."""
    return resolve_inside(output_dir, spec.model.resolved_output_path, what="output_path")


def write_manifest(spec: LoadedSpec, output_dir: Path) -> Path:
    """Render, check and atomically write the manifest of ``spec``; return its path."""
    path = manifest_path(spec, output_dir)
    data = dump_manifest(render(spec.model, source=spec.source))
    atomic_write(path, data)
    return path
