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
    from sentinel.spec.containers import (
        Container,
        ContainerSecurity,
        EnvFromSource,
        Lifecycle,
    )
    from sentinel.spec.model import EnvFrom, PodSpec, Port, Probe, Resources, Volume
    from sentinel.spec.parts import HttpGet, PodResources

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
    pod: dict[str, Any] = {
        "containers": [_container(spec)] + [_entry(c) for c in spec.containers or ()]}
    init = [_entry(c) for c in spec.initContainers or ()]
    init += [_entry(c, sidecar=True) for c in spec.sidecars or ()]
    if init:
        pod["initContainers"] = init
    if spec.volumes:
        pod["volumes"] = [_volume(volume) for volume in spec.volumes]
    pod_resources = _resources(spec.podResources)
    if pod_resources:
        pod["resources"] = pod_resources
    if spec.restartPolicy is not None:
        pod["restartPolicy"] = spec.restartPolicy
    if spec.terminationGracePeriodSeconds is not None:
        pod["terminationGracePeriodSeconds"] = spec.terminationGracePeriodSeconds
    if spec.activeDeadlineSeconds is not None:
        pod["activeDeadlineSeconds"] = spec.activeDeadlineSeconds
    # Scheduling keys have the Kubernetes shape already: dumped as written, in spec order.
    for key in ("imagePullSecrets", "priorityClassName", "tolerations", "affinity",
                "topologySpreadConstraints", "schedulingGates", "hostAliases", "dnsPolicy",
                "dnsConfig"):
        value = getattr(spec, key)
        if value is not None:
            pod[key] = _plain(value)
    if spec.hostUsers is not None:
        pod["hostUsers"] = spec.hostUsers
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
    mounts = [_mount(volume) for volume in spec.volumes if volume.mountPath is not None]
    mounts += [m.model_dump(exclude_none=True) for m in spec.volumeMounts or ()]
    return _container_of(spec, spec.containerName or spec.name, mounts,
                         read_only_root=spec.readOnlyRootFilesystem)


def _container_of(part: PodSpec | Container, name: str, mounts: list[dict[str, Any]], *,
                  read_only_root: bool | None = None) -> dict[str, Any]:
    """One container's manifest: the main one (``PodSpec``) or an entry of a container list."""
    container: dict[str, Any] = {"name": name, "image": part.image}
    if part.imagePullPolicy is not None:
        container["imagePullPolicy"] = part.imagePullPolicy
    if part.command is not None:
        container["command"] = list(part.command)
    if part.args is not None:
        container["args"] = list(part.args)
    if part.workingDir is not None:
        container["workingDir"] = part.workingDir
    if part.env:
        # Spec order is kept: a value may refer to an earlier variable as $(NAME).
        container["env"] = [_env(var, value) for var, value in part.env.items()]
    if part.envFrom:
        container["envFrom"] = [_env_from(source) for source in part.envFrom]
    if part.ports:
        container["ports"] = [_port(port) for port in part.ports]
    resources = _resources(part.resources)
    if resources:
        container["resources"] = resources
    if part.resizePolicy:
        container["resizePolicy"] = [p.model_dump() for p in part.resizePolicy]
    if part.probes is not None:
        for kind in ("startup", "readiness", "liveness"):
            probe = getattr(part.probes, kind)
            if probe is not None:
                container[f"{kind}Probe"] = _probe(probe)
    if part.lifecycle is not None:
        container["lifecycle"] = _lifecycle(part.lifecycle)
    if mounts:
        container["volumeMounts"] = mounts
    container["securityContext"] = _container_security(part.securityContext, read_only_root)
    return container


def _container_security(own: ContainerSecurity | None,
                        read_only_root: bool | None) -> dict[str, Any]:
    # The same under both profiles; baseline differs only by not requiring runAsNonRoot (pod
    # level), so images whose default user is root can still start.
    capabilities: dict[str, Any] = {"drop": ["ALL"]}
    if own is not None and own.capabilities is not None:
        capabilities = {"add": list(own.capabilities.add), **capabilities}
    context: dict[str, Any] = {"allowPrivilegeEscalation": False, "capabilities": capabilities}
    if own is not None and own.readOnlyRootFilesystem is not None:
        read_only_root = own.readOnlyRootFilesystem
    if read_only_root is not None:
        context["readOnlyRootFilesystem"] = read_only_root
    if own is not None:
        for key in ("runAsGroup", "runAsNonRoot", "runAsUser"):
            value = getattr(own, key)
            if value is not None:
                context[key] = value
        if own.appArmorProfile is not None:
            context["appArmorProfile"] = own.appArmorProfile.model_dump(exclude_none=True)
    return context


def _entry(entry: Container, *, sidecar: bool = False) -> dict[str, Any]:
    out = _container_of(entry, entry.name, [m.model_dump(exclude_none=True)
                                            for m in entry.volumeMounts or ()])
    if sidecar:  # a native sidecar: an init container that keeps running beside the others
        out = {"name": out.pop("name"), "image": out.pop("image"), "restartPolicy": "Always", **out}
    return out


def _env_from(source: EnvFromSource) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if source.prefix is not None:
        out["prefix"] = source.prefix
    for kind in ("configMapRef", "secretRef"):
        ref = getattr(source, kind)
        if ref is not None:
            out[kind] = ref.model_dump(exclude_none=True)
    return out


def _lifecycle(lifecycle: Lifecycle) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for hook in ("postStart", "preStop"):
        handler = getattr(lifecycle, hook)
        if handler is None:
            continue
        if handler.exec is not None:
            out[hook] = {"exec": {"command": list(handler.exec.command)}}
        elif handler.httpGet is not None:
            out[hook] = {"httpGet": _http_get(handler.httpGet)}
        elif handler.sleep is not None:
            out[hook] = {"sleep": {"seconds": handler.sleep.seconds}}
        else:  # the model guarantees exactly one action
            raise RenderError(f"lifecycle.{hook} has no exec, httpGet or sleep action")
    return out


def _pod_security_context(spec: PodSpec) -> dict[str, Any]:
    context: dict[str, Any] = {}
    if spec.security == policy.RESTRICTED:
        context["runAsNonRoot"] = True
    for key in ("runAsUser", "runAsGroup", "fsGroup", "supplementalGroupsPolicy"):
        value = getattr(spec, key)
        if value is not None:
            context[key] = value
    if spec.supplementalGroups is not None:
        context["supplementalGroups"] = list(spec.supplementalGroups)
    if spec.appArmorProfile is not None:
        context["appArmorProfile"] = spec.appArmorProfile.model_dump(exclude_none=True)
    context["seccompProfile"] = {"type": "RuntimeDefault"}
    return context


def _env(name: str, value: str | EnvFrom) -> dict[str, Any]:
    if isinstance(value, str):
        return {"name": name, "value": value}
    if value.fieldRef is not None:
        field = value.fieldRef
        # Kubernetes defaults apiVersion to v1; spell it out only when the spec does.
        ref: dict[str, Any] = ({"apiVersion": field.apiVersion} if field.apiVersion else {})
        return {"name": name, "valueFrom": {"fieldRef": {**ref, "fieldPath": field.fieldPath}}}
    if value.resourceFieldRef is not None:
        res = value.resourceFieldRef
        out: dict[str, Any] = {}
        if res.containerName is not None:
            out["containerName"] = res.containerName
        if res.divisor is not None:
            out["divisor"] = res.divisor
        out["resource"] = res.resource
        return {"name": name, "valueFrom": {"resourceFieldRef": out}}
    kind, key_ref = (("secretKeyRef", value.secretKeyRef) if value.secretKeyRef is not None
                     else ("configMapKeyRef", value.configMapKeyRef))
    if key_ref is None:  # the model guarantees one source; a second check costs nothing
        raise RenderError(f"env.{name}: needs secretKeyRef, configMapKeyRef, fieldRef or "
                          "resourceFieldRef")
    source: dict[str, Any] = {"name": key_ref.name, "key": key_ref.key}
    if key_ref.optional is not None:
        source["optional"] = key_ref.optional
    return {"name": name, "valueFrom": {kind: source}}


def _port(port: Port) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if port.name is not None:
        out["name"] = port.name
    out["containerPort"] = port.containerPort
    out["protocol"] = port.protocol
    return out


def _resources(resources: Resources | PodResources | None) -> dict[str, Any]:
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
        out["httpGet"] = _http_get(probe.http)
    elif probe.tcp is not None:
        out["tcpSocket"] = {"port": probe.tcp.port}
    elif probe.exec is not None:
        out["exec"] = {"command": list(probe.exec.command)}
    elif probe.grpc is not None:
        out["grpc"] = probe.grpc.model_dump(exclude_none=True)
    else:  # the model guarantees exactly one action
        raise RenderError("probe has no http, tcp, exec or grpc action")
    for key in _PROBE_TIMING:
        value = getattr(probe, key)
        if value is not None:
            out[key] = value
    return out


def _http_get(http: HttpGet) -> dict[str, Any]:
    action: dict[str, Any] = {"path": http.path, "port": http.port}
    if http.scheme is not None:
        action["scheme"] = http.scheme
    if http.httpHeaders:
        action["httpHeaders"] = [{"name": h.name, "value": h.value} for h in http.httpHeaders]
    return action


def _volume(volume: Volume) -> dict[str, Any]:
    out: dict[str, Any] = {"name": volume.name}
    if volume.emptyDir is not None:
        # `emptyDir:` with no value means "defaults", which Kubernetes spells as {}.
        out["emptyDir"] = volume.emptyDir.model_dump(exclude_none=True)
    else:
        for kind in ("configMap", "secret", "persistentVolumeClaim", "downwardAPI", "projected",
                     "ephemeral", "image", "hostPath"):
            source = getattr(volume, kind)
            if source is not None:
                out[kind] = source.model_dump(exclude_none=True)
                return out
        # the model guarantees exactly one source
        raise RenderError(f"volumes.{volume.name}: has no source")
    return out


def _mount(volume: Volume) -> dict[str, Any]:
    out: dict[str, Any] = {"name": volume.name, "mountPath": volume.mountPath}
    if volume.subPath is not None:
        out["subPath"] = volume.subPath
    if volume.readOnly:  # false is the default; leaving it out keeps manifests short
        out["readOnly"] = True
    return out


def _plain(value: Any) -> Any:
    """A model (or list of models) as plain data, unset keys left out."""
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if hasattr(value, "model_dump"):
        return value.model_dump(exclude_none=True, by_alias=True)
    return value


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
