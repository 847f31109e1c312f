"""Scheduling keys (imagePullSecrets, tolerations, affinity, topologySpreadConstraints,
priorityClassName, activeDeadlineSeconds, hostAliases, dnsPolicy/dnsConfig, schedulingGates):
they render with their Kubernetes shape, and each admission rule is refused at its line."""

from __future__ import annotations

from textwrap import dedent
from typing import Any

import kubernetes_validate
import pytest

from sentinel import render
from sentinel.errors import SpecError
from sentinel.spec import load_spec_text

KUBERNETES_VERSION = kubernetes_validate.latest_version()


def lines(text: str) -> list[str]:
    """The formatted problems of a spec text (which must be invalid)."""
    with pytest.raises(SpecError) as info:
        load_spec_text(dedent(text), "t.yaml")
    return [p.format() for p in info.value.problems]


def pod_spec(text: str) -> dict[str, Any]:
    """The rendered Pod's spec of a valid spec text, checked against the Kubernetes schema."""
    manifest = render.render(load_spec_text(dedent(text), "t.yaml").model)
    kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    spec: dict[str, Any] = manifest["spec"]
    return spec


def test_scheduling_keys_render_as_written() -> None:
    spec = pod_spec("""\
        name: app
        image: busybox:1.36
        imagePullSecrets:
          - name: regcred
        priorityClassName: high
        activeDeadlineSeconds: 600
        tolerations:
          - operator: Exists
        affinity:
          podAffinity:
            requiredDuringSchedulingIgnoredDuringExecution:
              - topologyKey: topology.kubernetes.io/zone
                namespaces:
                  - cache
                labelSelector:
                  matchExpressions:
                    - key: app
                      operator: In
                      values:
                        - redis
        topologySpreadConstraints:
          - maxSkew: 2
            topologyKey: kubernetes.io/hostname
            whenUnsatisfiable: DoNotSchedule
            minDomains: 3
            nodeTaintsPolicy: Honor
            matchLabelKeys:
              - pod-template-hash
        schedulingGates:
          - name: example.com/wait
        hostAliases:
          - ip: fd00::1
            hostnames:
              - a.internal
              - b.internal
        dnsPolicy: None
        dnsConfig:
          nameservers:
            - 1.1.1.1
          searches:
            - example.com
        """)
    assert spec["imagePullSecrets"] == [{"name": "regcred"}]
    assert spec["priorityClassName"] == "high"
    assert spec["activeDeadlineSeconds"] == 600
    assert spec["tolerations"] == [{"operator": "Exists"}]
    assert spec["affinity"] == {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchExpressions": [
            {"key": "app", "operator": "In", "values": ["redis"]}]},
         "namespaces": ["cache"], "topologyKey": "topology.kubernetes.io/zone"}]}}
    assert spec["topologySpreadConstraints"] == [{
        "maxSkew": 2, "topologyKey": "kubernetes.io/hostname",
        "whenUnsatisfiable": "DoNotSchedule", "minDomains": 3, "nodeTaintsPolicy": "Honor",
        "matchLabelKeys": ["pod-template-hash"]}]
    assert spec["schedulingGates"] == [{"name": "example.com/wait"}]
    assert spec["hostAliases"] == [{"ip": "fd00::1", "hostnames": ["a.internal", "b.internal"]}]
    assert (spec["dnsPolicy"], spec["dnsConfig"]) == (
        "None", {"nameservers": ["1.1.1.1"], "searches": ["example.com"]})


def test_tolerations_and_selector_operators() -> None:
    assert lines("""\
        name: web
        image: nginx:1.27
        tolerations:
          - key: gpu
            operator: Exists
            value: "yes"
          - operator: Equal
            value: x
          - key: a
            effect: NoSchedule
            tolerationSeconds: 5
        affinity:
          nodeAffinity:
            requiredDuringSchedulingIgnoredDuringExecution:
              nodeSelectorTerms:
                - matchExpressions:
                    - key: zone
                      operator: In
                    - key: cores
                      operator: Gt
                      values:
                        - many
          podAntiAffinity:
            preferredDuringSchedulingIgnoredDuringExecution:
              - weight: 101
                podAffinityTerm:
                  topologyKey: kubernetes.io/hostname
                  labelSelector:
                    matchExpressions:
                      - key: app
                        operator: Exists
                        values:
                          - web
        """) == [
        (
            "t.yaml:6:12: tolerations[0].value: operator Exists takes no value (hint: remove value, "
            "or use operator: Equal)"
        ),
        (
            "t.yaml:7:15: tolerations[1].operator: a toleration without a key must use operator: "
            "Exists (hint: add a key, or set operator: Exists to tolerate every taint)"
        ),
        (
            "t.yaml:11:24: tolerations[2].tolerationSeconds: tolerationSeconds applies only to "
            "effect NoExecute (hint: set effect: NoExecute, or remove tolerationSeconds)"
        ),
        (
            "t.yaml:17:15: "
            "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: "
            "operator In needs values (hint: list at least one value under values)"
        ),
        (
            "t.yaml:22:17: "
            "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[1].values: "
            "operator Gt needs exactly one whole number (hint: write one value such as '3')"
        ),
        (
            "t.yaml:25:17: "
            "affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: "
            "must be ≤ 100, found 101 (hint: use a value ≤ 100)"
        ),
        (
            "t.yaml:33:19: "
            "affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchExpressions[0].values: "
            "operator Exists takes no values (hint: remove values, or use In / NotIn)"
        ),
    ]


def test_spreading_gates_hosts_dns_and_names() -> None:
    assert lines("""\
        name: web
        image: nginx:1.27
        topologySpreadConstraints:
          - maxSkew: 0
            topologyKey: zone
            whenUnsatisfiable: ScheduleAnyway
            minDomains: 2
          - maxSkew: 1
            topologyKey: zone
            whenUnsatisfiable: ScheduleAnyway
        schedulingGates:
          - name: example.com/quota
          - name: example.com/quota
        hostAliases:
          - ip: 10.0.0.300
            hostnames:
              - db.local
        dnsPolicy: None
        dnsConfig:
          searches:
            - svc.cluster.local
        imagePullSecrets:
          - name: Regcred
        priorityClassName: high
        activeDeadlineSeconds: 0
        """) == [
        (
            "t.yaml:4:14: topologySpreadConstraints[0].maxSkew: must be ≥ 1, found 0 (hint: use a "
            "value ≥ 1)"
        ),
        (
            "t.yaml:7:17: topologySpreadConstraints[0].minDomains: minDomains applies only to "
            "whenUnsatisfiable: DoNotSchedule (hint: set whenUnsatisfiable: DoNotSchedule, or "
            "remove minDomains)"
        ),
        (
            "t.yaml:9:18: topologySpreadConstraints[1].topologyKey: topologyKey 'zone' with "
            "ScheduleAnyway is listed twice (hint: keep one constraint per topologyKey and "
            "whenUnsatisfiable)"
        ),
        (
            "t.yaml:13:11: schedulingGates[1].name: scheduling gate 'example.com/quota' is listed "
            "twice (hint: list each once)"
        ),
        (
            "t.yaml:15:9: hostAliases[0].ip: '10.0.0.300' is not an IP address (hint: write e.g. "
            "10.0.0.10 or fd00::10)"
        ),
        (
            "t.yaml:18:12: dnsPolicy: dnsPolicy None needs dnsConfig.nameservers (hint: add "
            "dnsConfig with at least one nameserver, or use another dnsPolicy)"
        ),
        (
            "t.yaml:23:11: imagePullSecrets[0].name: 'Regcred' is not a valid DNS-1123 subdomain "
            "(hint: use lowercase letters, digits, '-' and '.', each part starting and ending "
            "alphanumeric)"
        ),
        "t.yaml:25:24: activeDeadlineSeconds: must be ≥ 1, found 0 (hint: use a value ≥ 1)",
    ]


def test_enums_are_checked_by_the_yaml_layer() -> None:
    assert lines("""\
        name: web
        image: nginx:1.27
        dnsPolicy: clusterfirst
        tolerations:
          - key: a
            effect: NoExecut
        """) == [
        (
            "t.yaml:3:12: dnsPolicy: expected one of ClusterFirst, ClusterFirstWithHostNet, "
            "Default, None, found 'clusterfirst' (hint: values are case-sensitive: write "
            "ClusterFirst)"
        ),
        (
            "t.yaml:6:13: tolerations[0].effect: expected one of NoSchedule, PreferNoSchedule, "
            "NoExecute, found 'NoExecut' (hint: use one of NoSchedule, PreferNoSchedule, NoExecute)"
        ),
    ]
