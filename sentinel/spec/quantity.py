"""Kubernetes resource quantities (``100m``, ``0.5``, ``128Mi``, ``1e3``) parsed to exact numbers.

Requests and limits must be compared numerically — ``100m < 0.5 < 1`` and ``128Mi < 1Gi`` — and
floats would make ``0.1 + 0.2``-style mistakes, so quantities become ``fractions.Fraction``.
The grammar is apimachinery's (``pkg/api/resource/quantity.go``); huge exponents are refused
before any arithmetic so a hostile value cannot make the loader compute ``10**10**9``.
"""

from __future__ import annotations

import functools
import math
import re
from fractions import Fraction

from sentinel.spec.rules import shown

_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
# The grammar once: QUANTITY (published in the JSON Schema) and _RE (which also names the parts).
QUANTITY = rf"{_NUMBER}(?:[KMGTPE]i|[numkMGTPE]|[eE]{_NUMBER})?"
_RE = re.compile(
    rf"(?P<num>{_NUMBER})(?:(?P<bin>[KMGTPE]i)|(?P<dec>[numkMGTPE])|[eE](?P<exp>{_NUMBER}))?"
)
_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_MAX_DIGITS = 64  # apimachinery caps quantities far below this; more is a typo or an attack
_MAX_EXPONENT = 64

HINT = "write e.g. 250m or 0.5 (cpu), 128Mi or 1Gi (memory, ephemeral-storage)"


class QuantityError(ValueError):
    """The text is not a Kubernetes quantity."""


@functools.lru_cache(maxsize=1024)  # specs repeat a few quantities (100m, 128Mi) many times
def parse_quantity(text: str) -> Fraction:
    """The exact value of a quantity string; raises ``QuantityError`` if it is not one."""
    match = _RE.fullmatch(text)
    if match is None:
        raise QuantityError(f"{shown(text)} is not a Kubernetes quantity")
    number = match["num"]
    if len(number) > _MAX_DIGITS or len(match["exp"] or "") > _MAX_DIGITS:
        raise QuantityError(f"{shown(text)} has too many digits")
    value = Fraction(number)
    if match["bin"]:
        return value * Fraction(1024) ** _BINARY[match["bin"]]
    if match["dec"]:
        return value * Fraction(10) ** _DECIMAL[match["dec"]]
    if match["exp"] is not None:
        exponent = Fraction(match["exp"])
        if exponent.denominator != 1:
            # apimachinery accepts the syntax but cannot represent it; say so rather than guess
            raise QuantityError(f"{shown(text)} has a fractional exponent")
        if abs(exponent) > _MAX_EXPONENT:
            raise QuantityError(f"{shown(text)} is out of range")
        return value * Fraction(10) ** int(exponent)
    return value


def quantity_text(value: object) -> str | None:
    """The quantity text of a spec value: strings as they are, numbers (from JSON) written out.

    None for anything else (bools, NaN, infinities, ints too long for ``str``).
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    try:
        return str(value)
    except ValueError:  # more than 4300 digits
        return None


def format_fraction(value: Fraction) -> str:
    """A short human form of an exact value, for messages (``0.5``, ``134217728``)."""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):g}"
