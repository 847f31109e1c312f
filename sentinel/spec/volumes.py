"""The Pod's volumes: each entry names one source and, optionally, the main container's mount.

Sources keep their Kubernetes names and shapes: ``emptyDir``, ``configMap``, ``secret``,
``persistentVolumeClaim``, ``downwardAPI`` (Pod fields and container resources as files),
``projected`` (several of those plus a ``serviceAccountToken`` with its own audience and
expiry, in one folder), ``ephemeral`` (a PersistentVolumeClaim created and deleted with the Pod,
from a claim template), ``image`` (an OCI image's files, read-only) and ``hostPath``.
``hostPath`` is written here so that a spec (or an import) can say it, but both Pod Security
profiles forbid it — pod-security-admission's ``hostPathVolumes`` check is part of baseline — so
the Pod rule refuses it with that reason.

Rules that need only one volume (exactly one source, unique file paths, a token's minimum
lifetime, a claim template's access modes and storage request) are checked here; those across
the Pod (a downward-API file naming a container of the Pod, hostPath under either profile) are in
``podrules.py``.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from sentinel.spec.crossfield import Found, exactly_one, get
from sentinel.spec.fields import (
    AbsolutePath,
    AnnotationKey,
    ConfigKey,
    DirMode,
    DnsLabel,
    DnsSubdomain,
    FileMode,
    Image,
    LabelKey,
    LabelValue,
    Quantity,
    RelativePath,
    VolumeFieldPath,
    checked,
    fail,
)
from sentinel.spec.parts import ResourceFieldRef, SpecModel, one_of
from sentinel.spec.rules import PAGE_SIZE, Violation, check_label_key, shown
from sentinel.spec.scheduling import LabelSelector


def _signer(value: str) -> str:
    """A signer name: a DNS-subdomain domain, '/', and a name (``example.com/my-signer``)."""
    hint = "write domain/name, e.g. example.com/my-signer"
    bad = check_label_key(value, "signer name")
    if bad is None and "/" not in value:
        bad = Violation(f"signer name {shown(value)} has no domain", hint)
    if bad is not None:
        fail(Violation(bad.message, hint))
    return value


SignerName = Annotated[str, AfterValidator(_signer), Field(json_schema_extra={
    "pattern": "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"})]

# HugePages-<size>: the kubelet reads the size as a quantity, as in the hugepages-<size> resource
# it must match (v1helper.HugePageSizeFromMedium); bare HugePages takes the Pod's one page size.
# That the Pod requests the size is a rule across the Pod (podrules.huge_page_media_requested).
MEDIUM = rf"(|Memory|HugePages|HugePages-{PAGE_SIZE})"
_MEDIUM = re.compile(MEDIUM)


def _medium(value: str) -> str:
    """An emptyDir medium: "" (the node's disk), Memory, HugePages or HugePages-<size>."""
    if _MEDIUM.fullmatch(value):
        return value
    if value.lower() == "memory":
        fail(Violation(f"expected Memory, found {shown(value)}",
                       "values are case-sensitive: write Memory"))
    if value.lower().startswith("hugepages"):
        size = value[len("hugepages"):].lstrip("-")
        example = f"HugePages-{size if re.fullmatch(PAGE_SIZE, size) else '2Mi'}"
        fail(Violation(f"{shown(value)} is not a huge page medium",
                       f"write HugePages-<size> with the size of a hugepages-<size> request "
                       f"(e.g. {example}), or HugePages when the Pod requests one page size"))
    fail(Violation(f"expected '' or 'Memory' for disk or tmpfs, or 'HugePages' / "
                   f"'HugePages-<size>' for huge pages, found {shown(value)}",
                   "leave medium out for the node's disk, or write Memory or e.g. HugePages-2Mi"))


Medium = Annotated[str, AfterValidator(_medium), Field(json_schema_extra={
    "pattern": f"^{MEDIUM}$"})]

VOLUME_SOURCES = ("emptyDir", "configMap", "secret", "persistentVolumeClaim", "downwardAPI",
                  "projected", "ephemeral", "image", "hostPath")
PROJECTED_SOURCES = ("configMap", "secret", "downwardAPI", "serviceAccountToken",
                     "clusterTrustBundle", "podCertificate")
KEY_TYPES = ("RSA3072", "RSA4096", "ECDSAP256", "ECDSAP384", "ECDSAP521", "ED25519")
CERT_MIN_SECONDS, CERT_MAX_SECONDS = 3600, 7862400  # kube-apiserver: 1 hour to 91 days
CERT_PATHS = ("credentialBundlePath", "keyPath", "certificateChainPath")
DOWNWARD_SOURCES = ("fieldRef", "resourceFieldRef")
TOKEN_MIN_SECONDS = 600  # pkg/apis/core/validation: at least 10 minutes
TOKEN_MAX_SECONDS = 2**32
ACCESS_MODES = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")


def _paths_unique(raw: Any, key: str = "path") -> list[Found]:
    seen: set[str] = set()
    out = []
    for i, item in enumerate(raw if isinstance(raw, list | tuple) else []):
        path = get(item, key)
        if isinstance(path, str) and path in seen:
            out.append(Found((i, key), Violation(f"path {shown(path)} is used twice",
                                                 "give each file its own path")))
        if isinstance(path, str):
            seen.add(path)
    return out


class KeyToPath(SpecModel):
    """One key of a ConfigMap or Secret as a file."""

    key: ConfigKey = Field(description="Key in the data.")
    path: RelativePath = Field(description="Relative file path in the volume.")
    mode: FileMode | None = Field(
        default=None, description="Permission bits of this file, octal 0000-0777 (0-511 in "
        "JSON; default: the volume's defaultMode)."
    )


class EmptyDir(SpecModel):
    """A scratch folder that lives as long as the Pod (write `emptyDir:` with no value)."""

    medium: Medium | None = Field(
        default=None, description='"" (the node\'s disk), Memory (tmpfs, counted as the '
        "containers' memory), or huge pages: HugePages-<size> (e.g. HugePages-2Mi, HugePages-1Gi;"
        " a container of the Pod requests hugepages-<size>) or HugePages (the Pod requests one "
        "page size)."
    )
    sizeLimit: Quantity | None = Field(default=None, description="Maximum size, e.g. 1Gi.")
    mode: DirMode | None = Field(
        default=None, description="Permission bits of the folder, octal 0000-01777 (0-1023 in "
        "JSON; default 0777; alpha, feature gate EmptyDirVolumeMode; fsGroup overrides it)."
    )


class _Items(SpecModel):
    items: list[KeyToPath] | None = Field(
        default=None, min_length=1, description="Only these keys, as these files."
    )

    @field_validator("items", mode="wrap")
    @classmethod
    def _unique(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return checked(value, handler, _paths_unique)


class ConfigMapVolume(_Items):
    """Files from a ConfigMap."""

    name: DnsSubdomain = Field(description="ConfigMap name.")
    optional: bool | None = Field(
        default=None, description="Start even if the ConfigMap is missing."
    )
    defaultMode: FileMode | None = Field(
        default=None, description="Permission bits of its files, octal 0000-0777 (0-511 in "
        "JSON; default 0644)."
    )


class SecretVolume(_Items):
    """Files from a Secret."""

    secretName: DnsSubdomain = Field(description="Secret name.")
    optional: bool | None = Field(default=None, description="Start even if the Secret is missing.")
    defaultMode: FileMode | None = Field(
        default=None, description="Permission bits of its files, octal 0000-0777 (0-511 in "
        "JSON; default 0644)."
    )


class PvcVolume(SpecModel):
    """A PersistentVolumeClaim in the Pod's namespace."""

    claimName: DnsSubdomain = Field(description="PersistentVolumeClaim name.")
    readOnly: bool | None = Field(default=None, description="Attach the volume read-only.")


# --- downward API, projected -------------------------------------------------------------------


class VolumeFieldRef(SpecModel):
    """A metadata field of the Pod as a file."""

    fieldPath: VolumeFieldPath = Field(
        description="metadata.name, metadata.namespace, metadata.uid, metadata.labels, "
        "metadata.annotations, metadata.labels['KEY'] or metadata.annotations['KEY']."
    )
    apiVersion: Literal["v1"] | None = Field(default=None, description="Schema version: v1.")


def _downward_file(raw: Any) -> list[Found]:
    out = exactly_one(raw, DOWNWARD_SOURCES, "a downwardAPI file")
    ref = get(raw, "resourceFieldRef")
    if ref is not None and get(ref, "containerName") is None:
        out.append(Found(("resourceFieldRef",), Violation(
            "a downwardAPI volume file needs resourceFieldRef.containerName",
            "add containerName: <a container of this Pod>")))
    return out


class DownwardFile(SpecModel):
    """One file of a downwardAPI volume: a Pod field or a container's resource."""

    model_config = ConfigDict(json_schema_extra=one_of(*DOWNWARD_SOURCES))

    path: RelativePath = Field(description="Relative file path in the volume.")
    mode: FileMode | None = Field(
        default=None, description="Permission bits of this file, octal 0000-0777 (0-511 in JSON)."
    )
    fieldRef: VolumeFieldRef | None = Field(default=None, description="A metadata field.")
    resourceFieldRef: ResourceFieldRef | None = Field(
        default=None, description="A container's request or limit (containerName required)."
    )

    @model_validator(mode="wrap")
    @classmethod
    def _one_source(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(value, handler, _downward_file)


class DownwardApiVolume(SpecModel):
    """Pod metadata and container resources as files."""

    items: list[DownwardFile] = Field(min_length=1, description="The files.")

    @field_validator("items", mode="wrap")
    @classmethod
    def _unique(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return checked(value, handler, _paths_unique)


class ConfigMapProjection(_Items):
    """A ConfigMap's keys in a projected volume."""

    name: DnsSubdomain = Field(description="ConfigMap name.")
    optional: bool | None = Field(default=None, description="Start even if it is missing.")


class SecretProjection(_Items):
    """A Secret's keys in a projected volume (``name``, as Kubernetes spells it here)."""

    name: DnsSubdomain = Field(description="Secret name.")
    optional: bool | None = Field(default=None, description="Start even if it is missing.")


class ServiceAccountToken(SpecModel):
    """A service account token for one audience, renewed by the kubelet before it expires."""

    path: RelativePath = Field(description="Relative file path of the token.")
    audience: str | None = Field(
        default=None, min_length=1, description="Intended audience (default: the API server)."
    )
    expirationSeconds: int | None = Field(
        default=None,
        ge=TOKEN_MIN_SECONDS,
        le=TOKEN_MAX_SECONDS,
        description="Requested lifetime in seconds (≥ 600; default 3600).",
    )


def _trust_bundle(raw: Any) -> list[Found]:
    out = exactly_one(raw, ("name", "signerName"), "a clusterTrustBundle source")
    if get(raw, "labelSelector") is not None and get(raw, "name") is not None:
        out.append(Found(("labelSelector",), Violation(
            "labelSelector selects bundles of a signerName; it cannot go with name",
            "remove labelSelector, or select by signerName instead of name")))
    return out


class ClusterTrustBundleProjection(SpecModel):
    """ClusterTrustBundle certificates (trust anchors) as one PEM file, kept up to date."""

    model_config = ConfigDict(json_schema_extra=one_of("name", "signerName"))

    path: RelativePath = Field(description="Relative file path of the bundle.")
    name: str | None = Field(
        default=None, min_length=1, max_length=253,
        description="One ClusterTrustBundle by name (not with signerName and labelSelector).",
    )
    signerName: SignerName | None = Field(
        default=None, description="Every bundle of this signer (domain/name), deduplicated."
    )
    labelSelector: LabelSelector | None = Field(
        default=None, description="With signerName: only the bundles with these labels (empty: "
        "all of them)."
    )
    optional: bool | None = Field(
        default=None, description="Start even if no bundle is found."
    )

    @model_validator(mode="wrap")
    @classmethod
    def _rules(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(value, handler, _trust_bundle)


def _pod_certificate(raw: Any) -> list[Found]:
    if not isinstance(raw, dict) or any(get(raw, k) is not None for k in CERT_PATHS):
        return []
    return [Found((), Violation(
        "a podCertificate source needs at least one of " + ", ".join(CERT_PATHS),
        "add credentialBundlePath: <file> (key and certificate chain in one file)"))]


class PodCertificateProjection(SpecModel):
    """A private key the kubelet generates and a certificate from a signer, rotated for the Pod
    (Kubernetes 1.34+, feature gate PodCertificateRequest)."""

    signerName: SignerName = Field(description="The signer to ask (domain/name).")
    keyType: Literal["RSA3072", "RSA4096", "ECDSAP256", "ECDSAP384", "ECDSAP521", "ED25519"] = (
        Field(description="Key pair the kubelet generates: RSA3072, RSA4096, ECDSAP256, "
              "ECDSAP384, ECDSAP521 or ED25519."))
    maxExpirationSeconds: int | None = Field(
        default=None, ge=CERT_MIN_SECONDS, le=CERT_MAX_SECONDS,
        description="Longest certificate lifetime to ask for, 3600-7862400 (default 86400).",
    )
    credentialBundlePath: RelativePath | None = Field(
        default=None, description="File with the key and the certificate chain (read at once)."
    )
    keyPath: RelativePath | None = Field(default=None, description="File with the key alone.")
    certificateChainPath: RelativePath | None = Field(
        default=None, description="File with the certificate chain alone."
    )
    userAnnotations: dict[AnnotationKey, str] | None = Field(
        default=None, description="Annotations passed to the signer in the request."
    )

    @model_validator(mode="wrap")
    @classmethod
    def _rules(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(value, handler, _pod_certificate)


class ProjectedSource(SpecModel):
    """One source of a projected volume: exactly one of its keys."""

    model_config = ConfigDict(json_schema_extra=one_of(*PROJECTED_SOURCES))

    configMap: ConfigMapProjection | None = Field(default=None, description="ConfigMap keys.")
    secret: SecretProjection | None = Field(default=None, description="Secret keys.")
    downwardAPI: DownwardApiVolume | None = Field(default=None, description="Pod fields.")
    serviceAccountToken: ServiceAccountToken | None = Field(
        default=None, description="A token for an audience."
    )
    clusterTrustBundle: ClusterTrustBundleProjection | None = Field(
        default=None, description="Trust anchors of ClusterTrustBundles, as one file."
    )
    podCertificate: PodCertificateProjection | None = Field(
        default=None, description="A key and a certificate issued for this Pod."
    )

    @model_validator(mode="wrap")
    @classmethod
    def _one_source(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(
            value, handler, partial(exactly_one, names=PROJECTED_SOURCES, what="a projected source")
        )


def _projected_paths(raw: Any) -> list[Found]:
    """File paths are unique across every source of the projected volume."""
    seen: set[str] = set()
    out = []
    for i, source in enumerate(get(raw, "sources") or ()):
        files: list[tuple[tuple[str | int, ...], Any]] = []
        token = get(source, "serviceAccountToken")
        if token is not None:
            files.append((("serviceAccountToken", "path"), get(token, "path")))
        bundle = get(source, "clusterTrustBundle")
        if bundle is not None:
            files.append((("clusterTrustBundle", "path"), get(bundle, "path")))
        certificate = get(source, "podCertificate")
        for key in CERT_PATHS if certificate is not None else ():
            files.append((("podCertificate", key), get(certificate, key)))
        for kind in ("configMap", "secret", "downwardAPI"):
            for k, item in enumerate(get(get(source, kind), "items") or ()):
                files.append(((kind, "items", k, "path"), get(item, "path")))
        for loc, path in files:
            if not isinstance(path, str):
                continue
            if path in seen:
                out.append(Found(("sources", i, *loc), Violation(
                    f"path {shown(path)} is used by another source of this volume",
                    "give each file of the volume its own path")))
            seen.add(path)
    return out


class ProjectedVolume(SpecModel):
    """Several sources (ConfigMaps, Secrets, downward API, tokens, trust bundles, a Pod
    certificate) in one folder."""

    sources: list[ProjectedSource] = Field(min_length=1, description="The sources.")
    defaultMode: FileMode | None = Field(
        default=None, description="Permission bits of its files, octal 0000-0777 (0-511 in "
        "JSON; default 0644)."
    )

    @model_validator(mode="wrap")
    @classmethod
    def _unique(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(value, handler, _projected_paths)


# --- ephemeral, hostPath -----------------------------------------------------------------------


class StorageRequest(SpecModel):
    """The size the claim asks for."""

    storage: Quantity = Field(description="Bytes, e.g. 10Gi.")


class ClaimResources(SpecModel):
    """Resources of the claim: its storage request."""

    requests: StorageRequest = Field(description="storage: the size.")


def _claim(raw: Any) -> list[Found]:
    modes = get(raw, "accessModes")
    if isinstance(modes, list | tuple) and "ReadWriteOncePod" in modes and len(modes) > 1:
        return [Found(("accessModes",), Violation(
            "ReadWriteOncePod cannot be combined with other access modes",
            "list ReadWriteOncePod alone"))]
    return []


class ClaimSpec(SpecModel):
    """The PersistentVolumeClaim created for the Pod."""

    accessModes: list[Literal["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany",
                              "ReadWriteOncePod"]] = Field(
        min_length=1, description="ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod."
    )
    storageClassName: DnsSubdomain | None = Field(default=None, description="StorageClass.")
    volumeMode: Literal["Filesystem", "Block"] | None = Field(
        default=None, description="Filesystem (default) or Block."
    )
    resources: ClaimResources = Field(description="requests.storage: the size.")

    @model_validator(mode="wrap")
    @classmethod
    def _modes(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(value, handler, _claim)


class ClaimMetadata(SpecModel):
    """Labels and annotations of the created claim."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    labels: dict[LabelKey, LabelValue] | None = Field(default=None, description="Claim labels.")
    annotations: dict[AnnotationKey, str] | None = Field(
        default=None, description="Claim annotations."
    )


class ClaimTemplate(SpecModel):
    """The claim to create: metadata (optional) and spec."""

    metadata: ClaimMetadata | None = Field(default=None, description="Labels, annotations.")
    spec: ClaimSpec = Field(description="accessModes, resources, storageClassName, volumeMode.")


class EphemeralVolume(SpecModel):
    """A generic ephemeral volume: a claim created with the Pod and deleted with it."""

    volumeClaimTemplate: ClaimTemplate = Field(description="The claim to create.")


class ImageVolume(SpecModel):
    """The files of an OCI image or artifact, mounted read-only (``image``, Kubernetes 1.33+)."""

    reference: Image = Field(
        description="Image or artifact reference, as a container's image (e.g. "
        "quay.io/crio/artifact:v2); pulled with the Pod's pull secrets."
    )
    pullPolicy: Literal["Always", "IfNotPresent", "Never"] | None = Field(
        default=None, description="Always, IfNotPresent or Never (default: Always for :latest or "
        "no tag, else IfNotPresent)."
    )


class HostPathVolume(SpecModel):
    """A file or folder of the node (forbidden by both Pod Security profiles)."""

    path: AbsolutePath = Field(description="Absolute path on the node.")
    type: Literal["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket",
                  "CharDevice", "BlockDevice"] | None = Field(
        default=None, description="What must be there: Directory, File, Socket, … (default: any)."
    )


class Volume(SpecModel):
    """A volume (exactly one source) and where the main container mounts it."""

    model_config = ConfigDict(json_schema_extra=one_of(*VOLUME_SOURCES))

    name: DnsLabel = Field(description="Volume name (DNS-1123 label), unique.")
    emptyDir: EmptyDir | None = Field(
        default=None, description="Scratch space; write `emptyDir:` empty."
    )
    configMap: ConfigMapVolume | None = Field(default=None, description="Files from a ConfigMap.")
    secret: SecretVolume | None = Field(default=None, description="Files from a Secret.")
    persistentVolumeClaim: PvcVolume | None = Field(default=None, description="A claimed volume.")
    downwardAPI: DownwardApiVolume | None = Field(
        default=None, description="Pod metadata and container resources as files."
    )
    projected: ProjectedVolume | None = Field(
        default=None, description="ConfigMaps, Secrets, downward API and tokens in one folder."
    )
    ephemeral: EphemeralVolume | None = Field(
        default=None, description="A claim created and deleted with the Pod."
    )
    image: ImageVolume | None = Field(
        default=None, description="An OCI image's or artifact's files, read-only (Kubernetes "
        "1.33+, feature gate ImageVolume; the container runtime must support it)."
    )
    hostPath: HostPathVolume | None = Field(
        default=None, description="A node path; refused by both Pod Security profiles."
    )
    mountPath: AbsolutePath | None = Field(
        default=None,
        description="Absolute path in the main container, unique; leave it out when only other "
        "containers mount the volume (with volumeMounts).",
    )
    readOnly: bool | None = Field(default=None, description="Mount read-only.")
    subPath: RelativePath | None = Field(
        default=None, description="Mount only this relative sub-path."
    )

    @model_validator(mode="wrap")
    @classmethod
    def _one_source(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(value, handler, partial(exactly_one, names=VOLUME_SOURCES, what="a volume"))
