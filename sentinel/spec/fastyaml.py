"""strictyaml's loader with less bookkeeping: parsing is most of what a spec costs.

strictyaml parses with its bundled pure-Python ruamel (``StrictYAMLLoader``); on a 25-line spec
about three quarters of a cold ``doit generate`` is spent there, and most of that in three
places that repeat work without changing anything:

- the scanner, parser, composer and constructor are mixins of one object but reach each other
  through properties (``self.reader``, ``self.scanner`` …) that look the part up on every use;
  here they are plain attributes naming the object itself, which is what the properties return;
- the parser asks ``check_token``/``peek_token`` several times about the same next token, and each
  call re-runs the scanner's "need more tokens?" loop and comment gathering. Both are a function
  of the scanner's state (tokens taken, tokens queued, reading position, end reached): once a
  call has left that state unchanged, the next call from the same state is skipped;
- ``need_more_tokens`` loops over the pending simple keys twice; it is written with one loop
  and the same outcome, including the error for a required key that went stale.

Everything else — which documents load, the tree, its line/column records, comments, and every
error with its message and marks — is strictyaml's own; ``tests/test_fastyaml.py`` compares the
two loaders on mutated specs (``StrictYAMLLoader`` stays the reference).
"""

from __future__ import annotations

from typing import Any

from strictyaml import exceptions as sy_exc
from strictyaml.parser import StrictYAMLLoader
from strictyaml.ruamel.scanner import ScannerError
from strictyaml.ruamel.tokens import (
    AnchorToken,
    FlowMappingStartToken,
    FlowSequenceStartToken,
    TagToken,
)

_NEVER = (-1, -1, -1, False)


class SpecYAMLLoader(StrictYAMLLoader):  # type: ignore[misc]  # strictyaml is untyped
    """``StrictYAMLLoader`` with the same results, faster (see the module docstring)."""

    # The mixins' properties return the loader itself; instance attributes do so without a call.
    reader = scanner = parser = composer = resolver = None

    def __init__(self, stream: Any, version: Any = None, preserve_quotes: Any = None) -> None:
        self.reader = self.scanner = self.parser = self.composer = self.resolver = self
        self._settled = _NEVER  # scanner state after which settling changes nothing
        super().__init__(stream, version, preserve_quotes=preserve_quotes)

    def need_more_tokens(self) -> bool:
        """ruamel's check, with its stale-key pruning and nearest-key search in one pass."""
        if self.done:
            return False
        if not self.tokens:
            return True
        keys = self.possible_simple_keys
        if not keys:
            return False
        line, index = self.line, self.index
        for level in list(keys):
            key = keys[level]
            if key.line != line or index - key.index > 1024:
                if key.required:
                    raise ScannerError(
                        "while scanning a simple key",
                        key.mark,
                        "could not find expected ':'",
                        self.get_mark(),
                    )
                del keys[level]
        return bool(keys) and min(k.token_number for k in keys.values()) == self.tokens_taken

    def _settle(self) -> None:
        """Fetch tokens and gather comments as ruamel does before looking at the next token."""
        before = (self.tokens_taken, len(self.tokens), self.index, self.done)
        if before == self._settled:
            return
        while self.need_more_tokens():
            self.fetch_more_tokens()
        self._gather_comments()
        if (self.tokens_taken, len(self.tokens), self.index, self.done) == before:
            self._settled = before

    def peek_token(self) -> Any:
        """The next token, not removed (ruamel's ``RoundTripScanner.peek_token``)."""
        self._settle()
        return self.tokens[0] if self.tokens else None

    def check_token(self, *choices: Any) -> bool:
        """strictyaml's ``check_token``: is the next token one of ``choices``; refuses tags,
        anchors and (unless allowed) flow style with strictyaml's own errors."""
        self._settle()
        if not self.tokens:
            return False
        if not choices:
            return True
        token = self.tokens[0]
        for choice in choices:
            if isinstance(token, choice):
                token.start_mark.name = self.label
                token.end_mark.name = self.label
                if isinstance(token, TagToken):
                    raise sy_exc.TagTokenDisallowed(
                        "While scanning",
                        token.end_mark,
                        "Found disallowed tag tokens (do not specify types in markup)",
                        token.start_mark,
                    )
                if not self.allow_flow_style and isinstance(
                    token, FlowMappingStartToken | FlowSequenceStartToken
                ):
                    raise sy_exc.FlowMappingDisallowed(
                        "While scanning",
                        token.start_mark,
                        "Found ugly disallowed JSONesque flow mapping "
                        "(surround with ' and ' to make text appear literally)",
                        token.end_mark,
                    )
                if isinstance(token, AnchorToken):
                    raise sy_exc.AnchorTokenDisallowed(
                        "While scanning",
                        token.start_mark,
                        "Found confusing disallowed anchor token "
                        "(surround with ' and ' to make text appear literally)",
                        token.end_mark,
                    )
                return True
        return False
