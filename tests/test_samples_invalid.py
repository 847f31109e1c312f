"""The gallery of invalid specs: each ``samples/invalid/<name>.yaml`` gives exactly the lines in
``<name>.err`` (one ``Problem.format()`` line per problem, the file shown as given)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel.errors import SpecError
from sentinel.spec import load_spec

REPO = Path(__file__).resolve().parent.parent
SAMPLES = sorted((REPO / "samples" / "invalid").glob("*.yaml"))


def test_gallery_covers_the_common_mistakes() -> None:
    assert 8 <= len(SAMPLES) <= 40  # one per rule family, still a gallery
    assert sorted(p.with_suffix(".err") for p in SAMPLES) == sorted(
        (REPO / "samples" / "invalid").glob("*.err")
    )


# Each rule family the Pod surface of issue 9 added has its own case, and the case shows the
# family's rule (a field it refuses): deleting a case or losing its rule fails here.
FAMILIES = {
    "affinity-spread": ("affinity.nodeAffinity.", "affinity.podAntiAffinity.",
                        "topologySpreadConstraints[0].minDomains"),
    "dns-policy-none": ("dnsPolicy", "dnsConfig.searches[1]"),
    "sleep-over-grace": ("lifecycle.preStop.sleep.seconds",
                         "sidecars[0].lifecycle.preStop.sleep.seconds"),
    "probe-headers-grpc": ("probes.startup.http.httpHeaders[0].name", "probes.readiness.grpc.port",
                           "probes.liveness.grpc.port"),
    "token-envfrom": ("envFrom[0].prefix",
                      "volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds"),
    "hugepages-request-medium": ("resources.requests.hugepages-2Mi",
                                 "resources.limits.hugepages-2Mi", "volumes[0].emptyDir.medium",
                                 "volumes[1].emptyDir.medium"),
    "probe-other-container-port": ("probes.readiness.http.port",
                                   "sidecars[0].probes.liveness.http.port"),
}


@pytest.mark.parametrize("stem", sorted(FAMILIES))
def test_each_new_rule_family_has_a_case(stem: str) -> None:
    err = REPO / "samples" / "invalid" / f"{stem}.err"
    fields = [line.split(": ", 2)[1] for line in err.read_text(encoding="utf-8").splitlines()]
    for wanted in FAMILIES[stem]:
        assert any(f.startswith(wanted) for f in fields), (stem, wanted, fields)


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_invalid_sample_gives_its_documented_errors(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    relative = Path("samples/invalid") / sample.name
    with pytest.raises(SpecError) as info:
        load_spec(relative)
    expected = sample.with_suffix(".err").read_text(encoding="utf-8").splitlines()
    assert [p.format() for p in info.value.problems] == expected
    assert all(line.startswith(f"{relative}:") for line in expected)
    assert info.value.errors, "every invalid sample has at least one error, not only warnings"
