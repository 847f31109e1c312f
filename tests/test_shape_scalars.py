"""The shape check's own answers for Str, Enum and Int must be strictyaml's answers.

``sentinel.spec.shape`` answers the common scalar validators directly instead of building a
strictyaml chunk per value; strictyaml's validators stay the reference, compared here on
generated text (digits, signs, underscores, spaces, newlines, any Unicode).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from strictyaml import exceptions as sy_exc
from strictyaml.scalar import Enum, Int, Str
from strictyaml.validators import Validator
from strictyaml.yamllocation import YAMLChunk

from sentinel.spec.shape import _BAD, _Walker

VALIDATORS: list[Validator] = [Str(), Int(), Enum(["Always", "OnFailure", "Never"]),
                               Enum(["TCP", "UDP", "SCTP"])]
TEXT = st.one_of(
    st.text(alphabet="0123456789_+- \nTCPUDAlwaysNevr", max_size=12),
    st.sampled_from(["", "0", "-1", "+7", "1_000", "8080\n", " 80", "0x1f", "1e3", "Always",
                     "always", "TCP", "9" * 5000]),
    st.text(max_size=20),
)


def reference(validator: Validator, text: str) -> Any:
    try:
        return validator(YAMLChunk(text, label="s.yaml")).data
    except sy_exc.YAMLValidationError:
        return _BAD
    except ValueError:
        return _BAD


@settings(max_examples=400, deadline=None)
@given(text=TEXT, index=st.integers(0, len(VALIDATORS) - 1))
def test_direct_answers_equal_strictyaml(text: str, index: int) -> None:
    validator = VALIDATORS[index]
    got = _Walker("s.yaml", None)._scalar(text, validator)
    want = reference(validator, text)
    assert got == want and type(got) is type(want), (text, validator)
