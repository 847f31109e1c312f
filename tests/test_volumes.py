"""Volume sources beyond the four basic ones — downwardAPI, projected (with a service account
token), ephemeral, hostPath — and items of ConfigMap/Secret volumes: rendered with their
Kubernetes shape, every rule refused at its line, hostPath refused under both profiles."""

from __future__ import annotations

from textwrap import dedent
from typing import Any

import kubernetes_validate
import pytest

from sentinel import policy, render
from sentinel.errors import SpecError
from sentinel.spec import load_spec_text

KUBERNETES_VERSION = kubernetes_validate.latest_version()


def lines(text: str) -> list[str]:
    """The formatted problems of a spec text (which must be invalid)."""
    with pytest.raises(SpecError) as info:
        load_spec_text(dedent(text), "t.yaml")
    return [p.format() for p in info.value.problems]


def volumes(text: str) -> list[dict[str, Any]]:
    """The rendered volumes of a valid spec, after the strict schema and restricted checks."""
    manifest = render.render(load_spec_text(dedent(text), "t.yaml").model)
    kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    assert policy.check(manifest, "restricted") == []
    out: list[dict[str, Any]] = manifest["spec"]["volumes"]
    return out


def test_items_downward_projected_and_ephemeral_render_as_written() -> None:
    assert volumes("""\
        name: app
        image: busybox:1.36
        volumes:
          - name: conf
            configMap:
              name: settings
              items:
                - key: app.yaml
                  path: conf/app.yaml
            mountPath: /etc/app
          - name: info
            downwardAPI:
              items:
                - path: name
                  fieldRef:
                    fieldPath: metadata.name
            mountPath: /etc/info
          - name: token
            projected:
              sources:
                - serviceAccountToken:
                    path: token
                    expirationSeconds: 600
                - downwardAPI:
                    items:
                      - path: ns
                        fieldRef:
                          fieldPath: metadata.namespace
            mountPath: /var/run/token
          - name: data
            ephemeral:
              volumeClaimTemplate:
                spec:
                  accessModes:
                    - ReadWriteOncePod
                  volumeMode: Filesystem
                  resources:
                    requests:
                      storage: 1Gi
            mountPath: /data
        """) == [
        {"name": "conf", "configMap": {"items": [{"key": "app.yaml", "path": "conf/app.yaml"}],
                                       "name": "settings"}},
        {"name": "info", "downwardAPI": {"items": [
            {"path": "name", "fieldRef": {"fieldPath": "metadata.name"}}]}},
        {"name": "token", "projected": {"sources": [
            {"serviceAccountToken": {"path": "token", "expirationSeconds": 600}},
            {"downwardAPI": {"items": [
                {"path": "ns", "fieldRef": {"fieldPath": "metadata.namespace"}}]}}]}},
        {"name": "data", "ephemeral": {"volumeClaimTemplate": {"spec": {
            "accessModes": ["ReadWriteOncePod"], "volumeMode": "Filesystem",
            "resources": {"requests": {"storage": "1Gi"}}}}}},
    ]


def test_volume_rules() -> None:
    assert lines("""\
        name: web
        image: nginx:1.27
        volumes:
          - name: info
            downwardAPI:
              items:
                - path: labels
                  fieldRef:
                    fieldPath: metadata.labels
                - path: labels
                  fieldRef:
                    fieldPath: status.podIP
                - path: cpu
                  resourceFieldRef:
                    resource: limits.cpu
                - path: mem
                  resourceFieldRef:
                    resource: limits.memory
                    containerName: nope
          - name: all
            projected:
              sources:
                - serviceAccountToken:
                    path: token
                    audience: vault
                    expirationSeconds: 60
                - secret:
                    name: s
                    items:
                      - key: a
                        path: token
                - configMap:
                    name: c
                  secret:
                    name: d
          - name: scratch
            ephemeral:
              volumeClaimTemplate:
                spec:
                  accessModes:
                    - ReadWriteOncePod
                    - ReadWriteOnce
                  resources:
                    requests:
                      storage: lots
          - name: conf
            secret:
              secretName: s
              items:
                - key: a
                  path: ../a
        """) == [
        (
            "t.yaml:10:17: volumes[0].downwardAPI.items[1].path: path 'labels' is used twice (hint: "
            "give each file its own path)"
        ),
        (
            "t.yaml:12:24: volumes[0].downwardAPI.items[1].fieldRef.fieldPath: 'status.podIP' is "
            "not a field the downward API can read (hint: use one of metadata.name, "
            "metadata.namespace, metadata.uid, metadata.labels, metadata.annotations, "
            "metadata.labels['KEY'], metadata.annotations['KEY'])"
        ),
        (
            "t.yaml:15:13: volumes[0].downwardAPI.items[2].resourceFieldRef: a downwardAPI volume "
            "file needs resourceFieldRef.containerName (hint: add containerName: <a container of "
            "this Pod>)"
        ),
        (
            "t.yaml:19:28: volumes[0].downwardAPI.items[3].resourceFieldRef.containerName: "
            "container 'nope' is not in this Pod (containers: web) (hint: name a container of this "
            "Pod)"
        ),
        (
            "t.yaml:26:32: volumes[1].projected.sources[0].serviceAccountToken.expirationSeconds: "
            "must be ≥ 600, found 60 (hint: use a value ≥ 600)"
        ),
        (
            "t.yaml:31:23: volumes[1].projected.sources[1].secret.items[0].path: path 'token' is "
            "used by another source of this volume (hint: give each file of the volume its own path)"
        ),
        (
            "t.yaml:32:11: volumes[1].projected.sources[2]: a projected source needs exactly one of "
            "configMap, secret, downwardAPI, serviceAccountToken, clusterTrustBundle, "
            "podCertificate (found: configMap, secret) (hint: keep exactly one of configMap, "
            "secret, downwardAPI, serviceAccountToken, clusterTrustBundle, podCertificate)"
        ),
        (
            "t.yaml:41:13: volumes[2].ephemeral.volumeClaimTemplate.spec.accessModes: "
            "ReadWriteOncePod cannot be combined with other access modes (hint: list "
            "ReadWriteOncePod alone)"
        ),
        (
            "t.yaml:45:24: "
            "volumes[2].ephemeral.volumeClaimTemplate.spec.resources.requests.storage: 'lots' is "
            "not a Kubernetes quantity (hint: write e.g. 250m or 0.5 (cpu), 128Mi or 1Gi (memory, "
            "ephemeral-storage))"
        ),
        (
            "t.yaml:51:17: volumes[3].secret.items[0].path: '../a' must not contain '..' (hint: use "
            "a relative path below the folder, e.g. 'conf/app.yaml')"
        ),
    ]


@pytest.mark.parametrize("profile", ["restricted", "baseline"])
def test_host_path_is_refused_under_both_profiles(profile: str) -> None:
    assert lines(f"""\
        name: web
        image: nginx:1.27
        security: {profile}
        volumes:
          - name: logs
            hostPath:
              path: /var/log
              type: Directory
            mountPath: /logs
        """) == [
        (f"t.yaml:7:7: volumes[0].hostPath: hostPath volumes are not allowed under the {profile} "
        "profile: they expose the node's files (Pod Security baseline and restricted both forbid "
        "them) (hint: use emptyDir, a persistentVolumeClaim or an ephemeral volume instead)"),
    ]
    # ...which is what the Pod Security check says of such a manifest, under either profile
    manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                "spec": {"volumes": [{"name": "logs", "hostPath": {"path": "/var/log"}}],
                         "containers": []}}
    assert "spec.volumes[0].hostPath" in dict(policy.check(manifest, profile))
