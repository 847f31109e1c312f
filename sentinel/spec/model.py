"""The spec file format, as one pydantic model that enforces Kubernetes' admission rules.

One file describes one Pod with one container named after it. Keys follow the Kubernetes field
names; ``PodSpec`` attribute names equal the spec keys (only ``ephemeral-storage`` needs an alias),
so the renderer maps fields one to one. The JSON Schema (``schema.json_schema()``) is generated
from these classes, so every description below is also the published contract.

Format reference (every key; only ``name`` and ``image`` are required)::

    name: web                          # DNS-1123 label, ≤ 63: Pod and container name
    namespace: shop                    # DNS-1123 label; default "default"
    labels:                            # label key → label value (both Kubernetes label rules)
      app.kubernetes.io/part-of: shop
    annotations:                       # label-style key → any text; ≤ 256 KiB in total
      example.com/owner: team-web
    image: nginxinc/nginx-unprivileged:1.27   # [registry[:port]/]path[:tag][@digest]
    imagePullPolicy: IfNotPresent      # Always | IfNotPresent | Never
    command:                           # list of strings (replaces the image ENTRYPOINT)
      - nginx
    args:                              # list of strings (replaces the image CMD)
      - -g
      - daemon off;
    workingDir: /srv                   # absolute path
    env:                               # NAME → text, or a Secret / ConfigMap key reference
      LOG_LEVEL: info
      DB_PASSWORD:
        secretKeyRef:                  # or configMapKeyRef; both take name, key, optional
          name: db
          key: password
    ports:
      - name: http                     # optional IANA service name, unique
        containerPort: 8080            # 1-65535; with protocol unique
        protocol: TCP                  # TCP (default) | UDP | SCTP
    resources:                         # cpu, memory, ephemeral-storage; request ≤ limit
      requests:
        cpu: 100m
        memory: 64Mi
      limits:
        cpu: "1"
        memory: 128Mi
    probes:                            # liveness | readiness | startup
      readiness:
        http:                          # exactly one of http / tcp / exec
          path: /healthz
          port: http                   # a number or a name from ports
        periodSeconds: 5               # also initialDelaySeconds, timeoutSeconds,
                                       # failureThreshold, successThreshold
      liveness:
        tcp:
          port: 8080
    restartPolicy: Always              # Always | OnFailure | Never
    serviceAccountName: web            # DNS-1123 subdomain
    nodeSelector:
      kubernetes.io/os: linux
    volumes:
      - name: cache                    # DNS-1123 label, unique
        emptyDir:                      # or configMap / secret / persistentVolumeClaim
        mountPath: /var/cache/nginx    # absolute, unique
        readOnly: false
    security: restricted               # Pod Security Standards profile: restricted | baseline
    runAsUser: 101                     # 0 (root) only under baseline
    runAsGroup: 101
    fsGroup: 101
    readOnlyRootFilesystem: true
    output_path: shop/web.yaml         # relative to the output folder; default <namespace>/<name>.yaml
    apply: true                        # whether `doit apply` includes this Pod
"""

from __future__ import annotations

from fractions import Fraction
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sentinel.spec import rules
from sentinel.spec.fields import (
    AbsolutePath,
    AnnotationKey,
    ConfigKey,
    DnsLabel,
    DnsSubdomain,
    EnvName,
    Image,
    LabelKey,
    LabelValue,
    Loc,
    PortName,
    PortRef,
    Quantity,
    RelativePath,
    fail,
    violations,
)
from sentinel.spec.quantity import format_fraction, parse_quantity
from sentinel.spec.rules import INT32_MAX, Violation


class _Model(BaseModel):
    """Shared config: unknown keys are errors, no type coercion, immutable, built on first use."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


def _exactly_one(model: BaseModel, names: tuple[str, ...], what: str) -> None:
    given = [n for n in names if getattr(model, n) is not None]
    if len(given) != 1:
        found = ", ".join(given) if given else "none"
        fail(Violation(f"{what} needs exactly one of {', '.join(names)} (found: {found})",
                       f"keep exactly one of {', '.join(names)}"))


def _one_of(*names: str) -> dict[str, Any]:
    return {"oneOf": [{"required": [n]} for n in names]}


# --- env ---------------------------------------------------------------------------------------

class KeyRef(_Model):
    """A key of a Secret or ConfigMap in the Pod's namespace."""

    name: DnsSubdomain = Field(description="Secret/ConfigMap name (DNS-1123 subdomain).")
    key: ConfigKey = Field(description="Key inside its data.")
    optional: bool | None = Field(None, description="Start the Pod even if the key is missing.")


class EnvFrom(_Model):
    """An environment value read from a Secret or a ConfigMap key (exactly one)."""

    model_config = ConfigDict(json_schema_extra=_one_of("secretKeyRef", "configMapKeyRef"))

    secretKeyRef: KeyRef | None = Field(None, description="Read the value from a Secret key.")
    configMapKeyRef: KeyRef | None = Field(None, description="Read the value from a ConfigMap key.")

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        _exactly_one(self, ("secretKeyRef", "configMapKeyRef"), "an env reference")
        return self


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
        custom_error_message="an env value must be text or a secretKeyRef/configMapKeyRef map",
    ),
]


# --- ports, resources --------------------------------------------------------------------------

class Port(_Model):
    """A port the container listens on."""

    name: PortName | None = Field(None, description="IANA service name (≤ 15, e.g. http); "
                                  "probes may refer to it.")
    containerPort: int = Field(ge=1, le=65535, description="Port number, 1-65535.")
    protocol: Literal["TCP", "UDP", "SCTP"] = Field("TCP", description="TCP (default), UDP, SCTP.")


def _not_empty(model: BaseModel, what: str) -> None:
    # YAML cannot write an empty map here (`resources:` with nothing is an error), so data
    # must not either: leave the key out instead.
    if all(getattr(model, name) is None for name in type(model).model_fields):
        fields = ", ".join(f.alias or n for n, f in type(model).model_fields.items())
        fail(Violation(f"{what} needs at least one of {fields}",
                       f"add one of {fields}, or leave {what} out"))


class ResourceList(_Model):
    """Amounts per resource, in Kubernetes quantity syntax (250m, 0.5, 128Mi, 1Gi)."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    cpu: Quantity | None = Field(None, description="CPU cores: 250m, 0.5, 2.")
    memory: Quantity | None = Field(None, description="Bytes: 128Mi, 1Gi, 500M.")
    ephemeral_storage: Quantity | None = Field(
        None, alias="ephemeral-storage", description="Scratch disk bytes: 1Gi."
    )

    @model_validator(mode="after")
    def _some(self) -> Self:
        _not_empty(self, "a resource list")
        return self


_RESOURCE_KEYS = {"cpu": "cpu", "memory": "memory", "ephemeral_storage": "ephemeral-storage"}


class Resources(_Model):
    """Requests (what the scheduler reserves) and limits (the hard cap)."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    requests: ResourceList | None = Field(None, description="Reserved amounts.")
    limits: ResourceList | None = Field(None, description="Maximum amounts; each ≥ its request.")

    @model_validator(mode="after")
    def _request_not_above_limit(self) -> Self:
        _not_empty(self, "resources")
        if self.requests is None or self.limits is None:
            return self
        found: list[tuple[Loc, Violation]] = []
        for attr, key in _RESOURCE_KEYS.items():
            req, lim = getattr(self.requests, attr), getattr(self.limits, attr)
            if req is None or lim is None:
                continue
            req_v, lim_v = parse_quantity(req), parse_quantity(lim)
            if req_v > lim_v:
                found.append((("requests", key), Violation(
                    f"request {req} ({format_fraction(req_v)}) is above the limit {lim} "
                    f"({format_fraction(lim_v)})",
                    f"lower the request or raise limits.{key} to at least {req}",
                )))
        violations(found)
        return self


# --- probes ------------------------------------------------------------------------------------

class HttpGet(_Model):
    """Probe by HTTP GET; 2xx/3xx is success."""

    path: AbsolutePath = Field(description="Absolute URL path, e.g. /healthz.")
    port: PortRef = Field(description="Port number or a port name from ports.")
    scheme: Literal["HTTP", "HTTPS"] | None = Field(None, description="HTTP (default) or HTTPS.")


class TcpSocket(_Model):
    """Probe by opening a TCP connection."""

    port: PortRef = Field(description="Port number or a port name from ports.")


class ExecAction(_Model):
    """Probe by running a command in the container; exit 0 is success."""

    command: list[str] = Field(min_length=1, description="Command and arguments (no shell).")


class Probe(_Model):
    """A health check: exactly one of http, tcp, exec, plus optional timing."""

    model_config = ConfigDict(json_schema_extra=_one_of("http", "tcp", "exec"))

    http: HttpGet | None = Field(None, description="HTTP GET check.")
    tcp: TcpSocket | None = Field(None, description="TCP connect check.")
    exec: ExecAction | None = Field(None, description="Command check.")
    initialDelaySeconds: int | None = Field(None, ge=0, le=INT32_MAX,
                                            description="Seconds before the first check (≥ 0).")
    periodSeconds: int | None = Field(None, ge=1, le=INT32_MAX,
                                      description="Seconds between checks (≥ 1, default 10).")
    timeoutSeconds: int | None = Field(None, ge=1, le=INT32_MAX,
                                       description="Seconds before a check times out (≥ 1).")
    failureThreshold: int | None = Field(None, ge=1, le=INT32_MAX,
                                         description="Failures in a row that count (≥ 1).")
    successThreshold: int | None = Field(None, ge=1, le=INT32_MAX,
                                         description="Successes in a row that count (≥ 1; "
                                         "must be 1 for liveness and startup).")

    @model_validator(mode="after")
    def _one_action(self) -> Self:
        _exactly_one(self, ("http", "tcp", "exec"), "a probe")
        return self

    def port(self) -> int | str | None:
        """The port the probe checks, if it checks one."""
        action = self.http or self.tcp
        return action.port if action is not None else None


class Probes(_Model):
    """Health checks of the container."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    liveness: Probe | None = Field(None, description="Restart the container when it fails.")
    readiness: Probe | None = Field(None, description="Take the Pod out of Services when it fails.")
    startup: Probe | None = Field(None, description="Hold the other probes until it succeeds.")

    @model_validator(mode="after")
    def _success_threshold(self) -> Self:
        _not_empty(self, "probes")
        found: list[tuple[Loc, Violation]] = []
        for kind in ("liveness", "startup"):
            probe = getattr(self, kind)
            if probe is not None and probe.successThreshold not in (None, 1):
                found.append(((kind, "successThreshold"), Violation(
                    f"must be 1 for a {kind} probe",
                    "set successThreshold: 1 or remove it",
                )))
        violations(found)
        return self

    def items(self) -> list[tuple[str, Probe]]:
        """The probes that are set, as (kind, probe)."""
        return [(k, p) for k in ("liveness", "readiness", "startup")
                if (p := getattr(self, k)) is not None]


# --- volumes -----------------------------------------------------------------------------------

class EmptyDir(_Model):
    """A scratch folder that lives as long as the Pod (write `emptyDir:` with no value)."""

    medium: Literal["", "Memory"] | None = Field(None, description='"" (disk) or Memory (tmpfs).')
    sizeLimit: Quantity | None = Field(None, description="Maximum size, e.g. 1Gi.")


class ConfigMapVolume(_Model):
    """Files from a ConfigMap."""

    name: DnsSubdomain = Field(description="ConfigMap name.")
    optional: bool | None = Field(None, description="Start even if the ConfigMap is missing.")


class SecretVolume(_Model):
    """Files from a Secret."""

    secretName: DnsSubdomain = Field(description="Secret name.")
    optional: bool | None = Field(None, description="Start even if the Secret is missing.")


class PvcVolume(_Model):
    """A PersistentVolumeClaim in the Pod's namespace."""

    claimName: DnsSubdomain = Field(description="PersistentVolumeClaim name.")
    readOnly: bool | None = Field(None, description="Attach the volume read-only.")


class Volume(_Model):
    """A volume (exactly one source) and where the container mounts it."""

    model_config = ConfigDict(
        json_schema_extra=_one_of("emptyDir", "configMap", "secret", "persistentVolumeClaim")
    )

    name: DnsLabel = Field(description="Volume name (DNS-1123 label), unique.")
    emptyDir: EmptyDir | None = Field(None, description="Scratch space; write `emptyDir:` empty.")
    configMap: ConfigMapVolume | None = Field(None, description="Files from a ConfigMap.")
    secret: SecretVolume | None = Field(None, description="Files from a Secret.")
    persistentVolumeClaim: PvcVolume | None = Field(None, description="A claimed volume.")
    mountPath: AbsolutePath = Field(description="Absolute path in the container, unique.")
    readOnly: bool | None = Field(None, description="Mount read-only.")
    subPath: RelativePath | None = Field(None, description="Mount only this relative sub-path.")

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        _exactly_one(self, ("emptyDir", "configMap", "secret", "persistentVolumeClaim"),
                     "a volume")
        return self


# --- the Pod -----------------------------------------------------------------------------------

def _duplicates(values: list[Any]) -> list[int]:
    """Indexes of values already seen earlier in the list."""
    seen: set[Any] = set()
    dups = []
    for i, value in enumerate(values):
        if value is not None and value in seen:
            dups.append(i)
        seen.add(value)
    return dups


class PodSpec(_Model):
    """A kube-sentinel spec file: one Pod with one container, validated against Kubernetes rules."""

    model_config = ConfigDict(title="kube-sentinel Pod spec")

    name: DnsLabel = Field(description="Pod and container name (DNS-1123 label, ≤ 63).",
                          examples=["web"])
    namespace: DnsLabel = Field("default", description="Namespace (DNS-1123 label).")
    labels: dict[LabelKey, LabelValue] = Field(
        default_factory=dict, description="Pod labels (Kubernetes label key/value rules).")
    annotations: dict[AnnotationKey, str] = Field(
        default_factory=dict, description="Pod annotations (≤ 256 KiB of keys and values).")
    image: Image = Field(description="Container image: [registry[:port]/]path[:tag][@digest].",
                         examples=["nginxinc/nginx-unprivileged:1.27"])
    imagePullPolicy: Literal["Always", "IfNotPresent", "Never"] | None = Field(
        None, description="When to pull the image.")
    command: list[str] | None = Field(None, min_length=1,
                                      description="Entrypoint (replaces the image's).")
    args: list[str] | None = Field(None, min_length=1,
                                   description="Arguments (replace the image's CMD).")
    workingDir: AbsolutePath | None = Field(None, description="Working directory (absolute).")
    env: dict[EnvName, EnvValue] = Field(
        default_factory=dict,
        description="Environment: NAME → text, or {secretKeyRef|configMapKeyRef: {name, key}}.")
    ports: list[Port] = Field(default_factory=list, description="Ports the container listens on.")
    resources: Resources | None = Field(None, description="CPU/memory/ephemeral-storage "
                                        "requests and limits.")
    probes: Probes | None = Field(None, description="Liveness, readiness and startup checks.")
    volumes: list[Volume] = Field(default_factory=list, description="Volumes with their mounts.")
    restartPolicy: Literal["Always", "OnFailure", "Never"] | None = Field(
        None, description="Always (default), OnFailure or Never.")
    serviceAccountName: DnsSubdomain | None = Field(
        None, description="Service account (DNS-1123 subdomain).")
    nodeSelector: dict[LabelKey, LabelValue] = Field(
        default_factory=dict, description="Node labels the Pod must run on.")
    security: Literal["restricted", "baseline"] = Field(
        "restricted", description="Pod Security Standards profile the manifest must pass.")
    runAsUser: int | None = Field(None, ge=0, le=INT32_MAX,
                                  description="UID of the process; 0 only under baseline.")
    runAsGroup: int | None = Field(None, ge=0, le=INT32_MAX, description="GID of the process.")
    fsGroup: int | None = Field(None, ge=0, le=INT32_MAX, description="GID owning volumes.")
    readOnlyRootFilesystem: bool | None = Field(None, description="Mount / read-only.")
    output_path: RelativePath | None = Field(
        None, description="Manifest path relative to the output folder; "
                          "default <namespace>/<name>.yaml.")
    apply: bool = Field(True, description="Whether `doit apply` applies this Pod.")

    @field_validator("annotations")
    @classmethod
    def _annotations_size(cls, value: dict[str, str]) -> dict[str, str]:
        total = sum(len(k.encode()) + len(v.encode()) for k, v in value.items())
        if total > rules.ANNOTATIONS_TOTAL_MAX:
            fail(Violation(f"annotations total {total} bytes (max {rules.ANNOTATIONS_TOTAL_MAX})",
                           "move large data to a ConfigMap"))
        return value

    @field_validator("ports")
    @classmethod
    def _unique_ports(cls, value: list[Port]) -> list[Port]:
        found: list[tuple[Loc, Violation]] = []
        for i in _duplicates([p.name for p in value]):
            found.append(((i, "name"), Violation(f"port name {value[i].name!r} is used twice",
                                                 "give each port its own name")))
        for i in _duplicates([(p.containerPort, p.protocol) for p in value]):
            found.append(((i, "containerPort"), Violation(
                f"containerPort {value[i].containerPort}/{value[i].protocol} is listed twice",
                "list each port and protocol once")))
        violations(found)
        return value

    @field_validator("probes")
    @classmethod
    def _probe_ports_exist(cls, value: Probes | None, info: ValidationInfo) -> Probes | None:
        if value is None or "ports" not in info.data:
            return value
        names = {p.name for p in info.data["ports"] if p.name}
        found: list[tuple[Loc, Violation]] = []
        for kind, probe in value.items():
            port = probe.port()
            if isinstance(port, str) and port not in names:
                action = "http" if probe.http is not None else "tcp"
                known = ", ".join(sorted(names)) or "none"
                found.append(((kind, action, "port"), Violation(
                    f"probe port {port!r} is not a named port (named ports: {known})",
                    f"add a port with name: {port} under ports, or use the port number")))
        violations(found, depends=("ports",))
        return value

    @field_validator("volumes")
    @classmethod
    def _unique_volumes(cls, value: list[Volume]) -> list[Volume]:
        found: list[tuple[Loc, Violation]] = []
        for i in _duplicates([v.name for v in value]):
            found.append(((i, "name"), Violation(f"volume name {value[i].name!r} is used twice",
                                                 "give each volume its own name")))
        for i in _duplicates([v.mountPath.rstrip("/") or "/" for v in value]):
            found.append(((i, "mountPath"), Violation(
                f"mountPath {value[i].mountPath!r} is used by another volume",
                "mount each volume at its own path")))
        violations(found)
        return value

    @field_validator("runAsUser")
    @classmethod
    def _no_root_when_restricted(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value == 0 and info.data.get("security", "restricted") == "restricted":
            fail(Violation("0 (root) is not allowed under the restricted profile",
                           "use a non-zero UID, or set security: baseline"),
                 depends=("security",))
        return value

    @property
    def resolved_output_path(self) -> str:
        """Where the manifest goes, relative to the output folder."""
        return self.output_path or f"{self.namespace}/{self.name}.yaml"

    def quantity(self, kind: Literal["requests", "limits"], resource: str) -> Fraction | None:
        """The exact value of a request or limit (``resource`` as in the spec), if set."""
        if self.resources is None or (rl := getattr(self.resources, kind)) is None:
            return None
        attr = "ephemeral_storage" if resource == "ephemeral-storage" else resource
        text = getattr(rl, attr)
        return parse_quantity(text) if text is not None else None
