"""libyaml's fast path (``sentinel.spec.cparse``) must build exactly strictyaml's tree, or step aside.

strictyaml's own loader stays the reference: wherever ``fast_tree`` answers, strictyaml must
accept the same text and give the same keys, values and line/column records; the whole spec
layer (problems, positions, model, advice) must come out the same with the fast path on or off.
Checked on the repository's specs, the samples, the corpus, hand-picked texts for everything the
fast path must leave to strictyaml, and seeded random mutations of all of them.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from strictyaml import ruamel as sy_ruamel
from strictyaml.parser import StrictYAMLLoader
from strictyaml.ruamel.comments import CommentedMap, CommentedSeq, TaggedScalar

from sentinel.errors import SpecError
from sentinel.spec import load_spec_text, yamlparse
from sentinel.spec.cparse import FastMap, FastSeq, fast_tree
from tests.conftest import REPO
from tests.test_fastyaml import CASES
from tests.test_fastyaml import mutated as fastyaml_mutated

SPECS = [p.read_text() for p in sorted(REPO.glob("specs/*.yaml"))]
VALID = [p.read_text() for p in sorted(REPO.glob("samples/valid/*.yaml"))]
SEEDS = SPECS + [
    p.read_text(errors="replace") for p in sorted(REPO.glob("samples/**/*.yaml"))
] + [p.read_text(errors="replace") for p in sorted(REPO.glob("tests/corpus/**/*.yaml"))]

# Texts the fast path must leave to strictyaml: each is something libyaml reads differently, or
# something strictyaml words its own error or position for.
UNSURE = [
    "",
    "# only a comment\n",
    "just text\n",
    "- a\n- b\n",
    "name: web\nname: again\n",
    "labels: {a: b}\n",
    "args: [a, b]\n",
    "e: {}\n",
    "name: !!str web\n",
    "name: !custom web\n",
    "base: &x web\nother: *x\n",
    "a: &x\n  b: c\n",
    "<<: x\n",
    "? - a\n: b\n",
    "? {a: b}\n: c\n",
    "%YAML 1.2\n---\nname: web\n",
    "---\nname: web\n",
    "name: web\n...\n",
    "name: web\n---\nname: two\n",
    "args:\n  - a\n  -\n  - b\n",
    "name: web\n\tindent: tab\n",
    "name: web\r\nimage: x\r\n",
    "name: a\u2028b\n",
    "name: a\x85b\n",
    "a: b: c\n",
    "name: 'open\n",
    "key: \x07\n",
    "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 80)) + "  " * 80 + "v: 1\n",
]


def plain(node: Any) -> Any:
    """A tree as the spec layer reads it: text values (tagged '=' as its text), keys, records."""
    if isinstance(node, CommentedMap | FastMap):
        # An empty value has no position of its own (the shape check uses its key's).
        records = {
            str(k): v[:2] if node[k] in ("", None) else v for k, v in node.lc.data.items()
        }
        return ("map", [(str(k), plain(v)) for k, v in node.items()], records)
    if isinstance(node, CommentedSeq | FastSeq):
        items = [node.lc.item(i) for i in range(len(node))]
        return ("seq", [plain(v) for v in node], dict(node.lc.data), items)
    if isinstance(node, TaggedScalar):
        return str(node.value)
    assert isinstance(node, str), type(node)
    return str(node)


def reference(text: str) -> Any:
    loader = type("L", (StrictYAMLLoader,), {"label": "spec.yaml", "allow_flow_style": False})
    return sy_ruamel.load(text, Loader=loader)


def same_or_unsure(text: str) -> bool:
    """True when the fast path answered (and agreed with strictyaml), False when it stepped aside."""
    fast = fast_tree(text)
    if fast is None:
        return False
    assert plain(fast) == plain(reference(text)), repr(text)
    return True


def outcome(text: str) -> Any:
    """Everything the spec layer reports for a text."""
    try:
        spec = load_spec_text(text, "spec.yaml")
    except SpecError as err:
        return ("invalid", [p.to_dict() for p in err.problems])
    return ("valid", spec.model.model_dump(), dict(spec.positions),
            [p.to_dict() for p in spec.warnings + spec.advice])


def test_every_bundled_and_valid_sample_spec_takes_the_fast_path_and_agrees() -> None:
    assert SPECS and VALID
    assert all(same_or_unsure(text) for text in SPECS + VALID)


def test_samples_and_corpus_agree_wherever_the_fast_path_answers() -> None:
    # the corpus holds manifests as people write them: flow style and '---' step aside
    answered = sum(same_or_unsure(text) for text in SEEDS)
    assert answered >= len(SPECS + VALID) + 30, (answered, len(SEEDS))


@pytest.mark.parametrize("text", UNSURE, ids=range(len(UNSURE)))
def test_it_leaves_to_strictyaml_what_strictyaml_must_judge(text: str) -> None:
    assert fast_tree(text) is None


def test_the_odd_but_agreed_cases() -> None:
    texts = [
        "name: web\nempty:\neq: =\nn: 8080\nq: \"a\\tb\"\ns: 'it''s'\n",
        "blk: |\n  hello\n  world\nfold: >-\n  a\n  b\n",
        "lst:\n- a\n- name: b\n  v: c\nm:\n  k: v\n",
        "name: web  # a comment\n# between\nimage: x\n",
        "url: http://a.b/c?d=e&f=*g!\n",
        "multi: one\n  two\n  three\n",
        "k: \"\\u00e9\\x41\\/\"\n",
    ]
    assert all(same_or_unsure(text) for text in texts)


def mutated(rng: random.Random) -> str:
    return fastyaml_mutated(rng, SEEDS + CASES + UNSURE)


@pytest.mark.parametrize("seed", range(4))
def test_random_mutations_agree_or_step_aside(seed: int) -> None:
    rng = random.Random(seed)
    answered = sum(same_or_unsure(mutated(rng)) for _ in range(250))
    assert answered > 0


@pytest.mark.parametrize("seed", range(2))
def test_the_spec_layer_reports_the_same_with_or_without_it(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    texts = SPECS + [mutated(rng) for _ in range(150)]
    fast = [outcome(text) for text in texts]
    monkeypatch.setattr(yamlparse, "fast_tree", lambda text: None)
    assert [outcome(text) for text in texts] == fast
