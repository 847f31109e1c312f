"""``sentinel validate --format github|sarif``: problems as CI systems read them.

- ``github``: GitHub Actions workflow commands, one per problem —
  ``::error file=F,line=L,col=C,title=T::message`` (``::warning`` for warnings) — which GitHub
  shows as annotations on the pull request's lines. Data is escaped as GitHub documents
  (``%``, CR, LF; and ``:`` ``,`` in properties).
- ``sarif``: one SARIF 2.1.0 log (GitHub code scanning, Azure DevOps, IDE viewers).

Every problem has a rule id, its **code**: the problem's own stable code when it has one (the
production advice, ``W100``..``W106``, see ``sentinel.spec.advice``); otherwise one derived from
it: ``spec.<key>`` after the spec key it is about (``spec.resources`` for
``resources.limits.cpu``, ``spec.ports`` for ``ports[1].name``), ``spec.unknown-key`` for a key
the format does not have, or ``spec.file`` for a problem of the file as a whole (not YAML, a
mapping expected, unreadable). The code is the SARIF ``ruleId`` and the GitHub annotation's
title; advice is a SARIF ``warning`` (and a GitHub ``::warning``), errors are ``error``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sentinel import __version__
from sentinel.errors import Problem
from sentinel.spec.advice import CODES

FORMATS = ("text", "json", "github", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_HEAD = re.compile(r"^[^.\[]+")


def code_of(problem: Problem) -> str:
    """The problem's rule id (see the module docstring)."""
    if problem.code:
        return problem.code
    if problem.message.startswith("unknown key"):
        return "spec.unknown-key"  # not after the misspelt key itself
    head = _HEAD.match(problem.field)
    return f"spec.{head.group(0)}" if head else "spec.file"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _text(problem: Problem) -> str:
    text = f"{problem.field}: {problem.message}" if problem.field else problem.message
    return text + (f" (hint: {problem.hint})" if problem.hint else "")


def github(problems: Mapping[str, Sequence[Problem]]) -> list[str]:
    """One workflow command per problem, in file order."""
    lines = []
    for found in problems.values():
        for p in sorted(found):
            props = [f"file={_prop(p.file)}"]
            if p.line is not None:
                props.append(f"line={p.line}")
                if p.column is not None:
                    props.append(f"col={p.column}")
            props.append(f"title={_prop(code_of(p))}")
            kind = "error" if p.severity == "error" else "warning"
            lines.append(f"::{kind} {','.join(props)}::{_data(_text(p))}")
    return lines


def _rule(code: str) -> dict[str, Any]:
    """The SARIF ``reportingDescriptor`` of one code: advice has its title and meaning."""
    if code in CODES:
        name, what = CODES[code]
        return {"id": code, "name": name, "shortDescription": {"text": what},
                "defaultConfiguration": {"level": "warning"}}
    return {"id": code, "name": code.replace(".", "-"), "shortDescription": {
        "text": ("the spec file as a whole" if code == "spec.file"
                 else f"the spec key `{code.removeprefix('spec.')}`")}}


def sarif(problems: Mapping[str, Sequence[Problem]]) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run: the rules (codes) used, one result per problem."""
    ordered = [p for found in problems.values() for p in sorted(found)]
    rules = sorted({code_of(p) for p in ordered})
    index = {rule: i for i, rule in enumerate(rules)}
    results = []
    for p in ordered:
        location: dict[str, Any] = {"artifactLocation": {"uri": Path(p.file).as_posix()}}
        if p.line is not None:
            region: dict[str, int] = {"startLine": p.line}
            if p.column is not None:
                region["startColumn"] = p.column
            location["region"] = region
        results.append({
            "ruleId": code_of(p), "ruleIndex": index[code_of(p)],
            "level": "error" if p.severity == "error" else "warning",
            "message": {"text": _text(p)},
            "locations": [{"physicalLocation": location}],
        })
    return {
        "$schema": SARIF_SCHEMA, "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "kube-sentinel", "version": __version__,
                "rules": [_rule(r) for r in rules],
            }},
            "results": results,
        }],
    }
