"""What a stored chat message may be: shape checks, credential refusal and key redaction.

Every history store runs a turn's messages through ``prepare_messages`` before storing them, so
the rules are one function whatever the store: messages are OpenAI chat dicts (plus ``id``,
``created``, ``turn``) with role ``user``, ``assistant`` or ``tool`` (the system prompt is never
stored); a message carrying a credential field (``api_key``, ``authorization`` ...) is refused
with ``HistoryError``; and any word that looks like an OpenAI key (``sk-`` + 20 or more
mixed-case key characters with digits) becomes ``[redacted]``. ``redact_secrets`` is also used
for what is shown or saved elsewhere (titles, the REPL's input history).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sentinel.errors import HistoryError

ROLES = ("user", "assistant", "tool")
REDACTED = "[redacted]"
# OpenAI keys: "sk-" (often "sk-proj-") and 20+ key characters, mixed case with digits. The
# mixed-case-and-digit rule spares lowercase names such as "sk-learn-training-pod-01".
_KEY_PATTERN = re.compile(r"(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,}")
_SECRET_FIELDS = {"apikey", "authorization", "proxyauthorization", "xapikey", "bearertoken",
                  "accesstoken", "secretkey", "password"}
_STRING_FIELDS = ("id", "tool_call_id", "created", "turn", "name")


def now() -> str:
    """The current time as ISO-8601 UTC with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def clean_title(title: str) -> str:
    """A title on one line, without control characters or keys, at most 200 characters."""
    if not isinstance(title, str):
        raise HistoryError(f"a conversation title must be text, not {type(title).__name__}")
    # Redacted before shortening: a key cut at the limit would no longer look like one.
    line = " ".join("".join(c if c.isprintable() else " " for c in title).split())
    return redact_secrets(line)[:200]


def prepare_messages(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Checked, secret-free, plain-JSON copies of ``messages`` with ``id``/``created`` filled in."""
    if isinstance(messages, (str, bytes, Mapping)) or not isinstance(messages, Sequence):
        raise HistoryError("messages must be a list of message dicts")
    prepared = []
    for index, message in enumerate(messages):
        where = f"message {index + 1} of the turn"
        if not isinstance(message, Mapping):
            raise HistoryError(f"{where} is a {type(message).__name__}, not a dict")
        _refuse_secret_fields(message, where)
        try:  # the round trip proves it is plain JSON and detaches it from the caller's objects
            copy = json.loads(json.dumps(dict(message), allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise HistoryError(f"{where} cannot be stored as JSON: {exc}") from exc
        _check_shape(copy, where)
        copy.setdefault("id", f"msg_{secrets.token_hex(8)}")
        copy.setdefault("created", now())
        prepared.append(_redact(copy))
    return prepared


def _refuse_secret_fields(value: Any, where: str) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            normalized = re.sub(r"[^a-z]", "", str(key).lower())
            if normalized in _SECRET_FIELDS or "apikey" in normalized:
                raise HistoryError(f"{where} has a credential field {key!r}; credentials are "
                                   "never stored in chat history", hint="remove that field")
            _refuse_secret_fields(item, where)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _refuse_secret_fields(item, where)


def _check_shape(message: dict[str, Any], where: str) -> None:
    role = message.get("role")
    if role == "system":
        raise HistoryError(f"{where}: system messages are never stored (the prompt is rebuilt)")
    if role not in ROLES:
        raise HistoryError(f"{where}: role must be one of {', '.join(ROLES)}, not {role!r}")
    if not isinstance(message.get("content"), (str, type(None))):
        raise HistoryError(f"{where}: content must be text or null")
    for name in _STRING_FIELDS:
        if name in message and not isinstance(message[name], str):
            raise HistoryError(f"{where}: {name} must be text")
    calls = message.get("tool_calls")
    if calls is not None and not (isinstance(calls, list)
                                  and all(isinstance(c, dict) for c in calls)):
        raise HistoryError(f"{where}: tool_calls must be a list of dicts")


def _redact_key(match: re.Match[str]) -> str:
    text = match.group()
    looks_random = any(c.isupper() for c in text) and any(c.isdigit() for c in text)
    return REDACTED if looks_random else text


def redact_secrets(text: str) -> str:
    """``text`` with every word that looks like an OpenAI key replaced by ``[redacted]``."""
    return _KEY_PATTERN.sub(_redact_key, text) if "sk-" in text else text


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return redact_secrets(value)
    if isinstance(value, list):
        return [_redact(v) for v in value]
    if isinstance(value, dict):
        return {k: _redact(v) for k, v in value.items()}
    return value


def detach(message: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a stored message whose nested lists and dicts are copies too."""
    return {k: json.loads(json.dumps(v)) if isinstance(v, (list, dict)) else v
            for k, v in message.items()}
