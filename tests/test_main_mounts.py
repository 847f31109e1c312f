"""``volumeMounts`` of the main container: further mounts of the Pod's volumes (a volume mounted
a second time, at another path or subPath) beside the first mount each volume entry carries.
Names must be volumes of the Pod, paths unique across every mount of the main container; the
mounts render after the volumes' own, and a Pod whose container mounts one volume twice (the
corpus' pv-duplicate.yaml) imports without loss. Hypothesis draws mount lists: what loads renders
a valid manifest with unique paths, and imports back to the same Pod."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import jsonschema
import kubernetes_validate
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sentinel import policy, render
from sentinel.errors import SpecError
from sentinel.importer import import_text
from sentinel.render import dump_manifest
from sentinel.spec import dump_spec, load_spec_text
from sentinel.spec.schema import json_schema

HEAD = dedent("""\
    name: app
    image: busybox:1.36
    runAsUser: 1000
    volumes:
      - name: config
        configMap:
          name: app-config
        mountPath: /etc/app
      - name: data
        persistentVolumeClaim:
          claimName: app-data
    """)
CORPUS = (Path(__file__).resolve().parent / "corpus" / "kubernetes-website" / "pods" / "storage"
          / "pv-duplicate.yaml")


def lines(text: str) -> list[str]:
    """The formatted problems of a spec text (which must be invalid)."""
    with pytest.raises(SpecError) as info:
        load_spec_text(text, "t.yaml")
    return [p.format() for p in info.value.problems]


def test_further_mounts_render_after_the_volumes_own() -> None:
    manifest = render.render(load_spec_text(HEAD + dedent("""\
        volumeMounts:
          - name: config
            mountPath: /etc/app-extra.conf
            subPath: extra.conf
            readOnly: true
          - name: data
            mountPath: /data
        """), "t.yaml").model)
    assert manifest["spec"]["containers"][0]["volumeMounts"] == [
        {"name": "config", "mountPath": "/etc/app"},
        {"name": "config", "mountPath": "/etc/app-extra.conf", "readOnly": True,
         "subPath": "extra.conf"},
        {"name": "data", "mountPath": "/data"},
    ]
    kubernetes_validate.validate(manifest, kubernetes_validate.latest_version(), strict=True)
    assert policy.check(manifest, "restricted") == []


def test_rules_with_their_lines() -> None:
    assert lines(HEAD + dedent("""\
        volumeMounts:
          - name: config
            mountPath: /etc/app/
          - name: cache
            mountPath: /cache
          - name: data
            mountPath: /cache
          - name: data
            mountPath: data
        """)) == [
        ("t.yaml:14:16: volumeMounts[0].mountPath: mountPath '/etc/app/' is already the "
         "mountPath of volumes[0] (hint: mount each volume at its own path)"),
        ("t.yaml:15:11: volumeMounts[1].name: volume 'cache' is not under volumes (volumes: "
         "config, data) (hint: add a volume with name: cache under volumes, or use one listed)"),
        ("t.yaml:18:16: volumeMounts[2].mountPath: mountPath '/cache' is used by another mount "
         "of this container (hint: mount each volume at its own path)"),
        ("t.yaml:20:16: volumeMounts[3].mountPath: 'data' must be an absolute path (hint: start "
         "it with '/')"),
    ]


def test_json_schema() -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    base = {"name": "app", "image": "busybox:1.36",
            "volumes": [{"name": "v", "emptyDir": {}, "mountPath": "/v"}]}
    assert not list(validator.iter_errors({**base, "volumeMounts": [
        {"name": "v", "mountPath": "/w", "subPath": "x"}]}))
    assert list(validator.iter_errors({**base, "volumeMounts": []}))
    assert list(validator.iter_errors({**base, "volumeMounts": [{"name": "v"}]}))


def test_corpus_file_imports_without_loss() -> None:
    (result,) = import_text(CORPUS.read_text(), "pv-duplicate.yaml").pods
    assert not result.lost
    manifest = render.render(load_spec_text(result.text, "spec.yaml").model)
    assert manifest["spec"]["containers"][0]["volumeMounts"] == [
        {"name": "config", "mountPath": "/usr/share/nginx/html", "subPath": "html"},
        {"name": "config", "mountPath": "/etc/nginx/nginx.conf", "subPath": "nginx.conf"},
    ]


MOUNT = st.fixed_dictionaries(
    {"name": st.sampled_from(["config", "data", "nope"]),
     "mountPath": st.sampled_from(["/etc/app", "/a", "/b", "/b/", "/c"])},
    optional={"subPath": st.sampled_from(["x", "y/z"]), "readOnly": st.booleans()},
)


@settings(max_examples=60, deadline=None, database=None)
@given(st.lists(MOUNT, min_size=1, max_size=4))
def test_drawn_mounts_render_unique_and_import_back(mounts: list[dict[str, object]]) -> None:
    data = {"name": "app", "image": "busybox:1.36", "runAsUser": 1000, "volumes": [
        {"name": "config", "configMap": {"name": "c"}, "mountPath": "/etc/app"},
        {"name": "data", "emptyDir": {}}], "volumeMounts": mounts}
    paths = ["/etc/app"] + [str(m["mountPath"]).rstrip("/") for m in mounts]
    good = len(set(paths)) == len(paths) and all(m["name"] != "nope" for m in mounts)
    try:
        text = dump_spec(data)
    except SpecError as err:
        assert not good
        assert all(p.field.startswith("volumeMounts[") for p in err.problems), err.problems
        return
    assert good
    manifest = render.render(load_spec_text(text, "spec.yaml").model)
    rendered = manifest["spec"]["containers"][0]["volumeMounts"]
    assert [m["mountPath"] for m in rendered] == ["/etc/app"] + [m["mountPath"] for m in mounts]
    kubernetes_validate.validate(manifest, kubernetes_validate.latest_version(), strict=True)
    (back,) = import_text(dump_manifest(manifest).decode(), "pod.yaml").pods
    assert not back.lost
    again = render.render(load_spec_text(back.text, "spec.yaml").model)
    assert again["spec"]["containers"][0]["volumeMounts"] == [
        {k: v for k, v in m.items() if v is not False} for m in rendered]


def test_import_keeps_the_order_of_mounts_that_are_not_in_volume_order() -> None:
    """Found by the test above: mounts config:/etc/app, config:/b, data:/a. Giving data its
    volume mountPath would render /a before /b; the import keeps data's mount in volumeMounts."""
    pod = dedent("""\
        apiVersion: v1
        kind: Pod
        metadata:
          name: app
        spec:
          securityContext:
            runAsUser: 1000
          containers:
          - name: app
            image: busybox:1.36
            volumeMounts:
            - {name: config, mountPath: /etc/app}
            - {name: config, mountPath: /b}
            - {name: data, mountPath: /a}
          volumes:
          - {name: config, configMap: {name: c}}
          - {name: data, emptyDir: {}}
        """)
    (back,) = import_text(pod, "pod.yaml").pods
    assert not back.lost
    spec = load_spec_text(back.text, "spec.yaml")
    assert spec.model.volumes[1].mountPath is None
    mounts = render.render(spec.model)["spec"]["containers"][0]["volumeMounts"]
    assert [(m["name"], m["mountPath"]) for m in mounts] == [
        ("config", "/etc/app"), ("config", "/b"), ("data", "/a")]
