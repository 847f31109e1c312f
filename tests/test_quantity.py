"""Kubernetes quantities: the grammar, exact values, and numeric (never string) comparison."""

from __future__ import annotations

from fractions import Fraction

import pytest

from sentinel.spec.quantity import QuantityError, format_fraction, parse_quantity


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", Fraction(1)),
        ("0", Fraction(0)),
        ("100m", Fraction(1, 10)),
        ("0.5", Fraction(1, 2)),
        (".5", Fraction(1, 2)),
        ("5.", Fraction(5)),
        ("+2", Fraction(2)),
        ("-1", Fraction(-1)),
        ("128Mi", Fraction(128 * 2**20)),
        ("1Gi", Fraction(2**30)),
        ("1Ki", Fraction(1024)),
        ("1Ei", Fraction(2**60)),
        ("500M", Fraction(500 * 10**6)),
        ("1k", Fraction(1000)),
        ("1E", Fraction(10**18)),
        ("250u", Fraction(250, 10**6)),
        ("3n", Fraction(3, 10**9)),
        ("1e3", Fraction(1000)),
        ("1E-2", Fraction(1, 100)),
        ("1.5e+2", Fraction(150)),
        ("0.1", Fraction(1, 10)),
    ],
)
def test_parses_exactly(text: str, value: Fraction) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "lots",
        "1 Gi",
        "1gi",
        "1GB",
        "1Mi ",
        " 1",
        "1.2.3",
        "e3",
        "1e",
        "1ee3",
        "1e3Ki",
        "--1",
        "0x10",
        "1,5",
        "∞",
        "1e1.5",
        "1e999999999",
        "1" * 65,
    ],
)
def test_refuses_non_quantities(text: str) -> None:
    with pytest.raises(QuantityError):
        parse_quantity(text)


@pytest.mark.parametrize(
    ("smaller", "larger"),
    [
        ("100m", "0.5"),
        ("0.5", "1"),
        ("999m", "1"),
        ("128Mi", "1Gi"),
        ("1000Mi", "1Gi"),
        ("1G", "1Gi"),
        ("1e3", "1Ki"),
        ("0.1", "0.10000000000000001"),
    ],
)
def test_compares_numerically(smaller: str, larger: str) -> None:
    assert parse_quantity(smaller) < parse_quantity(larger)
    # as strings several of these would sort the other way
    assert parse_quantity(larger) > parse_quantity(smaller)


def test_equal_quantities_in_different_units() -> None:
    assert parse_quantity("1000m") == parse_quantity("1") == parse_quantity("1e0")
    assert parse_quantity("1024Ki") == parse_quantity("1Mi")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(1, 2), "0.5"),
        (Fraction(134217728), "134217728"),
        (Fraction(1, 3), "0.333333"),
    ],
)
def test_format_fraction(value: Fraction, text: str) -> None:
    assert format_fraction(value) == text
