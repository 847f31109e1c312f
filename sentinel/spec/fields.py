"""Constrained field types of the spec model: names, paths, quantities, port references.

Each type is a pydantic ``Annotated`` alias that checks its value with a rule from ``rules.py``
and publishes the same rule (pattern, length) in the JSON Schema. Rule failures raise
``PydanticCustomError`` with a ``message`` and a ``hint`` in the error context, which the loader
turns into one-line, fixable ``Problem``s. ``checked`` runs a cross-field rule from
``crossfield.py`` inside a wrap validator and raises all its located problems at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, NoReturn, TypeVar

from pydantic import AfterValidator, Field, PlainValidator, ValidationError, WithJsonSchema
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from sentinel.spec import rules
from sentinel.spec.crossfield import Found
from sentinel.spec.quantity import HINT as QUANTITY_HINT
from sentinel.spec.quantity import QUANTITY, QuantityError, parse_quantity, quantity_text
from sentinel.spec.rules import Violation, anchored

RULE_ERROR = "spec_rule"
VIOLATIONS_ERROR = "spec_rules"

T = TypeVar("T")


def fail(violation: Violation) -> NoReturn:
    """Raise one rule violation as a pydantic error carrying its fix hint."""
    raise PydanticCustomError(
        RULE_ERROR,
        "{message}",
        {"message": violation.message, "hint": violation.hint},
    )


def _violations_error(found: Sequence[Found]) -> PydanticCustomError:
    first = found[0].violation
    summary = first.message if len(found) == 1 else f"{first.message} (and {len(found) - 1} more)"
    return PydanticCustomError(
        VIOLATIONS_ERROR,
        "{message}",
        {
            "message": summary,
            "hint": first.hint,
            "violations": tuple(
                (f.loc, f.violation.message, f.violation.hint, f.depends) for f in found
            ),
        },
    )


def checked(value: Any, handler: Callable[[Any], T], check: Callable[[Any], list[Found]]) -> T:
    """Validate ``value`` as usual and with a raw-data rule; report both when both fail.

    For ``mode="wrap"`` validators: without this, a cross-field rule would only be checked once
    every field it compares is valid on its own, hiding problems until the next run.
    """
    try:
        result = handler(value)
    except ValidationError as exc:
        found = check(value)
        if not found:
            raise
        details = [_as_detail(e) for e in exc.errors(include_url=False)]
        details.append(InitErrorDetails(type=_violations_error(found), loc=(), input=value))
        raise ValidationError.from_exception_data(exc.title, details) from None
    found = check(value)
    if found:
        raise _violations_error(found)
    return result


def _as_detail(error: ErrorDetails) -> InitErrorDetails:
    # Re-raise an error as it was: same type name, location, message and context.
    ctx = dict(error.get("ctx") or {})
    ctx.setdefault("message", error["msg"])
    return InitErrorDetails(
        type=PydanticCustomError(error["type"], "{message}", ctx),
        loc=error["loc"],
        input=error["input"],
    )


def _rule(check: Callable[..., Violation | None], **kwargs: str) -> AfterValidator:
    def validate(value: str) -> str:
        bad = check(value, **kwargs)
        if bad is not None:
            fail(bad)
        return value

    return AfterValidator(validate)


def _schema(pattern: str | None = None, max_length: int | None = None, **extra: Any) -> Any:
    schema: dict[str, Any] = dict(extra)
    if pattern is not None:
        schema["pattern"] = anchored(pattern)
    if max_length is not None:
        schema["maxLength"] = max_length
    return Field(json_schema_extra=schema)


DnsLabel = Annotated[
    str, _rule(rules.check_dns_label), _schema(rules.DNS_LABEL, rules.DNS_LABEL_MAX, minLength=1)
]
DnsSubdomain = Annotated[
    str,
    _rule(rules.check_dns_subdomain),
    _schema(rules.DNS_SUBDOMAIN, rules.DNS_SUBDOMAIN_MAX, minLength=1),
]
LabelKey = Annotated[str, _rule(rules.check_label_key), _schema(rules.LABEL_KEY, minLength=1)]
AnnotationKey = Annotated[
    str, _rule(rules.check_label_key, what="annotation key"), _schema(rules.LABEL_KEY, minLength=1)
]
LabelValue = Annotated[
    str, _rule(rules.check_label_value), _schema(rules.LABEL_VALUE, rules.LABEL_VALUE_MAX)
]
Image = Annotated[str, _rule(rules.check_image), _schema(rules.IMAGE_REFERENCE, minLength=1)]
EnvName = Annotated[str, _rule(rules.check_env_name), _schema(rules.ENV_NAME, minLength=1)]
ConfigKey = Annotated[
    str, _rule(rules.check_config_key), _schema(rules.CONFIG_KEY, rules.DNS_SUBDOMAIN_MAX)
]
PortName = Annotated[
    str, _rule(rules.check_port_name), _schema(rules.IANA_SVC_NAME, rules.IANA_SVC_NAME_MAX)
]
AbsolutePath = Annotated[str, _rule(rules.check_absolute_path), _schema("/.*")]
FieldPath = Annotated[str, _rule(rules.check_field_path), _schema(minLength=1)]
VolumeFieldPath = Annotated[str, _rule(rules.check_volume_field_path), _schema(minLength=1)]
ResourceName = Annotated[str, _rule(rules.check_downward_resource), _schema(minLength=1)]
HeaderName = Annotated[str, _rule(rules.check_header_name), _schema(rules.HTTP_HEADER_NAME)]
Capability = Annotated[str, _rule(rules.check_capability), _schema(rules.CAPABILITY)]
RelativePath = Annotated[str, _rule(rules.check_relative_path), _schema(minLength=1)]


def _quantity(value: Any) -> str:
    """Accept a quantity string or a plain number; keep the canonical text."""
    text = quantity_text(value)
    if text is None:
        fail(
            Violation(f"expected a quantity such as 250m or 1Gi, got {_kind(value)}", QUANTITY_HINT)
        )
    try:
        number = parse_quantity(text)
    except QuantityError as exc:
        fail(Violation(str(exc), QUANTITY_HINT))
    if number < 0:
        fail(
            Violation(
                f"quantity {rules.shown(text)} is negative", "requests and limits must be ≥ 0"
            )
        )
    return text


def _kind(value: Any) -> str:
    if isinstance(value, float):
        return str(value)  # nan, inf
    if isinstance(value, int) and not isinstance(value, bool):
        return "a number with too many digits"
    return type(value).__name__


Quantity = Annotated[
    str,
    PlainValidator(_quantity),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": anchored(QUANTITY)},
                {"type": "number", "minimum": 0},
            ],
        }
    ),
]


def _file_mode(highest: int, example: str) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            fail(Violation("a file mode is a number", f"write it in octal, e.g. {example}"))
        if not 0 <= value <= highest:
            fail(Violation(f"mode 0{value:o} (octal; {value} decimal) is out of range",
                           f"use 0000-0{highest:o} in octal, e.g. {example}"))
        return value

    return check


def _mode_schema(highest: int, example: str) -> WithJsonSchema:
    # JSON carries the number (e.g. 288); a spec file writes it in octal (0440). The field's own
    # description says what the bits are for.
    return WithJsonSchema({"type": "integer", "minimum": 0, "maximum": highest,
                           "examples": [int(example, 8)]})


# Permission bits of a projected file (KeyToPath.mode, defaultMode): 0000-0777 in
# pkg/apis/core/validation; an emptyDir folder's mode (alpha) also allows the sticky bit, 01777.
FileMode = Annotated[int, PlainValidator(_file_mode(0o777, "0440")), _mode_schema(0o777, "0440")]
DirMode = Annotated[
    int, PlainValidator(_file_mode(0o1777, "01777")), _mode_schema(0o1777, "01777")
]


def _port_ref(value: Any) -> int | str:
    """A probe port: a number 1–65535 or the name of a port in ``ports``."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        fail(
            Violation(
                "port must be a number or a port name",
                "use a number 1-65535 or a name listed under ports",
            )
        )
    if isinstance(value, int):
        if not 1 <= value <= 65535:
            fail(Violation(f"port {value} is out of range", "use a number from 1 to 65535"))
        return value
    bad = rules.check_port_name(value)
    if bad is not None:
        fail(bad)
    return value


PortRef = Annotated[
    int | str,
    PlainValidator(_port_ref),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": 65535},
                {
                    "type": "string",
                    "pattern": anchored(rules.IANA_SVC_NAME),
                    "maxLength": rules.IANA_SVC_NAME_MAX,
                },
            ],
        }
    ),
]
