"""The containers of a Pod beyond the main one, and the container parts they share with it.

A spec's top-level keys describe the main container (its short form). ``containers`` adds
further regular containers, ``initContainers`` containers that run to completion one after the
other before the others start, and ``sidecars`` native sidecars (rendered as ``initContainers``
entries with ``restartPolicy: Always``: they start before the main containers and run beside
them). Every entry takes the same keys as the main container, with its name, plus
``volumeMounts`` naming the Pod's volumes. The parts defined here — ``envFrom`` sources,
``lifecycle`` hooks, the per-container ``securityContext`` and volume mounts — are used by the
main container too.

Rules that need only one container (its ports, its probes' named ports, its mount paths, no
probes or lifecycle hooks on a plain init container) are checked here; rules across the Pod
(unique names and ports, mounts naming volumes, capabilities the profile allows) are on
``PodSpec`` (``podrules.py``).
"""

from __future__ import annotations

from functools import partial
from typing import Any, Literal, Self

from pydantic import (
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic.config import JsonDict

from sentinel.spec.crossfield import Found, exactly_one, get, not_empty, unique_ports
from sentinel.spec.fields import (
    AbsolutePath,
    Capability,
    DnsLabel,
    DnsSubdomain,
    EnvName,
    Image,
    RelativePath,
    checked,
)
from sentinel.spec.parts import (
    EnvValue,
    ExecAction,
    HttpGet,
    Port,
    Probes,
    ResizePolicy,
    Resources,
    SpecModel,
    one_of,
    unique_resize,
)
from sentinel.spec.podrules import container_rules, mount_paths_unique, not_on_init_container
from sentinel.spec.rules import INT32_MAX, Violation

ENV_FROM_SOURCES = ("configMapRef", "secretRef")
HOOK_ACTIONS = ("exec", "httpGet", "sleep")
HOOKS = ("postStart", "preStop")


# --- envFrom -----------------------------------------------------------------------------------


class SourceRef(SpecModel):
    """A whole ConfigMap or Secret in the Pod's namespace."""

    name: DnsSubdomain = Field(description="ConfigMap/Secret name (DNS-1123 subdomain).")
    optional: bool | None = Field(default=None, description="Start even if it is missing.")


class EnvFromSource(SpecModel):
    """Every key of a ConfigMap or a Secret as an environment variable (exactly one)."""

    model_config = ConfigDict(json_schema_extra=one_of(*ENV_FROM_SOURCES))

    configMapRef: SourceRef | None = Field(default=None, description="Keys of a ConfigMap.")
    secretRef: SourceRef | None = Field(default=None, description="Keys of a Secret.")
    prefix: EnvName | None = Field(
        default=None, description="Put before every key (a valid variable name itself)."
    )

    @model_validator(mode="wrap")
    @classmethod
    def _one_source(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(
            value,
            handler,
            partial(exactly_one, names=ENV_FROM_SOURCES, what="an envFrom entry"),
        )


# --- lifecycle ---------------------------------------------------------------------------------


class SleepAction(SpecModel):
    """Wait before the hook completes (e.g. let load balancers notice a stopping Pod)."""

    seconds: int = Field(
        ge=0, le=INT32_MAX, description="Seconds to sleep; at most terminationGracePeriodSeconds."
    )


class LifecycleHandler(SpecModel):
    """What a lifecycle hook does: exactly one of exec, httpGet, sleep."""

    model_config = ConfigDict(json_schema_extra=one_of(*HOOK_ACTIONS))

    exec: ExecAction | None = Field(default=None, description="Run a command in the container.")
    httpGet: HttpGet | None = Field(default=None, description="Send an HTTP GET.")
    sleep: SleepAction | None = Field(default=None, description="Sleep for some seconds.")

    @model_validator(mode="wrap")
    @classmethod
    def _one_action(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(
            value, handler, partial(exactly_one, names=HOOK_ACTIONS, what="a lifecycle hook")
        )


class Lifecycle(SpecModel):
    """Hooks run right after the container starts and before it is stopped."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    postStart: LifecycleHandler | None = Field(
        default=None, description="Run right after the container is created."
    )
    preStop: LifecycleHandler | None = Field(
        default=None, description="Run before the container is sent SIGTERM."
    )

    @model_validator(mode="wrap")
    @classmethod
    def _some(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(value, handler, partial(not_empty, names=HOOKS, what="lifecycle"))


# --- securityContext, mounts -------------------------------------------------------------------


class Capabilities(SpecModel):
    """Linux capabilities added back after kube-sentinel drops ALL."""

    add: list[Capability] = Field(
        min_length=1,
        description="NET_BIND_SERVICE under restricted; under baseline also AUDIT_WRITE, CHOWN, "
        "DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT.",
    )


def _apparmor_check(raw: Any) -> list[Found]:
    """Localhost names its profile, the other types do not; Unconfined is refused: both Pod
    Security profiles (baseline and restricted) forbid it."""
    kind, local = get(raw, "type"), get(raw, "localhostProfile")
    if kind == "Unconfined":
        return [Found(("type",), Violation(
            "AppArmor profile Unconfined is forbidden by both Pod Security profiles",
            "use RuntimeDefault, or Localhost with the localhostProfile loaded on the nodes"))]
    if kind == "Localhost" and local is None:
        return [Found((), Violation("type Localhost needs localhostProfile",
                                    "name the profile loaded on the nodes, e.g. "
                                    "localhostProfile: k8s-deny-writes"))]
    if kind != "Localhost" and local is not None:
        return [Found(("localhostProfile",), Violation(
            f"localhostProfile is only for type Localhost, not {kind}",
            "remove localhostProfile or set type: Localhost"))]
    return []


class AppArmorProfile(SpecModel):
    """The AppArmor profile of the Pod or of one container (Kubernetes 1.30+ field)."""

    type: Literal["RuntimeDefault", "Localhost", "Unconfined"] = Field(
        description="RuntimeDefault (the runtime's profile) or Localhost (a profile loaded on "
        "the node, named by localhostProfile); Unconfined is forbidden by both Pod Security "
        "profiles."
    )
    localhostProfile: str | None = Field(
        default=None, min_length=1,
        description="The node's profile name; required with type Localhost, only then.",
    )

    @model_validator(mode="wrap")
    @classmethod
    def _consistent(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(value, handler, _apparmor_check)


class ContainerSecurity(SpecModel):
    """One container's identity and root filesystem, beside the Pod-level settings."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    runAsUser: int | None = Field(
        default=None, ge=0, le=INT32_MAX, description="UID of this container; 0 only under baseline."
    )
    runAsGroup: int | None = Field(default=None, ge=0, le=INT32_MAX, description="GID.")
    runAsNonRoot: bool | None = Field(
        default=None, description="Refuse to start as root (false only under baseline)."
    )
    readOnlyRootFilesystem: bool | None = Field(default=None, description="Mount / read-only.")
    capabilities: Capabilities | None = Field(
        default=None, description="Capabilities to add (as the profile allows)."
    )
    appArmorProfile: AppArmorProfile | None = Field(
        default=None, description="This container's AppArmor profile (overrides the Pod's)."
    )

    @model_validator(mode="wrap")
    @classmethod
    def _some(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(
            value,
            handler,
            partial(
                not_empty,
                names=("runAsUser", "runAsGroup", "runAsNonRoot", "readOnlyRootFilesystem",
                       "capabilities", "appArmorProfile"),
                what="securityContext",
            ),
        )


class VolumeMount(SpecModel):
    """Where a container mounts one of the Pod's volumes."""

    name: DnsLabel = Field(description="Name of a volume under the Pod's volumes.")
    mountPath: AbsolutePath = Field(description="Absolute path in the container, unique.")
    readOnly: bool | None = Field(default=None, description="Mount read-only.")
    subPath: RelativePath | None = Field(
        default=None, description="Mount only this relative sub-path."
    )


# --- containers --------------------------------------------------------------------------------


class Container(SpecModel):
    """A further regular container of the Pod: the main container's keys, plus its name."""

    name: DnsLabel = Field(description="Container name (DNS-1123 label), unique in the Pod.")
    image: Image = Field(description="Container image: [registry[:port]/]path[:tag][@digest].")
    imagePullPolicy: Literal["Always", "IfNotPresent", "Never"] | None = Field(
        default=None, description="When to pull the image."
    )
    command: list[str] | None = Field(
        default=None, min_length=1, description="Entrypoint (replaces the image's)."
    )
    args: list[str] | None = Field(
        default=None, min_length=1, description="Arguments (replace the image's CMD)."
    )
    workingDir: AbsolutePath | None = Field(
        default=None, description="Working directory (absolute)."
    )
    env: dict[EnvName, EnvValue] = Field(
        default_factory=dict, description="Environment: NAME → text, or a reference."
    )
    envFrom: list[EnvFromSource] | None = Field(
        default=None, min_length=1, description="Whole ConfigMaps/Secrets as environment."
    )
    ports: list[Port] = Field(default_factory=list, description="Ports it listens on.")
    resources: Resources | None = Field(default=None, description="Requests and limits.")
    resizePolicy: list[ResizePolicy] | None = Field(
        default=None, min_length=1,
        description="Per resource (cpu, memory): whether an in-place resize restarts the "
        "container; one entry per resource.",
    )
    probes: Probes | None = Field(
        default=None, description="Health checks: liveness, readiness, startup."
    )
    lifecycle: Lifecycle | None = Field(
        default=None, description="postStart/preStop hooks."
    )
    securityContext: ContainerSecurity | None = Field(
        default=None, description="This container's user, group, root filesystem, capabilities."
    )
    volumeMounts: list[VolumeMount] | None = Field(
        default=None, min_length=1, description="Mounts of the Pod's volumes, by volume name."
    )

    @field_validator("ports", mode="wrap")
    @classmethod
    def _unique_ports(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> list[Port]:
        return checked(value, handler, unique_ports)

    @field_validator("resizePolicy", mode="wrap")
    @classmethod
    def _unique_resize(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return checked(value, handler, unique_resize)

    @field_validator("volumeMounts", mode="wrap")
    @classmethod
    def _unique_mounts(
        cls, value: Any, handler: ValidatorFunctionWrapHandler
    ) -> list[VolumeMount] | None:
        mounts: list[VolumeMount] | None = checked(value, handler, mount_paths_unique)
        return mounts

    @model_validator(mode="wrap")
    @classmethod
    def _own_ports(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(value, handler, container_rules)


def _init_check(raw: Any) -> list[Found]:
    return not_on_init_container(raw)


NOT_ON_INIT = {
    "probes": "Not allowed on an init container: it runs to completion (a sidecar may have "
    "probes).",
    "lifecycle": "Not allowed on an init container: it runs to completion (a sidecar may have "
    "lifecycle hooks).",
}


def _init_schema(schema: JsonDict) -> None:
    """Publish what the loader enforces: an init container's probes and lifecycle keys exist
    (the loader names them and says why they are refused) but no value is valid for them."""
    properties = schema.get("properties")
    for key, why in NOT_ON_INIT.items():
        node = properties.get(key) if isinstance(properties, dict) else None
        if isinstance(node, dict):
            node["not"] = {}
            node["description"] = why


class InitContainer(Container):
    """Runs to completion before the others start, in list order; no probes or lifecycle hooks."""

    model_config = ConfigDict(json_schema_extra=_init_schema)

    @model_validator(mode="wrap")
    @classmethod
    def _runs_to_completion(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(value, handler, _init_check)
