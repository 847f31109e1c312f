"""Production advice, code by code (``sentinel.spec.advice`` and the loader's W100): each code
fires on what it is about with its exact line, field, message and hint, stays quiet on a
production-ready spec, and is silenced by the spec's ``ignore:`` — in the main container and in
every further one (``initContainers``, ``sidecars``, ``containers``) it applies to. An unknown
code in ``ignore:`` is an error with a did-you-mean; advice never changes the manifest.
"""

from __future__ import annotations

import pytest

from sentinel.errors import SpecError
from sentinel.render import dump_manifest, render
from sentinel.spec import load_spec_text
from sentinel.spec.advice import CODES

# A production-ready Pod: every container pinned, requesting, memory-limited; the serving ones
# probed for readiness; configuration from a ConfigMap; its own namespace. No advice at all.
SPEC = """\
name: shop
namespace: shop
image: registry.example.com/shop/web:3.2.0
ports:
  - name: http
    containerPort: 8080
probes:
  readiness:
    http:
      path: /healthz
      port: http
resources:
  requests:
    memory: 128Mi
  limits:
    memory: 256Mi
env:
  LOG_LEVEL: info
  DB_HOST:
    configMapKeyRef:
      name: shop-db
      key: host
initContainers:
  - name: migrate
    image: registry.example.com/shop/migrate:3.2.0
    resources:
      requests:
        cpu: 50m
      limits:
        memory: 48Mi
sidecars:
  - name: log-shipper
    image: fluent/fluent-bit:3.1.9
    resources:
      requests:
        cpu: 20m
      limits:
        memory: 64Mi
containers:
  - name: exporter
    image: quay.io/prometheus/statsd-exporter:v0.27.1
    ports:
      - name: metrics
        containerPort: 9102
    probes:
      readiness:
        http:
          path: /metrics
          port: metrics
    resources:
      requests:
        cpu: 30m
      limits:
        memory: 96Mi
"""

HINTS = {
    "W100": "use only letters, digits and '_', not starting with a digit",
    "W101": "set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves "
            "room for it",
    "W102": "set resources.limits.memory so a leak cannot starve the node",
    "W103": "add probes.readiness so traffic only reaches it once it is ready",
    "W104": "pin a version tag (e.g. :1.27) or a digest (@sha256:...)",
    "W105": "set namespace: to a namespace of its own (quotas, RBAC and clean-up per app)",
    "W106": "mount the Secret as a file (a secret volume): env leaks into logs, crash dumps and "
            "child processes",
}


def edit(text: str, old: str, new: str) -> str:
    """``text`` with its one occurrence of ``old`` replaced (a test edits exactly one place)."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


def advice(text: str) -> list[str]:
    """Every warning of a valid spec text, formatted (file t.yaml), in line order."""
    loaded = load_spec_text(text, "t.yaml")
    return sorted(p.format() for p in loaded.warnings + loaded.advice)


def line(at: str, field: str, message: str, code: str) -> str:
    """One formatted warning, with the code's documented hint."""
    return f"t.yaml:{at}: warning: {field}: {message} [{code}] (hint: {HINTS[code]})"


def ignoring(text: str, *codes: str) -> str:
    return text + "ignore:\n" + "".join(f"  - {code}\n" for code in codes)


# Each case: (id, the edit that makes the spec deserve the advice, the one warning it gets).
FIRING: list[tuple[str, tuple[str, str], str]] = [
    ("W100-main", ("  LOG_LEVEL: info\n", "  log.level: info\n"),
     line("18:3", "env['log.level']", "'log.level' is not a C identifier; older Kubernetes "
          "versions reject it", "W100")),
    ("W100-init", ("        memory: 48Mi\n", "        memory: 48Mi\n    env:\n      db.url: x\n"),
     line("32:7", "initContainers[0].env['db.url']", "'db.url' is not a C identifier; older "
          "Kubernetes versions reject it", "W100")),
    ("W100-container", ("        memory: 96Mi\n", "        memory: 96Mi\n    env:\n      a-b: c\n"),
     line("56:7", "containers[0].env.a-b", "'a-b' is not a C identifier; older Kubernetes "
          "versions reject it", "W100")),
    ("W101-main", ("  requests:\n    memory: 128Mi\n", ""),
     line("12:1", "resources.requests", "the main container requests no cpu or memory", "W101")),
    ("W101-init", ("      requests:\n        cpu: 50m\n", ""),
     line("26:5", "initContainers[0].resources.requests",
          "init container 'migrate' requests no cpu or memory", "W101")),
    ("W101-sidecar", ("      requests:\n        cpu: 20m\n", ""),
     line("34:5", "sidecars[0].resources.requests",
          "sidecar 'log-shipper' requests no cpu or memory", "W101")),
    ("W101-container", ("      requests:\n        cpu: 30m\n", ""),
     line("50:5", "containers[0].resources.requests",
          "container 'exporter' requests no cpu or memory", "W101")),
    ("W102-main", ("  limits:\n    memory: 256Mi\n", "  limits:\n    cpu: 500m\n"),
     line("12:1", "resources.limits.memory", "the main container has no memory limit", "W102")),
    ("W102-init", ("      limits:\n        memory: 48Mi\n", ""),
     line("26:5", "initContainers[0].resources.limits.memory",
          "init container 'migrate' has no memory limit", "W102")),
    ("W102-sidecar", ("      limits:\n        memory: 64Mi\n", ""),
     line("34:5", "sidecars[0].resources.limits.memory",
          "sidecar 'log-shipper' has no memory limit", "W102")),
    ("W102-container", ("      limits:\n        memory: 96Mi\n", ""),
     line("50:5", "containers[0].resources.limits.memory",
          "container 'exporter' has no memory limit", "W102")),
    ("W103-main", ("probes:\n  readiness:\n    http:\n      path: /healthz\n      port: http\n", ""),
     line("4:1", "probes.readiness", "the main container has ports but no readiness probe",
          "W103")),
    ("W103-main-liveness-only", ("  readiness:\n    http:\n      path: /healthz\n",
                                 "  liveness:\n    http:\n      path: /healthz\n"),
     line("7:1", "probes.readiness", "the main container has ports but no readiness probe",
          "W103")),
    ("W103-sidecar", ("    image: fluent/fluent-bit:3.1.9\n",
                      ("    image: fluent/fluent-bit:3.1.9\n    ports:\n      - name: forward\n"
                      "        containerPort: 24224\n")),
     line("34:5", "sidecars[0].probes.readiness",
          "sidecar 'log-shipper' has ports but no readiness probe", "W103")),
    ("W103-container", ("      readiness:\n        http:\n          path: /metrics\n",
                        "      liveness:\n        http:\n          path: /metrics\n"),
     line("45:5", "containers[0].probes.readiness",
          "container 'exporter' has ports but no readiness probe", "W103")),
    ("W104-untagged", ("image: registry.example.com/shop/web:3.2.0\n",
                       "image: registry.example.com/shop/web\n"),
     line("3:1", "image", "image 'registry.example.com/shop/web' has no tag (means :latest); "
          "the same spec can run different code", "W104")),
    ("W104-latest", ("image: registry.example.com/shop/web:3.2.0\n",
                     "image: registry.example.com/shop/web:latest\n"),
     line("3:1", "image", "image 'registry.example.com/shop/web:latest' is tagged :latest; "
          "the same spec can run different code", "W104")),
    ("W104-registry-port", ("image: registry.example.com/shop/web:3.2.0\n",
                            "image: registry.example.com:5000/shop/web\n"),
     line("3:1", "image", "image 'registry.example.com:5000/shop/web' has no tag (means "
          ":latest); the same spec can run different code", "W104")),
    ("W104-init", ("registry.example.com/shop/migrate:3.2.0", "registry.example.com/shop/migrate"),
     line("25:5", "initContainers[0].image", "image 'registry.example.com/shop/migrate' has "
          "no tag (means :latest); the same spec can run different code", "W104")),
    ("W104-sidecar", ("fluent/fluent-bit:3.1.9", "fluent/fluent-bit:latest"),
     line("33:5", "sidecars[0].image", "image 'fluent/fluent-bit:latest' is tagged :latest; "
          "the same spec can run different code", "W104")),
    ("W104-container", ("statsd-exporter:v0.27.1", "statsd-exporter"),
     line("41:5", "containers[0].image", "image 'quay.io/prometheus/statsd-exporter' has no "
          "tag (means :latest); the same spec can run different code", "W104")),
    ("W105-explicit", ("namespace: shop\n", "namespace: default\n"),
     line("2:1", "namespace", "the Pod goes to the 'default' namespace", "W105")),
    ("W105-omitted", ("namespace: shop\n", ""),
     line("1:1", "namespace", "the Pod goes to the 'default' namespace", "W105")),
    ("W106-main", ("    configMapKeyRef:\n      name: shop-db\n",
                   "    secretKeyRef:\n      name: shop-db\n"),
     line("19:3", "env.DB_HOST", "Secret 'shop-db' is passed as environment (DB_HOST)", "W106")),
    ("W106-init-envFrom", ("        memory: 48Mi\n",
                           ("        memory: 48Mi\n    envFrom:\n      - secretRef:\n"
                           "          name: shop-db\n        prefix: DB_\n")),
     ("t.yaml:32:9: warning: initContainers[0].envFrom[0]: Secret 'shop-db' is passed as "
     "environment (envFrom) [W106] (hint: mount the Secret as a file (a secret volume) "
     "instead of envFrom)")),
    ("W106-sidecar", ("        memory: 64Mi\n",
                      ("        memory: 64Mi\n    env:\n      TOKEN:\n        secretKeyRef:\n"
                      "          name: shipper\n          key: token\n")),
     line("40:7", "sidecars[0].env.TOKEN", "Secret 'shipper' is passed as environment (TOKEN)",
          "W106")),
]


def test_a_production_ready_spec_gets_no_advice() -> None:
    assert advice(SPEC) == []
    # Nor do the pinned and digest forms of an image, nor a ConfigMap passed as envFrom.
    digest = "registry.example.com/shop/web@sha256:" + "a" * 64
    assert advice(edit(SPEC, "registry.example.com/shop/web:3.2.0", digest)) == []
    assert advice(edit(SPEC, "registry.example.com/shop/web:3.2.0",
                       "registry.example.com:5000/shop/web:3.2.0")) == []
    assert advice(edit(SPEC, "        memory: 48Mi\n", "        memory: 48Mi\n    envFrom:\n"
                             "      - configMapRef:\n          name: shop-env\n")) == []


def test_every_code_has_cases() -> None:
    """The table is the README's; every code in it is exercised here, fired and ignored."""
    assert {case_id.split("-")[0] for case_id, _, _ in FIRING} == set(CODES)
    assert set(HINTS) == set(CODES)


@pytest.mark.parametrize(("change", "expected"), [c[1:] for c in FIRING],
                         ids=[c[0] for c in FIRING])
def test_advice_fires_with_line_field_and_hint(change: tuple[str, str], expected: str) -> None:
    assert advice(edit(SPEC, *change)) == [expected]


@pytest.mark.parametrize(("change", "expected"), [c[1:] for c in FIRING],
                         ids=[c[0] for c in FIRING])
def test_ignore_silences_exactly_its_code(change: tuple[str, str], expected: str) -> None:
    text = edit(SPEC, *change)
    code = expected.split("[")[-1].split("]")[0]
    assert advice(ignoring(text, code)) == []
    others = [c for c in CODES if c != code]
    assert advice(ignoring(text, *others)) == [expected]  # the other codes do not silence it


def test_no_resources_at_all_points_at_the_image() -> None:
    text = edit(SPEC, "resources:\n  requests:\n    memory: 128Mi\n  limits:\n    memory: 256Mi\n",
                "")
    assert advice(text) == [
        line("3:1", "resources.limits.memory", "the main container has no memory limit", "W102"),
        line("3:1", "resources.requests", "the main container requests no cpu or memory",
             "W101"),
    ]
    assert advice(ignoring(text, "W101", "W102")) == []


def test_pod_resources_cover_every_container() -> None:
    """Pod-level requests and a Pod-level memory limit are shared by all containers."""
    bare = SPEC
    for old in ("  requests:\n    memory: 128Mi\n  limits:\n    memory: 256Mi\n",
                "      requests:\n        cpu: 50m\n      limits:\n        memory: 48Mi\n",
                "      requests:\n        cpu: 20m\n      limits:\n        memory: 64Mi\n",
                "      requests:\n        cpu: 30m\n      limits:\n        memory: 96Mi\n"):
        bare = edit(bare, old, "    cpu: 1m\n" if old.startswith("  requests") else "")
    bare = bare.replace("resources:\n    cpu: 1m\n", "").replace("    resources:\n", "")
    codes = [p.split("[W")[1][:3] for p in advice(bare)]
    assert codes == ["102", "101"] * 4  # all four containers, both codes
    pod = bare + "podResources:\n  requests:\n    cpu: 500m\n  limits:\n    memory: 512Mi\n"
    assert advice(pod) == []
    only_requests = bare + "podResources:\n  requests:\n    memory: 256Mi\n"
    assert [p.split("[W")[1][:3] for p in advice(only_requests)] == ["102"] * 4


def test_init_containers_get_no_readiness_advice() -> None:
    """Kubernetes refuses probes on init containers, so ports there deserve no W103."""
    text = edit(SPEC, "    image: registry.example.com/shop/migrate:3.2.0\n",
                "    image: registry.example.com/shop/migrate:3.2.0\n    ports:\n"
                "      - name: debug\n        containerPort: 5005\n")
    assert advice(text) == []


def test_several_findings_in_several_containers_are_all_listed() -> None:
    text = edit(edit(SPEC, "statsd-exporter:v0.27.1", "statsd-exporter"),
                "fluent/fluent-bit:3.1.9", "fluent/fluent-bit")
    text = edit(text, "namespace: shop\n", "namespace: default\n")
    assert [p.split(": warning: ")[1].split(":")[0] for p in advice(text)] == [
        "namespace", "sidecars[0].image", "containers[0].image"]
    assert advice(ignoring(text, "W104")) == [
        line("2:1", "namespace", "the Pod goes to the 'default' namespace", "W105")]


@pytest.mark.parametrize(("code", "hint"), [
    ("W10", "did you mean 'W106'? (secret-in-env)"),
    ("w104", "did you mean 'W104'? (mutable-image)"),
    ("W014", "did you mean 'W104'? (mutable-image)"),
    ("no-requests", "known codes: W100, W101, W102, W103, W104, W105, W106"),
])
def test_an_unknown_code_in_ignore_is_an_error_with_a_did_you_mean(code: str, hint: str) -> None:
    with pytest.raises(SpecError) as info:
        load_spec_text(ignoring(SPEC, "W105", code), "t.yaml")
    assert [p.format() for p in info.value.problems] == [
        f"t.yaml:57:5: ignore[1]: unknown advice code {code!r} in ignore (hint: {hint})"]


def test_ignore_must_be_a_list() -> None:
    with pytest.raises(SpecError) as info:
        load_spec_text(SPEC + "ignore: W104\n", "t.yaml")
    [problem] = info.value.problems
    assert (problem.line, problem.field) == (55, "ignore")
    assert "expected a list" in problem.message


def test_advice_and_ignore_never_change_the_manifest() -> None:
    noisy = edit(SPEC, "namespace: shop\n", "")
    quiet = ignoring(noisy, "W105")
    assert advice(noisy) and not advice(quiet)
    rendered = [dump_manifest(render(load_spec_text(t, "t.yaml").model)) for t in (noisy, quiet)]
    assert rendered[0] == rendered[1]
