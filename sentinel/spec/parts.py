"""The parts of a spec below the Pod: env references, ports, resources, probes.

Each class mirrors one mapping of the spec file (same keys as Kubernetes) and applies the rules
that only need its own fields — exactly one probe action or env source, request ≤ limit,
successThreshold 1 for liveness/startup — through ``checked`` wrap validators, whose checks
live in ``crossfield.py``. Rules across the whole Pod (named probe ports, unique names) are on
``PodSpec`` in ``model.py``; volumes are in ``volumes.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    ModelWrapValidatorHandler,
    Tag,
    model_validator,
)

from sentinel.spec.crossfield import (
    PROBE_KINDS,
    RESOURCES,
    Found,
    _duplicates,
    exactly_one,
    get,
    not_empty,
    request_within_limit,
    success_threshold,
)
from sentinel.spec.fields import (
    AbsolutePath,
    ConfigKey,
    DnsLabel,
    DnsSubdomain,
    FieldPath,
    HeaderName,
    PortName,
    PortRef,
    Quantity,
    ResourceName,
    checked,
)
from sentinel.spec.podrules import divisor_fits
from sentinel.spec.quantity import HINT as QUANTITY_HINT
from sentinel.spec.quantity import QUANTITY, QuantityError, parse_quantity, quantity_text
from sentinel.spec.rules import (
    EXTENDED_RESOURCE,
    HUGEPAGES,
    INT32_MAX,
    Violation,
    anchored,
    resource_kind,
    shown,
)


class SpecModel(BaseModel):
    """Shared config: unknown keys are errors, no type coercion, immutable, built on first use."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


ENV_SOURCES = ("secretKeyRef", "configMapKeyRef", "fieldRef", "resourceFieldRef")
PROBE_ACTIONS = ("http", "tcp", "exec", "grpc")


def _resources_check(raw: Any) -> list[Found]:
    return not_empty(raw, ("requests", "limits"), "resources") + request_within_limit(raw)


def _probes_check(raw: Any) -> list[Found]:
    return not_empty(raw, PROBE_KINDS, "probes") + success_threshold(raw)


def one_of(*names: str) -> dict[str, Any]:
    return {"oneOf": [{"required": [n]} for n in names]}


# --- env ---------------------------------------------------------------------------------------


class KeyRef(SpecModel):
    """A key of a Secret or ConfigMap in the Pod's namespace."""

    name: DnsSubdomain = Field(description="Secret/ConfigMap name (DNS-1123 subdomain).")
    key: ConfigKey = Field(description="Key inside its data.")
    optional: bool | None = Field(
        default=None, description="Start the Pod even if the key is missing."
    )


class FieldRef(SpecModel):
    """A field of the Pod itself (downward API), e.g. metadata.name or status.podIP."""

    fieldPath: FieldPath = Field(
        description="metadata.name, metadata.namespace, metadata.uid, metadata.labels['KEY'], "
        "metadata.annotations['KEY'], spec.nodeName, spec.serviceAccountName, status.hostIP, "
        "status.hostIPs, status.podIP or status.podIPs."
    )
    apiVersion: Literal["v1"] | None = Field(default=None, description="Schema version: v1.")


class ResourceFieldRef(SpecModel):
    """A container's request or limit (downward API), e.g. limits.memory."""

    resource: ResourceName = Field(
        description="requests.cpu, limits.cpu, requests.memory, limits.memory, "
        "requests.ephemeral-storage, limits.ephemeral-storage (or hugepages-SIZE)."
    )
    containerName: DnsLabel | None = Field(
        default=None, description="Whose resources (default: this container); must exist."
    )
    divisor: Quantity | None = Field(
        default=None, description="Unit of the value: 1m or 1 for cpu; 1, 1Ki, 1Mi, 1Gi, … else."
    )

    @model_validator(mode="wrap")
    @classmethod
    def _divisor(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(value, handler, divisor_fits)


class EnvFrom(SpecModel):
    """An environment value read from a Secret or ConfigMap key, or the downward API (one)."""

    model_config = ConfigDict(json_schema_extra=one_of(*ENV_SOURCES))

    secretKeyRef: KeyRef | None = Field(
        default=None, description="Read the value from a Secret key."
    )
    configMapKeyRef: KeyRef | None = Field(
        default=None, description="Read the value from a ConfigMap key."
    )
    fieldRef: FieldRef | None = Field(
        default=None, description="Read a field of the Pod (downward API)."
    )
    resourceFieldRef: ResourceFieldRef | None = Field(
        default=None, description="Read a container's request or limit (downward API)."
    )

    @model_validator(mode="wrap")
    @classmethod
    def _one_source(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(
            value, handler, partial(exactly_one, names=ENV_SOURCES, what="an env reference")
        )


def _env_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "<text>"
    if isinstance(value, dict | EnvFrom):
        return "<ref>"
    return None


# Tags start with "<" so the loader can drop them from error locations (no real key can).
EnvValue = Annotated[
    Annotated[str, Tag("<text>")] | Annotated[EnvFrom, Tag("<ref>")],
    Discriminator(
        _env_kind,
        custom_error_type="env_value",
        custom_error_message="an env value must be text or a secretKeyRef/configMapKeyRef/"
        "fieldRef/resourceFieldRef map",
    ),
]


# --- ports, resources --------------------------------------------------------------------------


class Port(SpecModel):
    """A port the container listens on."""

    name: PortName | None = Field(
        default=None, description="IANA service name (≤ 15, e.g. http); probes may refer to it."
    )
    containerPort: int = Field(ge=1, le=65535, description="Port number, 1-65535.")
    protocol: Literal["TCP", "UDP", "SCTP"] = Field(
        default="TCP", description="TCP (default), UDP, SCTP."
    )


def _resource_names(raw: Any) -> list[Found]:
    """Keys are cpu, memory, ephemeral-storage, hugepages-SIZE or domain/name; values fit."""
    if not isinstance(raw, Mapping):
        return []
    out = []
    for key, value in raw.items():
        kind = resource_kind(key) if isinstance(key, str) else None
        if kind is None:
            out.append(Found((key,), _unknown_resource(str(key))))
        elif kind != "native":
            bad = _amount(value, whole=kind == "extended", name=key)
            if bad is not None:
                out.append(Found((key,), bad))
    if not raw:
        out += not_empty(raw, RESOURCES, "a resource list")
    return out


def _unknown_resource(key: str) -> Violation:
    if key == "pids":
        return Violation("pids is not a container resource: Kubernetes limits processes per Pod",
                         "set podResources.limits.pids instead")
    import difflib  # only files with a typo pay for it

    folded = {k.replace("-", "").replace("_", "").lower(): k for k in RESOURCES}
    close = folded.get(key.replace("-", "").replace("_", "").lower()) or next(
        iter(difflib.get_close_matches(key, RESOURCES, n=1, cutoff=0.6)), None)
    hint = (f"did you mean {close!r}?" if close else
            "use cpu, memory, ephemeral-storage, hugepages-<size> (e.g. hugepages-2Mi) or an "
            "extended resource domain/name such as nvidia.com/gpu")
    return Violation(f"unknown key {shown(key)}", hint)


def _amount(value: Any, *, whole: bool, name: str) -> Violation | None:
    text = quantity_text(value)
    if text is None:
        return Violation(f"expected a quantity, got {type(value).__name__}", QUANTITY_HINT)
    try:
        number = parse_quantity(text)
    except QuantityError as exc:
        return Violation(str(exc), QUANTITY_HINT)
    if number < 0:
        return Violation(f"quantity {shown(text)} is negative", "requests and limits must be ≥ 0")
    if whole and number.denominator != 1:
        return Violation(f"{name} must be a whole number, not {shown(text)}",
                         "extended resources are counted in whole units, e.g. 1")
    return None


def amounts_as_text(raw: Any) -> Any:
    """A resource list with its numbers (JSON data: ``nvidia.com/gpu: 1``) as quantity text.

    Named fields (cpu, memory, …) are ``Quantity`` and keep text already; hugepages-<size> and
    domain/name amounts are extra keys, kept as given. Written out here, the same spec read from
    JSON and from YAML (where every scalar is text) makes the same model, and dump_spec can
    write it (the strictyaml resource list holds text).
    """
    if not isinstance(raw, dict):
        return raw
    return {k: text if (text := quantity_text(v)) is not None and not isinstance(v, str) else v
            for k, v in raw.items()}


class ResourceList(SpecModel):
    """Amounts per resource, in Kubernetes quantity syntax (250m, 0.5, 128Mi, 1Gi): cpu, memory,
    ephemeral-storage, hugepages-<size>, and extended resources (domain/name, whole numbers)."""

    model_config = ConfigDict(
        extra="allow",  # hugepages-<size> and domain/name keys, checked by _resource_names
        json_schema_extra={
            "minProperties": 1,
            "additionalProperties": False,
            "patternProperties": {
                anchored(HUGEPAGES): {
                    "description": "Huge pages of that size (request = limit), e.g. 1Gi.",
                    "anyOf": [{"type": "string", "pattern": anchored(QUANTITY)},
                              {"type": "number", "minimum": 0}],
                },
                anchored(EXTENDED_RESOURCE): {
                    "description": "An extended resource such as nvidia.com/gpu: a whole "
                    "number; request = limit, a request needs a limit.",
                    "anyOf": [{"type": "string", "pattern": "^[0-9]+$"},
                              {"type": "integer", "minimum": 0}],
                },
            },
        },
    )

    cpu: Quantity | None = Field(default=None, description="CPU cores: 250m, 0.5, 2.")
    memory: Quantity | None = Field(default=None, description="Bytes: 128Mi, 1Gi, 500M.")
    ephemeral_storage: Quantity | None = Field(
        default=None, alias="ephemeral-storage", description="Scratch disk bytes: 1Gi."
    )

    @model_validator(mode="wrap")
    @classmethod
    def _some(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(amounts_as_text(value), handler, _resource_names)


class Resources(SpecModel):
    """Requests (what the scheduler reserves) and limits (the hard cap)."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    requests: ResourceList | None = Field(default=None, description="Reserved amounts.")
    limits: ResourceList | None = Field(
        default=None, description="Maximum amounts; each ≥ its request."
    )

    @model_validator(mode="wrap")
    @classmethod
    def _within_limits(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(value, handler, _resources_check)


PIDS_MIN, PIDS_MAX = 128, 16384  # Kubernetes 1.37 (PerPodPIDLimit): limits.pids only


def _pids(value: Any) -> list[Found]:
    # A malformed or negative quantity is reported by the field's own type (Quantity).
    text = quantity_text(value)
    if text is None or _amount(value, whole=False, name="pids") is not None:
        return []
    number = parse_quantity(text)
    if number.denominator == 1 and PIDS_MIN <= number <= PIDS_MAX:
        return []
    return [Found(("pids",), Violation(
        f"pids limit {shown(text)} is not a whole number from {PIDS_MIN} to {PIDS_MAX}",
        "write a number of processes, e.g. '2048'"))]


def _pod_resource_names(raw: Any, *, limits: bool = False) -> list[Found]:
    """Pod-level resources are cpu, memory and hugepages-<size> (Kubernetes' supported
    pod-level resources), and in limits only pids (Kubernetes 1.37); other names are refused
    with that reason."""
    if not isinstance(raw, Mapping):
        return []
    out = []
    for key in raw:
        if key == "pids" and not limits:
            out.append(Found((key,), Violation(
                "pids can only be limited: Kubernetes forbids a pids request",
                "move pids to podResources.limits")))
        elif isinstance(key, str) and resource_kind(key) is not None and not (
                key in ("cpu", "memory") or resource_kind(key) == "hugepages"):
            out.append(Found((key,), Violation(
                f"{shown(key)} is not a pod-level resource",
                "pod-level resources are cpu, memory and hugepages-<size>; set "
                f"{key} on a container's resources")))
    if "pids" in raw:
        out += _pids(raw["pids"]) if limits else []
        rest = {k: v for k, v in raw.items() if k != "pids"}
        return out + (_resource_names(rest) if rest else [])
    return out + _resource_names(raw)


class PodResourceList(SpecModel):
    """Pod-level amounts: cpu, memory and hugepages-<size> (Kubernetes quantity syntax)."""

    model_config = ConfigDict(
        extra="allow",  # hugepages-<size> keys, checked by _pod_resource_names
        json_schema_extra={
            "minProperties": 1,
            "additionalProperties": False,
            "patternProperties": {
                anchored(HUGEPAGES): {
                    "description": "Huge pages of that size (request = limit), e.g. 1Gi.",
                    "anyOf": [{"type": "string", "pattern": anchored(QUANTITY)},
                              {"type": "number", "minimum": 0}],
                },
            },
        },
    )

    cpu: Quantity | None = Field(default=None, description="CPU cores for the whole Pod: 1, 500m.")
    memory: Quantity | None = Field(default=None, description="Bytes for the whole Pod: 256Mi.")

    @model_validator(mode="wrap")
    @classmethod
    def _some(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(amounts_as_text(value), handler, _pod_resource_names)


class PodLimitList(PodResourceList):
    """Pod-level limits: cpu, memory, hugepages-<size>, and pids (a Pod-wide process limit)."""

    pids: Quantity | None = Field(
        default=None, description="Most processes (PIDs) the whole Pod may run: a whole number "
        f"{PIDS_MIN}-{PIDS_MAX} (Kubernetes 1.37+, feature gate PerPodPIDLimit, cgroup v2 "
        "nodes; the node's own limit caps it). A limit only; never on a container.",
    )

    @model_validator(mode="wrap")
    @classmethod
    def _some(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(amounts_as_text(value), handler, partial(_pod_resource_names, limits=True))


class PodResources(SpecModel):
    """Pod-level requests and limits (Kubernetes ``spec.resources``, 1.32+): a budget the
    containers share; each request ≤ its limit, the containers' requests add up to at most the
    Pod's, and no container's limit is above the Pod's."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    requests: PodResourceList | None = Field(
        default=None, description="Reserved for the whole Pod."
    )
    limits: PodLimitList | None = Field(
        default=None, description="Cap for the whole Pod; each ≥ its request; pids here only."
    )

    @model_validator(mode="wrap")
    @classmethod
    def _within_limits(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(value, handler, _resources_check)


class ResizePolicy(SpecModel):
    """What an in-place resize of one resource does to the container (Kubernetes 1.33+)."""

    resourceName: Literal["cpu", "memory"] = Field(description="cpu or memory.")
    restartPolicy: Literal["NotRequired", "RestartContainer"] = Field(
        description="NotRequired (resize the running container) or RestartContainer."
    )


def unique_resize(raw: Any) -> list[Found]:
    """One resizePolicy entry per resource."""
    items = list(raw) if isinstance(raw, list | tuple) else []
    names = [get(item, "resourceName") for item in items]
    names = [n if isinstance(n, str) else None for n in names]
    return [Found((i, "resourceName"), Violation(
        f"resourceName {shown(names[i])} is listed twice", "keep one entry per resource"))
        for i in _duplicates(names)]


# --- probes ------------------------------------------------------------------------------------


class HttpHeader(SpecModel):
    """One request header of an HTTP check."""

    name: HeaderName = Field(description="Header name: letters, digits and '-'.")
    value: str = Field(description="Header value.")


class HttpGet(SpecModel):
    """Probe by HTTP GET; 2xx/3xx is success."""

    path: AbsolutePath = Field(description="Absolute URL path, e.g. /healthz.")
    port: PortRef = Field(description="Port number or a port name from this container's ports.")
    scheme: Literal["HTTP", "HTTPS"] | None = Field(
        default=None, description="HTTP (default) or HTTPS."
    )
    httpHeaders: list[HttpHeader] | None = Field(
        default=None, min_length=1, description="Extra request headers (name, value)."
    )


class GrpcAction(SpecModel):
    """Probe by the gRPC health checking protocol (grpc.health.v1)."""

    port: int = Field(ge=1, le=65535, description="Port number, 1-65535 (gRPC takes no names).")
    service: str | None = Field(
        default=None, description="Service name sent in the HealthCheckRequest."
    )


class TcpSocket(SpecModel):
    """Probe by opening a TCP connection."""

    port: PortRef = Field(description="Port number or a port name from ports.")


class ExecAction(SpecModel):
    """Probe by running a command in the container; exit 0 is success."""

    command: list[str] = Field(min_length=1, description="Command and arguments (no shell).")


class Probe(SpecModel):
    """A health check: exactly one of http, tcp, exec, grpc, plus optional timing."""

    model_config = ConfigDict(json_schema_extra=one_of(*PROBE_ACTIONS))

    http: HttpGet | None = Field(default=None, description="HTTP GET check.")
    tcp: TcpSocket | None = Field(default=None, description="TCP connect check.")
    exec: ExecAction | None = Field(default=None, description="Command check.")
    grpc: GrpcAction | None = Field(default=None, description="gRPC health check.")
    initialDelaySeconds: int | None = Field(
        default=None, ge=0, le=INT32_MAX, description="Seconds before the first check (≥ 0)."
    )
    periodSeconds: int | None = Field(
        default=None, ge=1, le=INT32_MAX, description="Seconds between checks (≥ 1, default 10)."
    )
    timeoutSeconds: int | None = Field(
        default=None, ge=1, le=INT32_MAX, description="Seconds before a check times out (≥ 1)."
    )
    failureThreshold: int | None = Field(
        default=None, ge=1, le=INT32_MAX, description="Failures in a row that count (≥ 1)."
    )
    successThreshold: int | None = Field(
        default=None,
        ge=1,
        le=INT32_MAX,
        description="Successes in a row that count (≥ 1; must be 1 for liveness and startup).",
    )

    @model_validator(mode="wrap")
    @classmethod
    def _one_action(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(value, handler, partial(exactly_one, names=PROBE_ACTIONS, what="a probe"))

    def port(self) -> int | str | None:
        """The port the probe checks, if it checks one."""
        action = self.http or self.tcp
        return action.port if action is not None else None


class Probes(SpecModel):
    """Health checks of the container."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    liveness: Probe | None = Field(default=None, description="Restart the container when it fails.")
    readiness: Probe | None = Field(
        default=None, description="Take the Pod out of Services when it fails."
    )
    startup: Probe | None = Field(
        default=None, description="Hold the other probes until it succeeds."
    )

    @model_validator(mode="wrap")
    @classmethod
    def _success_threshold(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(value, handler, _probes_check)

    def items(self) -> list[tuple[str, Probe]]:
        """The probes that are set, as (kind, probe)."""
        return [(k, p) for k in PROBE_KINDS if (p := getattr(self, k)) is not None]
