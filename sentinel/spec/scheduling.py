"""Where and how a Pod is scheduled: pull secrets, tolerations, affinity, spreading, DNS, gates.

Every class mirrors the Kubernetes type of the same name and shape (``tolerations``,
``affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`` …), so manifests and
documentation examples carry over as they are. The admission rules of
``pkg/apis/core/validation`` that need only the fields of one entry are checked here (operators
and their values, toleration seconds only for NoExecute, unique spread constraints, dnsPolicy
None needs nameservers); they report through ``checked`` like the rest of the model.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, ConfigDict, Field, ModelWrapValidatorHandler, model_validator

from sentinel.spec.crossfield import Found, get
from sentinel.spec.fields import DnsLabel, DnsSubdomain, LabelKey, LabelValue, checked, fail
from sentinel.spec.parts import SpecModel
from sentinel.spec.rules import INT32_MAX, Violation, shown


def _ip(value: str) -> str:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        fail(Violation(f"{shown(value)} is not an IP address", "write e.g. 10.0.0.10 or fd00::10"))
    return value


IpAddress = Annotated[str, AfterValidator(_ip), Field(json_schema_extra={"minLength": 1})]
SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
NODE_OPERATORS = (*SELECTOR_OPERATORS, "Gt", "Lt")


def _requirement(raw: Any, numeric: bool) -> list[Found]:
    """In/NotIn need values; Exists/DoesNotExist take none; Gt/Lt one whole number."""
    operator, values = get(raw, "operator"), get(raw, "values")
    given = list(values) if isinstance(values, list | tuple) else []
    if operator in ("In", "NotIn") and not given:
        return [Found(("values",), Violation(f"operator {operator} needs values",
                                             "list at least one value under values"))]
    if operator in ("Exists", "DoesNotExist") and given:
        return [Found(("values",), Violation(f"operator {operator} takes no values",
                                             "remove values, or use In / NotIn"))]
    if numeric and operator in ("Gt", "Lt") and (
        len(given) != 1 or not str(given[0]).lstrip("-").isdigit()
    ):
        return [Found(("values",), Violation(f"operator {operator} needs exactly one whole number",
                                             "write one value such as '3'"))]
    return []


# --- labels, selectors -------------------------------------------------------------------------


class LabelRequirement(SpecModel):
    """A label selector requirement: key, operator, values."""

    key: LabelKey = Field(description="Label key.")
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"] = Field(
        description="In, NotIn (need values), Exists, DoesNotExist (take none)."
    )
    values: list[str] | None = Field(default=None, description="Label values.")

    @model_validator(mode="wrap")
    @classmethod
    def _values(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(value, handler, lambda raw: _requirement(raw, numeric=False))


class LabelSelector(SpecModel):
    """Selects Pods by labels: matchLabels and/or matchExpressions (all must hold)."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    matchLabels: dict[LabelKey, LabelValue] | None = Field(
        default=None, description="Label key → value, each must match."
    )
    matchExpressions: list[LabelRequirement] | None = Field(
        default=None, min_length=1, description="Requirements, each must hold."
    )


class NodeRequirement(SpecModel):
    """A node selector requirement: key, operator, values."""

    key: LabelKey = Field(description="Node label key (or field, under matchFields).")
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"] = Field(
        description="In, NotIn, Exists, DoesNotExist, Gt, Lt (Gt/Lt: one whole number)."
    )
    values: list[str] | None = Field(default=None, description="Values to compare with.")

    @model_validator(mode="wrap")
    @classmethod
    def _values(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(value, handler, lambda raw: _requirement(raw, numeric=True))


class NodeSelectorTerm(SpecModel):
    """Node requirements that must all hold (terms of a list are alternatives)."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    matchExpressions: list[NodeRequirement] | None = Field(
        default=None, min_length=1, description="Requirements on node labels."
    )
    matchFields: list[NodeRequirement] | None = Field(
        default=None, min_length=1, description="Requirements on node fields (metadata.name)."
    )


class NodeSelector(SpecModel):
    """Nodes matching any of the terms."""

    nodeSelectorTerms: list[NodeSelectorTerm] = Field(
        min_length=1, description="Alternatives: a node must match one."
    )


class PreferredNode(SpecModel):
    """A weighted preference for nodes."""

    weight: int = Field(ge=1, le=100, description="1-100; higher counts more.")
    preference: NodeSelectorTerm = Field(description="Nodes to prefer.")


class NodeAffinity(SpecModel):
    """Which nodes the Pod must or should run on."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    requiredDuringSchedulingIgnoredDuringExecution: NodeSelector | None = Field(
        default=None, description="Nodes the Pod may run on."
    )
    preferredDuringSchedulingIgnoredDuringExecution: list[PreferredNode] | None = Field(
        default=None, min_length=1, description="Nodes the scheduler prefers."
    )


class PodAffinityTerm(SpecModel):
    """Pods (by labels, in namespaces) whose topology domain this Pod joins or avoids."""

    labelSelector: LabelSelector | None = Field(default=None, description="Which Pods.")
    namespaces: list[DnsLabel] | None = Field(
        default=None, min_length=1, description="Their namespaces (default: this Pod's)."
    )
    namespaceSelector: LabelSelector | None = Field(
        default=None, description="Their namespaces, by namespace labels."
    )
    topologyKey: LabelKey = Field(
        description="Node label that defines a domain, e.g. kubernetes.io/hostname."
    )
    matchLabelKeys: list[LabelKey] | None = Field(
        default=None, min_length=1, description="Label keys whose values must equal this Pod's."
    )
    mismatchLabelKeys: list[LabelKey] | None = Field(
        default=None, min_length=1, description="Label keys whose values must differ."
    )


class PreferredPod(SpecModel):
    """A weighted preference for (or against) Pods."""

    weight: int = Field(ge=1, le=100, description="1-100; higher counts more.")
    podAffinityTerm: PodAffinityTerm = Field(description="The Pods.")


class PodAffinity(SpecModel):
    """Run near (podAffinity) or away from (podAntiAffinity) other Pods."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    requiredDuringSchedulingIgnoredDuringExecution: list[PodAffinityTerm] | None = Field(
        default=None, min_length=1, description="Terms that must hold."
    )
    preferredDuringSchedulingIgnoredDuringExecution: list[PreferredPod] | None = Field(
        default=None, min_length=1, description="Terms the scheduler prefers."
    )


class Affinity(SpecModel):
    """Node affinity, Pod affinity and Pod anti-affinity."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    nodeAffinity: NodeAffinity | None = Field(default=None, description="Node constraints.")
    podAffinity: PodAffinity | None = Field(default=None, description="Run near these Pods.")
    podAntiAffinity: PodAffinity | None = Field(
        default=None, description="Run away from these Pods."
    )


# --- tolerations, spreading, gates -------------------------------------------------------------


INT64_MAX = 2**63 - 1
# Gt / Lt thresholds: a positive 64-bit integer without sign or leading zeros ("0100", "0" no)
_THRESHOLD = re.compile(r"[1-9][0-9]{0,18}")


def _threshold(value: Any) -> bool:
    return (isinstance(value, str) and _THRESHOLD.fullmatch(value) is not None
            and int(value) <= INT64_MAX)


def _toleration(raw: Any) -> list[Found]:
    operator = get(raw, "operator") or "Equal"
    out = []
    if operator == "Exists" and get(raw, "value") not in (None, ""):
        out.append(Found(("value",), Violation("operator Exists takes no value",
                                               "remove value, or use operator: Equal")))
    if operator in ("Gt", "Lt") and not _threshold(get(raw, "value")):
        value = get(raw, "value")
        out.append(Found(("value",) if value is not None else ("operator",), Violation(
            f"operator {operator} compares numbers: value must be a positive whole number "
            f"without leading zeros, found {shown(value) if value is not None else 'none'}",
            "write the threshold as a quoted number, e.g. value: '900'")))
    if get(raw, "key") in (None, "") and operator != "Exists":
        out.append(Found(("operator",) if get(raw, "operator") else (), Violation(
            "a toleration without a key must use operator: Exists",
            "add a key, or set operator: Exists to tolerate every taint")))
    if get(raw, "tolerationSeconds") is not None and get(raw, "effect") != "NoExecute":
        out.append(Found(("tolerationSeconds",), Violation(
            "tolerationSeconds applies only to effect NoExecute",
            "set effect: NoExecute, or remove tolerationSeconds")))
    return out


class Toleration(SpecModel):
    """Lets the Pod run on nodes with a matching taint."""

    key: LabelKey | None = Field(default=None, description="Taint key (empty: every key).")
    operator: Literal["Exists", "Equal", "Gt", "Lt"] | None = Field(
        default=None, description="Equal (default: value must match), Exists (any value), or "
        "Gt / Lt (the taint's value, a whole number, is greater / less than value; alpha in "
        "Kubernetes 1.35+, feature gate TaintTolerationComparisonOperators)."
    )
    value: LabelValue | None = Field(
        default=None, description="Taint value, for Equal; for Gt / Lt the threshold, a positive "
        "whole number without leading zeros."
    )
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = Field(
        default=None, description="Taint effect to tolerate (default: all)."
    )
    tolerationSeconds: int | None = Field(
        default=None, ge=0, description="NoExecute only: stay this long after the taint appears."
    )

    @model_validator(mode="wrap")
    @classmethod
    def _rules(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(value, handler, _toleration)


def _spread(raw: Any) -> list[Found]:
    if get(raw, "minDomains") is not None and get(raw, "whenUnsatisfiable") != "DoNotSchedule":
        return [Found(("minDomains",), Violation(
            "minDomains applies only to whenUnsatisfiable: DoNotSchedule",
            "set whenUnsatisfiable: DoNotSchedule, or remove minDomains"))]
    return []


class TopologySpreadConstraint(SpecModel):
    """Spread matching Pods evenly across topology domains (zones, nodes)."""

    maxSkew: int = Field(ge=1, le=INT32_MAX, description="Most Pods one domain may exceed another.")
    topologyKey: LabelKey = Field(description="Node label of a domain, e.g. topology.kubernetes.io/zone.")
    whenUnsatisfiable: Literal["DoNotSchedule", "ScheduleAnyway"] = Field(
        description="DoNotSchedule or ScheduleAnyway."
    )
    labelSelector: LabelSelector | None = Field(default=None, description="Pods counted.")
    minDomains: int | None = Field(
        default=None, ge=1, le=INT32_MAX, description="Domains to count as existing (DoNotSchedule)."
    )
    nodeAffinityPolicy: Literal["Honor", "Ignore"] | None = Field(
        default=None, description="Whether nodeAffinity/nodeSelector limit the domains."
    )
    nodeTaintsPolicy: Literal["Honor", "Ignore"] | None = Field(
        default=None, description="Whether node taints limit the domains."
    )
    matchLabelKeys: list[LabelKey] | None = Field(
        default=None, min_length=1, description="Label keys whose values group the Pods."
    )

    @model_validator(mode="wrap")
    @classmethod
    def _rules(cls, value: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        return checked(value, handler, _spread)


def unique_spread(raw: Any) -> list[Found]:
    """A topologyKey and whenUnsatisfiable pair appears once."""
    seen: set[tuple[Any, Any]] = set()
    out = []
    for i, item in enumerate(raw if isinstance(raw, list | tuple) else []):
        pair = (get(item, "topologyKey"), get(item, "whenUnsatisfiable"))
        if None not in pair and pair in seen:
            out.append(Found((i, "topologyKey"), Violation(
                f"topologyKey {shown(str(pair[0]))} with {pair[1]} is listed twice",
                "keep one constraint per topologyKey and whenUnsatisfiable")))
        seen.add(pair)
    return out


def unique_names(raw: Any, what: str) -> list[Found]:
    """Each entry's ``name`` appears once (scheduling gates, pull secrets)."""
    seen: set[Any] = set()
    out = []
    for i, item in enumerate(raw if isinstance(raw, list | tuple) else []):
        name = get(item, "name")
        if isinstance(name, str) and name in seen:
            out.append(Found((i, "name"), Violation(f"{what} {shown(name)} is listed twice",
                                                    "list each once")))
        seen.add(name)
    return out


class NameRef(SpecModel):
    """A Secret holding registry credentials (type kubernetes.io/dockerconfigjson)."""

    name: DnsSubdomain = Field(description="Secret name.")


class SchedulingGate(SpecModel):
    """The Pod waits unscheduled until every gate is removed (by a controller)."""

    name: LabelKey = Field(description="Gate name, a qualified name like example.com/quota.")


class HostAlias(SpecModel):
    """An /etc/hosts entry: as in Kubernetes (ValidateHostAliases), the IP and each host name
    are checked, and the host names may be left out."""

    ip: IpAddress = Field(description="IP address.")
    hostnames: list[DnsSubdomain] | None = Field(
        default=None, min_length=1, description="Host names for it (DNS-1123 subdomains)."
    )


class DnsOption(SpecModel):
    """A resolver option (resolv.conf ``options``)."""

    name: str = Field(min_length=1, description="Option name, e.g. ndots.")
    value: str | None = Field(default=None, description="Option value, e.g. 2.")


class DnsConfig(SpecModel):
    """Resolver settings merged with (or, with dnsPolicy None, instead of) the policy's."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    nameservers: list[IpAddress] | None = Field(
        default=None, min_length=1, max_length=3, description="Up to 3 name server IPs."
    )
    searches: list[DnsSubdomain] | None = Field(
        default=None, min_length=1, max_length=32, description="Up to 32 search domains."
    )
    options: list[DnsOption] | None = Field(
        default=None, min_length=1, description="Resolver options."
    )


def dns_policy_none(raw: Any) -> list[Found]:
    """``dnsPolicy: None`` needs ``dnsConfig.nameservers``: there is nothing else to resolve by."""
    if get(raw, "dnsPolicy") != "None":
        return []
    config = get(raw, "dnsConfig")
    if isinstance(config, Mapping | SpecModel) and get(config, "nameservers"):
        return []
    return [Found(("dnsPolicy",), Violation(
        "dnsPolicy None needs dnsConfig.nameservers",
        "add dnsConfig with at least one nameserver, or use another dnsPolicy"), ("dnsConfig",))]
