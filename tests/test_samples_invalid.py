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
    assert 8 <= len(SAMPLES) <= 30  # one per rule family, still a gallery
    assert sorted(p.with_suffix(".err") for p in SAMPLES) == sorted(
        (REPO / "samples" / "invalid").glob("*.err")
    )


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
