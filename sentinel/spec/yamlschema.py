"""The strictyaml schema of a spec file: its shape (which keys, maps, lists, ints, bools).

This is the first validation layer. It fixes the type of every scalar — strictyaml reads all
scalars as text, so ``containerPort: 8080`` only becomes an int through ``Int()`` here — and
it knows every allowed key, for "unknown key, did you mean …" errors. Kubernetes rules (name
syntax, ranges, cross-field checks) live in the pydantic model, the second layer.

``SPEC_SCHEMA`` is an ordinary strictyaml validator (``strictyaml.load(text, SPEC_SCHEMA)``
accepts every valid spec); ``shape.check`` walks it node by node instead of calling it once, so a
file with several shape problems reports all of them rather than the first.
"""

from __future__ import annotations

from typing import Any

from strictyaml import Bool as _StrictBool
from strictyaml import EmptyDict, Enum, Int, Map, MapPattern, Optional, Seq, Str
from strictyaml.exceptions import YAMLSerializationError
from strictyaml.scalar import ScalarValidator


class Bool(_StrictBool):  # type: ignore[misc]
    """strictyaml's Bool, written back as true/false (it reads yes/no/on/off too)."""

    def to_yaml(self, data: Any) -> str:
        """``true``/``false`` rather than strictyaml's ``yes``/``no``."""
        if isinstance(data, bool):
            return "true" if data else "false"
        return super().to_yaml(data)  # type: ignore[no-any-return]


class FileMode(ScalarValidator):  # type: ignore[misc]
    """Permission bits as Kubernetes manifests write them: ``0644`` is octal, ``420`` decimal.

    strictyaml's ``Int()`` would read ``0644`` as the decimal 644; YAML 1.1, which kubectl and
    the Kubernetes documentation use, reads a leading 0 as octal, and so does a spec. Written
    back in octal (``0644``, ``01777``)."""

    def validate_scalar(self, chunk: Any) -> int:
        """The mode as a number; anything but digits (octal after a leading 0) is refused."""
        text = chunk.contents
        if len(text) > 1 and text.startswith("0") and text.isdigit() and set(text) <= set(
                "01234567"):
            return int(text, 8)
        if text.isascii() and text.isdigit() and (text == "0" or not text.startswith("0")) \
                and len(text) <= 10:
            return int(text)
        chunk.expecting_but_found("when expecting a file mode such as 0644")
        raise AssertionError  # expecting_but_found raises

    def to_yaml(self, data: Any) -> str:
        """``0`` followed by the octal digits."""
        if isinstance(data, int) and not isinstance(data, bool) and data >= 0:
            return f"0{data:o}"
        raise YAMLSerializationError(f"'{data}' is not a file mode.")


_KEY_REF = Map({"name": Str(), "key": Str(), Optional("optional"): Bool()})
ENV_FROM = Map(
    {
        Optional("secretKeyRef"): _KEY_REF,
        Optional("configMapKeyRef"): _KEY_REF,
        Optional("fieldRef"): Map({"fieldPath": Str(), Optional("apiVersion"): Str()}),
        Optional("resourceFieldRef"): Map(
            {"resource": Str(), Optional("containerName"): Str(), Optional("divisor"): Str()}
        ),
    }
)
_ENV = MapPattern(Str(), Str() | ENV_FROM)
_SOURCE_REF = Map({"name": Str(), Optional("optional"): Bool()})
_ENV_FROM_LIST = Seq(
    Map(
        {
            Optional("configMapRef"): _SOURCE_REF,
            Optional("secretRef"): _SOURCE_REF,
            Optional("prefix"): Str(),
        }
    )
)
# cpu, memory, ephemeral-storage, hugepages-<size>, extended resources (domain/name): the
# names are checked by the model, which suggests the right spelling for a typo.
_RESOURCE_LIST = MapPattern(Str(), Str())
_PORT_REF = Int() | Str()
_HTTP_GET = Map(
    {
        "path": Str(),
        "port": _PORT_REF,
        Optional("scheme"): Str(),
        Optional("httpHeaders"): Seq(Map({"name": Str(), "value": Str()})),
    }
)
_EXEC = Map({"command": Seq(Str())})
_PROBE = Map(
    {
        Optional("http"): _HTTP_GET,
        Optional("tcp"): Map({"port": _PORT_REF}),
        Optional("exec"): _EXEC,
        Optional("grpc"): Map({"port": Int(), Optional("service"): Str()}),
        Optional("initialDelaySeconds"): Int(),
        Optional("periodSeconds"): Int(),
        Optional("timeoutSeconds"): Int(),
        Optional("failureThreshold"): Int(),
        Optional("successThreshold"): Int(),
    }
)
_PROBES = Map(
    {
        Optional("liveness"): _PROBE,
        Optional("readiness"): _PROBE,
        Optional("startup"): _PROBE,
    }
)
_HOOK = Map({Optional("exec"): _EXEC, Optional("httpGet"): _HTTP_GET,
             Optional("sleep"): Map({"seconds": Int()})})
_LIFECYCLE = Map({Optional("postStart"): _HOOK, Optional("preStop"): _HOOK})
_APPARMOR = Map(
    {
        "type": Enum(["RuntimeDefault", "Localhost", "Unconfined"]),
        Optional("localhostProfile"): Str(),
    }
)
_SECURITY_CONTEXT = Map(
    {
        Optional("runAsUser"): Int(),
        Optional("runAsGroup"): Int(),
        Optional("runAsNonRoot"): Bool(),
        Optional("readOnlyRootFilesystem"): Bool(),
        Optional("capabilities"): Map({"add": Seq(Str())}),
        Optional("appArmorProfile"): _APPARMOR,
    }
)
_PORTS = Seq(
    Map(
        {
            Optional("name"): Str(),
            "containerPort": Int(),
            Optional("protocol"): Enum(["TCP", "UDP", "SCTP"]),
        }
    )
)
_RESOURCES = Map({Optional("requests"): _RESOURCE_LIST, Optional("limits"): _RESOURCE_LIST})
_RESIZE = Seq(
    Map(
        {
            "resourceName": Enum(["cpu", "memory"]),
            "restartPolicy": Enum(["NotRequired", "RestartContainer"]),
        }
    )
)
_PULL_POLICY = Enum(["Always", "IfNotPresent", "Never"])
_VOLUME_MOUNTS = Seq(
    Map(
        {
            "name": Str(),
            "mountPath": Str(),
            Optional("readOnly"): Bool(),
            Optional("subPath"): Str(),
        }
    )
)
# One entry of containers / initContainers / sidecars: the main container's keys, plus its name
# and its mounts (the main container's mounts are part of each volume).
_CONTAINER = Map(
    {
        "name": Str(),
        "image": Str(),
        Optional("imagePullPolicy"): _PULL_POLICY,
        Optional("command"): Seq(Str()),
        Optional("args"): Seq(Str()),
        Optional("workingDir"): Str(),
        Optional("env"): _ENV,
        Optional("envFrom"): _ENV_FROM_LIST,
        Optional("ports"): _PORTS,
        Optional("resources"): _RESOURCES,
        Optional("resizePolicy"): _RESIZE,
        Optional("probes"): _PROBES,
        Optional("lifecycle"): _LIFECYCLE,
        Optional("securityContext"): _SECURITY_CONTEXT,
        Optional("volumeMounts"): _VOLUME_MOUNTS,
    }
)
# `emptyDir:` with no value is the block-style way to say "an empty map".
EMPTY_DIR = EmptyDict() | Map(
    {Optional("medium"): Str(), Optional("sizeLimit"): Str(), Optional("mode"): FileMode()}
)
_ITEMS = Seq(Map({"key": Str(), "path": Str(), Optional("mode"): FileMode()}))
_DOWNWARD = Map(
    {
        "items": Seq(
            Map(
                {
                    "path": Str(),
                    Optional("mode"): FileMode(),
                    Optional("fieldRef"): Map({"fieldPath": Str(), Optional("apiVersion"): Str()}),
                    Optional("resourceFieldRef"): Map(
                        {"resource": Str(), Optional("containerName"): Str(),
                         Optional("divisor"): Str()}
                    ),
                }
            )
        )
    }
)
_LABEL_SELECTOR = Map(
    {
        Optional("matchLabels"): MapPattern(Str(), Str()),
        Optional("matchExpressions"): Seq(
            Map({"key": Str(), "operator": Enum(["In", "NotIn", "Exists", "DoesNotExist"]),
                 Optional("values"): Seq(Str())})
        ),
    }
)
_KEY_TYPES = ["RSA3072", "RSA4096", "ECDSAP256", "ECDSAP384", "ECDSAP521", "ED25519"]
_PROJECTED = Map(
    {
        Optional("defaultMode"): FileMode(),
        "sources": Seq(
            Map(
                {
                    Optional("configMap"): Map(
                        {"name": Str(), Optional("items"): _ITEMS, Optional("optional"): Bool()}
                    ),
                    Optional("secret"): Map(
                        {"name": Str(), Optional("items"): _ITEMS, Optional("optional"): Bool()}
                    ),
                    Optional("downwardAPI"): _DOWNWARD,
                    Optional("serviceAccountToken"): Map(
                        {"path": Str(), Optional("audience"): Str(),
                         Optional("expirationSeconds"): Int()}
                    ),
                    Optional("clusterTrustBundle"): Map(
                        {"path": Str(), Optional("name"): Str(), Optional("signerName"): Str(),
                         Optional("labelSelector"): _LABEL_SELECTOR,
                         Optional("optional"): Bool()}
                    ),
                    Optional("podCertificate"): Map(
                        {"signerName": Str(), "keyType": Enum(_KEY_TYPES),
                         Optional("maxExpirationSeconds"): Int(),
                         Optional("credentialBundlePath"): Str(), Optional("keyPath"): Str(),
                         Optional("certificateChainPath"): Str(),
                         Optional("userAnnotations"): MapPattern(Str(), Str())}
                    ),
                }
            )
        )
    }
)
_EPHEMERAL = Map(
    {
        "volumeClaimTemplate": Map(
            {
                Optional("metadata"): Map(
                    {Optional("labels"): MapPattern(Str(), Str()),
                     Optional("annotations"): MapPattern(Str(), Str())}
                ),
                "spec": Map(
                    {
                        "accessModes": Seq(
                            Enum(["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany",
                                  "ReadWriteOncePod"])
                        ),
                        Optional("storageClassName"): Str(),
                        Optional("volumeMode"): Enum(["Filesystem", "Block"]),
                        "resources": Map({"requests": Map({"storage": Str()})}),
                    }
                ),
            }
        )
    }
)
_VOLUME = Map(
    {
        "name": Str(),
        Optional("emptyDir"): EMPTY_DIR,
        Optional("configMap"): Map(
            {"name": Str(), Optional("items"): _ITEMS, Optional("optional"): Bool(),
             Optional("defaultMode"): FileMode()}
        ),
        Optional("secret"): Map(
            {"secretName": Str(), Optional("items"): _ITEMS, Optional("optional"): Bool(),
             Optional("defaultMode"): FileMode()}
        ),
        Optional("persistentVolumeClaim"): Map({"claimName": Str(), Optional("readOnly"): Bool()}),
        Optional("downwardAPI"): _DOWNWARD,
        Optional("projected"): _PROJECTED,
        Optional("ephemeral"): _EPHEMERAL,
        Optional("image"): Map({"reference": Str(), Optional("pullPolicy"): _PULL_POLICY}),
        Optional("hostPath"): Map({"path": Str(), Optional("type"): Str()}),
        Optional("mountPath"): Str(),
        Optional("readOnly"): Bool(),
        Optional("subPath"): Str(),
    }
)

_NODE_REQUIREMENTS = Seq(
    Map({"key": Str(), "operator": Enum(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]),
         Optional("values"): Seq(Str())})
)
_NODE_TERM = Map(
    {Optional("matchExpressions"): _NODE_REQUIREMENTS, Optional("matchFields"): _NODE_REQUIREMENTS}
)
_POD_TERM = Map(
    {
        Optional("labelSelector"): _LABEL_SELECTOR,
        Optional("namespaces"): Seq(Str()),
        Optional("namespaceSelector"): _LABEL_SELECTOR,
        "topologyKey": Str(),
        Optional("matchLabelKeys"): Seq(Str()),
        Optional("mismatchLabelKeys"): Seq(Str()),
    }
)
_POD_AFFINITY = Map(
    {
        Optional("requiredDuringSchedulingIgnoredDuringExecution"): Seq(_POD_TERM),
        Optional("preferredDuringSchedulingIgnoredDuringExecution"): Seq(
            Map({"weight": Int(), "podAffinityTerm": _POD_TERM})
        ),
    }
)
_AFFINITY = Map(
    {
        Optional("nodeAffinity"): Map(
            {
                Optional("requiredDuringSchedulingIgnoredDuringExecution"): Map(
                    {"nodeSelectorTerms": Seq(_NODE_TERM)}
                ),
                Optional("preferredDuringSchedulingIgnoredDuringExecution"): Seq(
                    Map({"weight": Int(), "preference": _NODE_TERM})
                ),
            }
        ),
        Optional("podAffinity"): _POD_AFFINITY,
        Optional("podAntiAffinity"): _POD_AFFINITY,
    }
)
_TOLERATION = Map(
    {
        Optional("key"): Str(),
        Optional("operator"): Enum(["Exists", "Equal", "Gt", "Lt"]),
        Optional("value"): Str(),
        Optional("effect"): Enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
        Optional("tolerationSeconds"): Int(),
    }
)
_SPREAD = Map(
    {
        "maxSkew": Int(),
        "topologyKey": Str(),
        "whenUnsatisfiable": Enum(["DoNotSchedule", "ScheduleAnyway"]),
        Optional("labelSelector"): _LABEL_SELECTOR,
        Optional("minDomains"): Int(),
        Optional("nodeAffinityPolicy"): Enum(["Honor", "Ignore"]),
        Optional("nodeTaintsPolicy"): Enum(["Honor", "Ignore"]),
        Optional("matchLabelKeys"): Seq(Str()),
    }
)
_DNS_CONFIG = Map(
    {
        Optional("nameservers"): Seq(Str()),
        Optional("searches"): Seq(Str()),
        Optional("options"): Seq(Map({"name": Str(), Optional("value"): Str()})),
    }
)

SPEC_SCHEMA = Map(
    {
        "name": Str(),
        Optional("namespace"): Str(),
        Optional("labels"): MapPattern(Str(), Str()),
        Optional("annotations"): MapPattern(Str(), Str()),
        "image": Str(),
        Optional("containerName"): Str(),
        Optional("imagePullPolicy"): _PULL_POLICY,
        Optional("command"): Seq(Str()),
        Optional("args"): Seq(Str()),
        Optional("workingDir"): Str(),
        Optional("env"): _ENV,
        Optional("envFrom"): _ENV_FROM_LIST,
        Optional("ports"): _PORTS,
        Optional("resources"): _RESOURCES,
        Optional("resizePolicy"): _RESIZE,
        Optional("probes"): _PROBES,
        Optional("lifecycle"): _LIFECYCLE,
        Optional("securityContext"): _SECURITY_CONTEXT,
        Optional("volumes"): Seq(_VOLUME),
        Optional("volumeMounts"): _VOLUME_MOUNTS,
        Optional("containers"): Seq(_CONTAINER),
        Optional("initContainers"): Seq(_CONTAINER),
        Optional("sidecars"): Seq(_CONTAINER),
        Optional("podResources"): _RESOURCES,
        Optional("restartPolicy"): Enum(["Always", "OnFailure", "Never"]),
        Optional("terminationGracePeriodSeconds"): Int(),
        Optional("activeDeadlineSeconds"): Int(),
        Optional("imagePullSecrets"): Seq(Map({"name": Str()})),
        Optional("priorityClassName"): Str(),
        Optional("tolerations"): Seq(_TOLERATION),
        Optional("affinity"): _AFFINITY,
        Optional("topologySpreadConstraints"): Seq(_SPREAD),
        Optional("schedulingGates"): Seq(Map({"name": Str()})),
        Optional("hostAliases"): Seq(Map({"ip": Str(), Optional("hostnames"): Seq(Str())})),
        Optional("dnsPolicy"): Enum(["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"]),
        Optional("dnsConfig"): _DNS_CONFIG,
        Optional("hostUsers"): Bool(),
        Optional("serviceAccountName"): Str(),
        Optional("nodeSelector"): MapPattern(Str(), Str()),
        Optional("security"): Enum(["restricted", "baseline"]),
        Optional("runAsUser"): Int(),
        Optional("runAsGroup"): Int(),
        Optional("fsGroup"): Int(),
        Optional("supplementalGroups"): Seq(Int()),
        Optional("supplementalGroupsPolicy"): Enum(["Merge", "Strict"]),
        Optional("readOnlyRootFilesystem"): Bool(),
        Optional("appArmorProfile"): _APPARMOR,
        Optional("output_path"): Str(),
        Optional("apply"): Bool(),
        Optional("ignore"): Seq(Str()),
    }
)
