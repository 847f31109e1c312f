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


class Bool(_StrictBool):  # type: ignore[misc]
    """strictyaml's Bool, written back as true/false (it reads yes/no/on/off too)."""

    def to_yaml(self, data: Any) -> str:
        """``true``/``false`` rather than strictyaml's ``yes``/``no``."""
        if isinstance(data, bool):
            return "true" if data else "false"
        return super().to_yaml(data)  # type: ignore[no-any-return]


_KEY_REF = Map({"name": Str(), "key": Str(), Optional("optional"): Bool()})
ENV_FROM = Map({Optional("secretKeyRef"): _KEY_REF, Optional("configMapKeyRef"): _KEY_REF})
_RESOURCE_LIST = Map(
    {
        Optional("cpu"): Str(),
        Optional("memory"): Str(),
        Optional("ephemeral-storage"): Str(),
    }
)
_PORT_REF = Int() | Str()
_PROBE = Map(
    {
        Optional("http"): Map({"path": Str(), "port": _PORT_REF, Optional("scheme"): Str()}),
        Optional("tcp"): Map({"port": _PORT_REF}),
        Optional("exec"): Map({"command": Seq(Str())}),
        Optional("initialDelaySeconds"): Int(),
        Optional("periodSeconds"): Int(),
        Optional("timeoutSeconds"): Int(),
        Optional("failureThreshold"): Int(),
        Optional("successThreshold"): Int(),
    }
)
# `emptyDir:` with no value is the block-style way to say "an empty map".
EMPTY_DIR = EmptyDict() | Map({Optional("medium"): Str(), Optional("sizeLimit"): Str()})
_VOLUME = Map(
    {
        "name": Str(),
        Optional("emptyDir"): EMPTY_DIR,
        Optional("configMap"): Map({"name": Str(), Optional("optional"): Bool()}),
        Optional("secret"): Map({"secretName": Str(), Optional("optional"): Bool()}),
        Optional("persistentVolumeClaim"): Map({"claimName": Str(), Optional("readOnly"): Bool()}),
        "mountPath": Str(),
        Optional("readOnly"): Bool(),
        Optional("subPath"): Str(),
    }
)

SPEC_SCHEMA = Map(
    {
        "name": Str(),
        Optional("namespace"): Str(),
        Optional("labels"): MapPattern(Str(), Str()),
        Optional("annotations"): MapPattern(Str(), Str()),
        "image": Str(),
        Optional("imagePullPolicy"): Enum(["Always", "IfNotPresent", "Never"]),
        Optional("command"): Seq(Str()),
        Optional("args"): Seq(Str()),
        Optional("workingDir"): Str(),
        Optional("env"): MapPattern(Str(), Str() | ENV_FROM),
        Optional("ports"): Seq(
            Map(
                {
                    Optional("name"): Str(),
                    "containerPort": Int(),
                    Optional("protocol"): Enum(["TCP", "UDP", "SCTP"]),
                }
            )
        ),
        Optional("resources"): Map(
            {
                Optional("requests"): _RESOURCE_LIST,
                Optional("limits"): _RESOURCE_LIST,
            }
        ),
        Optional("probes"): Map(
            {
                Optional("liveness"): _PROBE,
                Optional("readiness"): _PROBE,
                Optional("startup"): _PROBE,
            }
        ),
        Optional("volumes"): Seq(_VOLUME),
        Optional("restartPolicy"): Enum(["Always", "OnFailure", "Never"]),
        Optional("serviceAccountName"): Str(),
        Optional("nodeSelector"): MapPattern(Str(), Str()),
        Optional("security"): Enum(["restricted", "baseline"]),
        Optional("runAsUser"): Int(),
        Optional("runAsGroup"): Int(),
        Optional("fsGroup"): Int(),
        Optional("readOnlyRootFilesystem"): Bool(),
        Optional("output_path"): Str(),
        Optional("apply"): Bool(),
    }
)
