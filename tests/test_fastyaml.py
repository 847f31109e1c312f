"""``SpecYAMLLoader`` (``sentinel.spec.fastyaml``) must do exactly what strictyaml's loader does.

strictyaml's ``StrictYAMLLoader`` is the reference: on the repository's specs and samples, on
hand-picked documents for every error strictyaml raises, and on seeded random mutations of them,
both loaders must give the same tree (keys, values, line/column records, comments) or the same
error (type, message, marks).
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from strictyaml import ruamel as sy_ruamel
from strictyaml.parser import StrictYAMLLoader
from strictyaml.ruamel.comments import CommentedMap, CommentedSeq

from sentinel.spec.fastyaml import SpecYAMLLoader
from tests.conftest import REPO

SEEDS = [p.read_text(errors="replace") for p in sorted(REPO.glob("specs/*.yaml"))] + [
    p.read_text(errors="replace") for p in sorted(REPO.glob("samples/**/*.yaml"))
]
PIECES = [
    "#c\n", " # c", "\n\n", "{a: 1}", "[1, 2]", "!!str ", "&a ", "*a", "- ", ":", " ", "\t",
    '"q', "'", "? ", "|\n  x\n", ">\n  y\n", "---\n", "...\n", "-\n", "k: v\n", "  k2: v2\n",
    "\r\n", "%YAML 1.2\n", "@", "key: [a, b]\n", "e: {}\n", "- \n\n- \n", "a: b: c\n",
]
CASES = [
    "name: web\nimage: nginx  # pinned later\n# trailing\n",
    "ports:\n  - containerPort: 80\n    # between\n  - containerPort: 81\n",
    "name: web\nname: again\n",  # duplicate key
    "labels: {a: b}\n",  # flow mapping
    "args: [a, b]\n",  # flow sequence
    "name: !!str web\n",  # tag
    "base: &x web\nother: *x\n",  # anchor and alias
    "a:\n  b: 1\nc:\n    d: 2\n",  # inconsistent indentation
    "name: 'open\n",  # unterminated quote
    "a: b: c\n",  # mapping values not allowed here
    "- \n\n- \n",  # ruamel's comment overlap
    "? - a\n: b\n",  # complex key
    "key: \x07\n",  # control character
    "name: web\n\tindent: tab\n",
]


def tree(node: Any) -> Any:
    """Everything of a loaded document that the spec layer or a reader could see."""
    if isinstance(node, CommentedMap):
        return ("map", [(repr(k), tree(v)) for k, v in node.items()],
                sorted(node.lc.data.items(), key=repr), repr(node.ca.items), repr(node.ca.comment))
    if isinstance(node, CommentedSeq):
        return ("seq", [tree(v) for v in node], sorted(node.lc.data.items(), key=repr),
                repr(node.ca.items), repr(node.ca.comment))
    return (type(node).__name__, repr(node))


def outcome(loader: type, text: str, allow_flow: bool) -> Any:
    cls = type("L", (loader,), {"label": "spec.yaml", "allow_flow_style": allow_flow})
    try:
        return ("ok", tree(sy_ruamel.load(text, Loader=cls)))
    except RecursionError:
        return ("too deep",)
    except Exception as exc:  # noqa: BLE001  # comparing whatever either loader raises
        marks = [(m.line, m.column, m.name) for m in
                 (getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)) if m]
        return ("error", type(exc).__name__, str(exc), marks)


def mutated(rng: random.Random, pool: list[str] | None = None) -> str:
    """A seed text (from ``pool``, default the specs, samples and CASES) with 1-4 random edits."""
    text = rng.choice(SEEDS + CASES if pool is None else pool)
    for _ in range(rng.randint(1, 4)):
        pos = rng.randint(0, len(text))
        roll = rng.random()
        if roll < 0.5:
            text = text[:pos] + rng.choice(PIECES) + text[pos:]
        elif roll < 0.8:
            text = text[:pos] + text[pos + rng.randint(1, 5):]
        else:
            lines = text.split("\n")
            lines.insert(rng.randrange(len(lines) + 1), rng.choice(lines))
            text = "\n".join(lines)
    return text


@pytest.mark.parametrize("allow_flow", [False, True])
def test_same_outcome_on_specs_samples_and_every_error_kind(allow_flow: bool) -> None:
    kinds = set()
    for text in SEEDS + CASES:
        expected = outcome(StrictYAMLLoader, text, allow_flow)
        assert outcome(SpecYAMLLoader, text, allow_flow) == expected, text
        kinds.add(expected[1] if expected[0] == "error" else expected[0])
    wanted = {"ok", "DuplicateKeysDisallowed", "TagTokenDisallowed", "AnchorTokenDisallowed",
              "ScannerError"}
    if not allow_flow:
        wanted |= {"FlowMappingDisallowed", "InconsistentIndentationDisallowed"}
    assert wanted <= kinds, kinds


@pytest.mark.parametrize("seed", range(3))
def test_same_outcome_on_random_mutations(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(100):
        text = mutated(rng)
        for allow_flow in (False, True):
            assert outcome(SpecYAMLLoader, text, allow_flow) == outcome(
                StrictYAMLLoader, text, allow_flow), repr(text)


def test_the_spec_layer_uses_it() -> None:
    from sentinel.spec import yamlparse

    assert issubclass(yamlparse._loader("x", False), SpecYAMLLoader)
