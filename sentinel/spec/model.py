"""The spec file format, as one pydantic model that enforces Kubernetes' admission rules.

One file describes one Pod: its main container at the top level (named after the Pod unless
``containerName`` says otherwise), and optionally further ``containers``, ``initContainers`` and
native ``sidecars``, each entry with the main container's keys plus ``name`` and ``volumeMounts``
(``sentinel.spec.containers``). Keys follow the Kubernetes field names; ``PodSpec`` attribute names equal the spec keys (only ``ephemeral-storage`` needs an alias),
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
    containerName: nginx               # the main container's name; default: name
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
      POD_IP:
        fieldRef:                      # downward API: metadata.name, metadata.labels['k'],
          fieldPath: status.podIP      # spec.nodeName, status.podIP, ...
      MEMORY_MIB:
        resourceFieldRef:              # a request or limit; containerName, divisor optional
          resource: limits.memory
          divisor: 1Mi
    envFrom:                           # every key of a ConfigMap (configMapRef) or Secret
      - configMapRef:                  # (secretRef) as a variable; prefix optional
          name: web-settings
        prefix: WEB_
    ports:
      - name: http                     # optional IANA service name, unique
        containerPort: 8080            # 1-65535; with protocol unique
        protocol: TCP                  # TCP (default) | UDP | SCTP
    resources:                         # cpu, memory, ephemeral-storage; request ≤ limit;
                                       # also hugepages-<size> and extended resources
                                       # (nvidia.com/gpu: whole numbers, request = limit)
      requests:
        cpu: 100m
        memory: 64Mi
      limits:
        cpu: "1"
        memory: 128Mi
    resizePolicy:                      # in-place resize per resource (cpu, memory):
      - resourceName: memory           # NotRequired | RestartContainer; one entry each
        restartPolicy: RestartContainer
    probes:                            # liveness | readiness | startup
      readiness:
        http:                          # exactly one of http / tcp / exec / grpc
          path: /healthz
          port: http                   # a number or a name from ports
        periodSeconds: 5               # also initialDelaySeconds, timeoutSeconds,
                                       # failureThreshold, successThreshold
      liveness:
        tcp:                           # or grpc: port (a number), service
          port: 8080
      startup:
        http:
          path: /ready
          port: 8080
          httpHeaders:                 # name, value
            - name: X-Probe
              value: startup
    lifecycle:                         # postStart / preStop: exactly one of exec, httpGet, sleep
      preStop:
        sleep:
          seconds: 5                   # at most terminationGracePeriodSeconds
    securityContext:                   # the main container's own (beside the Pod-level keys)
      runAsNonRoot: true               # also runAsUser, runAsGroup, readOnlyRootFilesystem
      capabilities:
        add:                           # restricted: NET_BIND_SERVICE only; baseline: its list
          - NET_BIND_SERVICE
    podResources:                      # Pod-level resources (Kubernetes spec.resources):
      requests:                        # cpu, memory, hugepages-<size> for the whole Pod; the
        cpu: "1"                       # containers' requests add up to at most these, none
      limits:                          # of their limits is above the Pod's limit
        memory: 512Mi
        pids: "2048"                   # limits only: processes of the whole Pod, 128-16384
    restartPolicy: Always              # Always | OnFailure | Never
    terminationGracePeriodSeconds: 30  # seconds from SIGTERM to SIGKILL
    activeDeadlineSeconds: 3600        # seconds the Pod may run (≥ 1)
    imagePullSecrets:                  # Secrets with registry credentials
      - name: registry-credentials
    priorityClassName: high            # a PriorityClass
    tolerations:                       # key, operator (Equal | Exists | Gt | Lt), value,
      - key: dedicated                 # effect, tolerationSeconds (NoExecute only)
        operator: Equal
        value: web
        effect: NoSchedule
      - key: example.com/sla           # Gt / Lt: the taint's value is a whole number
        operator: Gt                   # greater / less than this positive threshold
        value: "900"                   # (alpha, Kubernetes 1.35+)
    affinity:                          # nodeAffinity, podAffinity, podAntiAffinity, with the
      nodeAffinity:                    # Kubernetes field names and shapes
        requiredDuringSchedulingIgnoredDuringExecution:
          nodeSelectorTerms:
            - matchExpressions:        # In/NotIn need values, Exists/DoesNotExist none,
                - key: node-pool       # Gt/Lt one whole number
                  operator: In
                  values:
                    - web
      podAntiAffinity:
        preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100                # 1-100
            podAffinityTerm:
              topologyKey: kubernetes.io/hostname
              labelSelector:
                matchLabels:
                  app.kubernetes.io/name: web
    topologySpreadConstraints:         # maxSkew, topologyKey, whenUnsatisfiable, labelSelector,
      - maxSkew: 1                     # minDomains (DoNotSchedule only), matchLabelKeys, ...
        topologyKey: topology.kubernetes.io/zone
        whenUnsatisfiable: DoNotSchedule
    schedulingGates:                   # names a controller removes before scheduling
      - name: example.com/approval
    hostAliases:                       # /etc/hosts entries
      - ip: 10.0.0.10
        hostnames:
          - db.internal
    dnsPolicy: None                    # ClusterFirst | ClusterFirstWithHostNet | Default | None
    dnsConfig:                         # nameservers (≤ 3; required with None), searches, options
      nameservers:
        - 10.0.0.53
      searches:
        - shop.svc.cluster.local
      options:
        - name: ndots
          value: "2"
    hostUsers: false                   # a user namespace of its own (Kubernetes 1.33+)
    serviceAccountName: web            # DNS-1123 subdomain
    nodeSelector:
      kubernetes.io/os: linux
    volumes:
      - name: cache                    # DNS-1123 label, unique
        emptyDir:                      # or configMap / secret / persistentVolumeClaim /
                                       # downwardAPI / projected / ephemeral / image (hostPath
                                       # is refused: both profiles forbid it); see volumes.py
        mountPath: /var/cache/nginx    # absolute, unique; leave out if only others mount it
        readOnly: false
      - name: tls
        secret:
          secretName: web-tls
          defaultMode: 0440            # file modes: octal with a leading 0 (0000-0777), as
          items:                       # in manifests; also an item's mode, and an emptyDir's
            - key: tls.key             # mode (0000-01777, alpha)
              path: tls.key
              mode: 0400
        mountPath: /etc/tls
        readOnly: true
      - name: geoip
        image:                         # an OCI image's files, read-only (Kubernetes 1.33+)
          reference: ghcr.io/example/geoip-db:2026.11
          pullPolicy: IfNotPresent     # Always | IfNotPresent | Never
        mountPath: /usr/share/geoip
      - name: certificates
        projected:                     # configMap, secret, downwardAPI, serviceAccountToken,
          sources:                     # clusterTrustBundle, podCertificate; paths unique
            - clusterTrustBundle:      # name, or signerName (+ labelSelector); path
                signerName: example.com/web
                path: roots.pem
            - podCertificate:          # signerName, keyType, maxExpirationSeconds (3600-
                signerName: example.com/web  # 7862400), credentialBundlePath | keyPath |
                keyType: ED25519       # certificateChainPath (at least one), userAnnotations
                credentialBundlePath: bundle.pem
        mountPath: /etc/certificates
        readOnly: true
    volumeMounts:                      # the main container's further mounts (a volume mounted
      - name: tls                      # again, e.g. another subPath); paths unique with the
        mountPath: /etc/ssl/private/web.key  # volumes' mountPaths
        subPath: tls.key
        readOnly: true
    containers:                        # further regular containers: the main container's keys
      - name: log-shipper              # plus a name unique in the Pod, and volumeMounts
        image: fluent/fluent-bit:3.1
        volumeMounts:
          - name: cache                # a volume under volumes
            mountPath: /logs
            readOnly: true
    initContainers:                    # run to completion, in order (no probes, no lifecycle)
      - name: migrate
        image: ghcr.io/example/migrate:1.4
        args:
          - up
    sidecars:                          # native sidecars: initContainers with restartPolicy
      - name: proxy                    # Always; start after the init containers, may have probes
        image: ghcr.io/example/proxy:2.0
        ports:
          - name: proxy                # ports and port names are unique across the Pod
            containerPort: 15001
        probes:
          readiness:
            tcp:
              port: proxy              # a named port of the same container
    security: restricted               # Pod Security Standards profile: restricted | baseline
    runAsUser: 101                     # 0 (root) only under baseline
    runAsGroup: 101
    fsGroup: 101
    supplementalGroups:                # further GIDs (0-2147483647)
      - 4000
    supplementalGroupsPolicy: Strict   # Merge (default) | Strict: ignore the image's /etc/group
    readOnlyRootFilesystem: true
    appArmorProfile:                   # RuntimeDefault | Localhost (+ localhostProfile); also
      type: RuntimeDefault             # per container in securityContext; Unconfined refused
    output_path: shop/web.yaml         # below the output folder; default <namespace>/<name>.yaml
    apply: true                        # whether `doit apply` includes this Pod
    ignore:                            # production advice codes to silence (README table)
      - W105
"""

from __future__ import annotations

from fractions import Fraction
from functools import partial
from typing import Annotated, Any, Literal, Self

from pydantic import (
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from sentinel.spec import rules
from sentinel.spec.advice import AdviceCode
from sentinel.spec.containers import (
    AppArmorProfile,
    Container,
    ContainerSecurity,
    EnvFromSource,
    InitContainer,
    Lifecycle,
    VolumeMount,
)
from sentinel.spec.crossfield import (
    Found,
    no_root_when_restricted,
    probe_ports_exist,
    reserved_labels,
    unique_ports,
    unique_volumes,
)
from sentinel.spec.fields import (
    AbsolutePath,
    AnnotationKey,
    DnsLabel,
    DnsSubdomain,
    EnvName,
    Image,
    LabelKey,
    LabelValue,
    RelativePath,
    checked,
    fail,
)
from sentinel.spec.parts import (
    EnvFrom,
    EnvValue,
    ExecAction,
    HttpGet,
    KeyRef,
    PodResources,
    Port,
    Probe,
    Probes,
    ResizePolicy,
    ResourceList,
    Resources,
    SpecModel,
    TcpSocket,
    unique_resize,
)
from sentinel.spec.podbudget import pod_budget
from sentinel.spec.podrules import (
    hook_ports_exist,
    main_mount_paths_unique,
    mount_paths_unique,
    pod_rules,
)
from sentinel.spec.quantity import parse_quantity
from sentinel.spec.rules import INT32_MAX, Violation
from sentinel.spec.scheduling import (
    Affinity,
    DnsConfig,
    HostAlias,
    NameRef,
    SchedulingGate,
    Toleration,
    TopologySpreadConstraint,
    dns_policy_none,
    unique_names,
    unique_spread,
)
from sentinel.spec.volumes import ConfigMapVolume, EmptyDir, PvcVolume, SecretVolume, Volume

__all__ = [
    "ConfigMapVolume",
    "EmptyDir",
    "EnvFrom",
    "ExecAction",
    "HttpGet",
    "KeyRef",
    "PodSpec",
    "Port",
    "Probe",
    "Probes",
    "PvcVolume",
    "ResourceList",
    "Resources",
    "SecretVolume",
    "TcpSocket",
    "Volume",
]


# --- the Pod -----------------------------------------------------------------------------------


def _pod_check(raw: Any) -> list[Found]:
    return (
        probe_ports_exist(raw)
        + hook_ports_exist(raw)
        + no_root_when_restricted(raw)
        + reserved_labels(raw)
        + pod_rules(raw)
        + main_mount_paths_unique(raw)
        + dns_policy_none(raw)
        + pod_budget(raw)
    )


class PodSpec(SpecModel):
    """A kube-sentinel spec file: one Pod with one container, validated against Kubernetes rules."""

    model_config = ConfigDict(title="kube-sentinel Pod spec")

    name: DnsLabel = Field(
        description="Pod and container name (DNS-1123 label, ≤ 63).", examples=["web"]
    )
    namespace: DnsLabel = Field(default="default", description="Namespace (DNS-1123 label).")
    labels: dict[LabelKey, LabelValue] = Field(
        default_factory=dict,
        description="Pod labels (Kubernetes label key/value rules); app.kubernetes.io/name and "
        "app.kubernetes.io/managed-by are set by kube-sentinel and cannot be changed.",
    )
    annotations: dict[AnnotationKey, str] = Field(
        default_factory=dict, description="Pod annotations (≤ 256 KiB of keys and values)."
    )
    image: Image = Field(
        description="Container image: [registry[:port]/]path[:tag][@digest].",
        examples=["nginxinc/nginx-unprivileged:1.27"],
    )
    containerName: DnsLabel | None = Field(
        default=None, description="Name of the main container (DNS-1123 label); default: name."
    )
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
        default_factory=dict,
        description="Environment: NAME → text, or {secretKeyRef|configMapKeyRef: {name, key}}.",
    )
    envFrom: list[EnvFromSource] | None = Field(
        default=None, min_length=1, description="Whole ConfigMaps/Secrets as environment."
    )
    ports: list[Port] = Field(default_factory=list, description="Ports the container listens on.")
    resources: Resources | None = Field(
        default=None, description="CPU/memory/ephemeral-storage requests and limits."
    )
    resizePolicy: list[ResizePolicy] | None = Field(
        default=None, min_length=1,
        description="Per resource (cpu, memory): whether an in-place resize restarts the "
        "container; one entry per resource.",
    )
    probes: Probes | None = Field(
        default=None, description="Liveness, readiness and startup checks."
    )
    lifecycle: Lifecycle | None = Field(
        default=None, description="postStart/preStop hooks of the main container."
    )
    securityContext: ContainerSecurity | None = Field(
        default=None,
        description="The main container's user, group, root filesystem and capabilities.",
    )
    volumes: list[Volume] = Field(
        default_factory=list, description="Volumes, with the main container's mount of each."
    )
    volumeMounts: list[VolumeMount] | None = Field(
        default=None, min_length=1,
        description="Further mounts of the main container, by volume name (a volume mounted "
        "a second time, e.g. another subPath); paths unique with the volumes' mountPaths.",
    )
    containers: list[Container] | None = Field(
        default=None, min_length=1, description="Further regular containers, in order."
    )
    initContainers: list[InitContainer] | None = Field(
        default=None,
        min_length=1,
        description="Containers that run to completion, one after the other, before the others.",
    )
    sidecars: list[Container] | None = Field(
        default=None,
        min_length=1,
        description="Native sidecars: start after the init containers, run beside the main ones "
        "(rendered as initContainers with restartPolicy: Always).",
    )
    podResources: PodResources | None = Field(
        default=None,
        description="Pod-level requests and limits (Kubernetes spec.resources): cpu, memory, "
        "hugepages-<size>, shared by the containers; their requests add up to at most the "
        "Pod's, none of their limits is above the Pod's.",
    )
    restartPolicy: Literal["Always", "OnFailure", "Never"] | None = Field(
        default=None, description="Always (default), OnFailure or Never."
    )
    terminationGracePeriodSeconds: int | None = Field(
        default=None, ge=0, le=INT32_MAX, description="Seconds between SIGTERM and SIGKILL (30)."
    )
    activeDeadlineSeconds: int | None = Field(
        default=None, ge=1, le=INT32_MAX, description="Seconds the Pod may run before it fails."
    )
    imagePullSecrets: list[NameRef] | None = Field(
        default=None, min_length=1, description="Secrets with registry credentials (name)."
    )
    priorityClassName: DnsSubdomain | None = Field(
        default=None, description="PriorityClass of the Pod (DNS-1123 subdomain)."
    )
    tolerations: list[Toleration] | None = Field(
        default=None, min_length=1, description="Taints the Pod tolerates."
    )
    affinity: Affinity | None = Field(
        default=None, description="nodeAffinity, podAffinity, podAntiAffinity."
    )
    topologySpreadConstraints: list[TopologySpreadConstraint] | None = Field(
        default=None, min_length=1, description="How to spread Pods across zones or nodes."
    )
    schedulingGates: list[SchedulingGate] | None = Field(
        default=None, min_length=1, description="Gates that hold the Pod unscheduled (name)."
    )
    hostAliases: list[HostAlias] | None = Field(
        default=None, min_length=1, description="Extra /etc/hosts entries (ip, hostnames)."
    )
    dnsPolicy: Literal["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"] | None = (
        Field(default=None, description="ClusterFirst (default), Default, None, …")
    )
    dnsConfig: DnsConfig | None = Field(
        default=None, description="nameservers, searches, options for the resolver."
    )
    hostUsers: bool | None = Field(
        default=None, description="false: run the Pod in its own user namespace (root in the "
        "container is not root on the node); true or unset: the host's.",
    )
    serviceAccountName: DnsSubdomain | None = Field(
        default=None, description="Service account (DNS-1123 subdomain)."
    )
    nodeSelector: dict[LabelKey, LabelValue] = Field(
        default_factory=dict, description="Node labels the Pod must run on."
    )
    security: Literal["restricted", "baseline"] = Field(
        default="restricted", description="Pod Security Standards profile the manifest must pass."
    )
    runAsUser: int | None = Field(
        default=None, ge=0, le=INT32_MAX, description="UID of the process; 0 only under baseline."
    )
    runAsGroup: int | None = Field(
        default=None, ge=0, le=INT32_MAX, description="GID of the process."
    )
    fsGroup: int | None = Field(default=None, ge=0, le=INT32_MAX, description="GID owning volumes.")
    supplementalGroups: list[Annotated[int, Field(ge=0, le=INT32_MAX)]] | None = Field(
        default=None, min_length=1,
        description="Further GIDs of every container's first process (0-2147483647).",
    )
    supplementalGroupsPolicy: Literal["Merge", "Strict"] | None = Field(
        default=None, description="Merge (default: add the image's /etc/group memberships) or "
        "Strict (only runAsGroup, fsGroup and supplementalGroups).",
    )
    readOnlyRootFilesystem: bool | None = Field(default=None, description="Mount / read-only.")
    appArmorProfile: AppArmorProfile | None = Field(
        default=None, description="The Pod's AppArmor profile: RuntimeDefault or Localhost "
        "(with localhostProfile); a container's securityContext may override it."
    )
    output_path: RelativePath | None = Field(
        default=None,
        description="Manifest path relative to the output folder; default <namespace>/<name>.yaml.",
    )
    apply: bool = Field(default=True, description="Whether `doit apply` applies this Pod.")
    ignore: list[AdviceCode] = Field(
        default_factory=list,
        description="Production advice codes to silence for this spec, e.g. [W104] (README).",
    )

    @field_validator("annotations")
    @classmethod
    def _annotations_size(cls, value: dict[str, str]) -> dict[str, str]:
        total = sum(len(k.encode()) + len(v.encode()) for k, v in value.items())
        if total > rules.ANNOTATIONS_TOTAL_MAX:
            fail(
                Violation(
                    f"annotations total {total} bytes (max {rules.ANNOTATIONS_TOTAL_MAX})",
                    "move large data to a ConfigMap",
                )
            )
        return value

    @field_validator("ports", mode="wrap")
    @classmethod
    def _unique_ports(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> list[Port]:
        return checked(value, handler, unique_ports)

    @field_validator("resizePolicy", mode="wrap")
    @classmethod
    def _unique_resize(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return checked(value, handler, unique_resize)

    @field_validator("volumes", mode="wrap")
    @classmethod
    def _unique_volumes(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> list[Volume]:
        return checked(value, handler, unique_volumes)

    @field_validator("volumeMounts", mode="wrap")
    @classmethod
    def _unique_mounts(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return checked(value, handler, mount_paths_unique)

    @field_validator("topologySpreadConstraints", mode="wrap")
    @classmethod
    def _unique_spread(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return checked(value, handler, unique_spread)

    @field_validator("schedulingGates", mode="wrap")
    @classmethod
    def _unique_gates(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return checked(value, handler, partial(unique_names, what="scheduling gate"))

    @field_validator("imagePullSecrets", mode="wrap")
    @classmethod
    def _unique_secrets(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return checked(value, handler, partial(unique_names, what="pull secret"))

    @model_validator(mode="wrap")
    @classmethod
    def _across_fields(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(value, handler, _pod_check)

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
