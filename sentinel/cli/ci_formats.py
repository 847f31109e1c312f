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

Paths are relative to the repository root with forward slashes, wherever ``validate`` runs
(a subfolder, or with ``../specs``): GitHub places an annotation only on a path relative to the
checkout, and a SARIF consumer resolves ``uri`` against ``uriBaseId`` ``SRCROOT``, declared in
``originalUriBaseIds``. The root is the top of the git work tree holding the working folder (the
nearest folder upwards with a ``.git`` entry, as git finds it — no ``git`` process, which would
also refuse a checkout owned by another user, as in CI containers), else the working folder. A
file outside the root keeps its absolute path (SARIF: an absolute ``file:`` URI).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sentinel import __version__
from sentinel.errors import Problem
from sentinel.spec.advice import CODES

FORMATS = ("text", "json", "github", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "SRCROOT"
_HEAD = re.compile(r"^[^.\[]+")


@dataclass(frozen=True)
class SourceRoot:
    """The folder CI paths are relative to, and the working folder the given paths start from."""

    root: Path
    cwd: Path

    @classmethod
    def find(cls, cwd: Path | None = None) -> SourceRoot:
        """The git work tree's top above ``cwd`` (default: the working folder), else ``cwd``."""
        here = (cwd or Path.cwd()).resolve()
        top = next((f for f in (here, *here.parents) if (f / ".git").exists()), here)
        return cls(top, here)

    def relative(self, file: str) -> str | None:
        """``file`` (as given: absolute, or from ``cwd``) from the root with '/'; None outside."""
        given = self.cwd / file
        # Lexically first (keeps a symlinked specs folder's own path), then symlinks resolved.
        for path in (Path(os.path.normpath(given)), given.resolve()):
            if path.is_relative_to(self.root):
                return path.relative_to(self.root).as_posix()
        return None

    def display(self, file: str) -> str:
        """The path a GitHub annotation names: relative to the root, else absolute."""
        rel = self.relative(file)
        return rel if rel is not None else Path(os.path.normpath(self.cwd / file)).as_posix()

    def artifact(self, file: str) -> dict[str, str]:
        """A SARIF ``artifactLocation``: a relative URI under ``SRCROOT``, else an absolute one."""
        rel = self.relative(file)
        if rel is None:
            return {"uri": Path(os.path.normpath(self.cwd / file)).as_uri()}
        return {"uri": quote(rel), "uriBaseId": SRCROOT}

    def base_ids(self) -> dict[str, Any]:
        """SARIF ``originalUriBaseIds``: where ``SRCROOT`` is (a folder URI ends with '/')."""
        return {SRCROOT: {"uri": self.root.as_uri().rstrip("/") + "/",
                          "description": {"text": "the repository root (git work tree top, "
                                                  "else the folder validate ran in)"}}}


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


def github(problems: Mapping[str, Sequence[Problem]],
           where: SourceRoot | None = None) -> list[str]:
    """One workflow command per problem, in file order, paths from the repository root."""
    where = where or SourceRoot.find()
    lines = []
    for found in problems.values():
        for p in sorted(found):
            props = [f"file={_prop(where.display(p.file))}"]
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


def sarif(problems: Mapping[str, Sequence[Problem]],
          where: SourceRoot | None = None) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run: the rules (codes) used, one result per problem."""
    where = where or SourceRoot.find()
    ordered = [p for found in problems.values() for p in sorted(found)]
    rules = sorted({code_of(p) for p in ordered})
    index = {rule: i for i, rule in enumerate(rules)}
    results = []
    for p in ordered:
        location: dict[str, Any] = {"artifactLocation": where.artifact(p.file)}
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
            "originalUriBaseIds": where.base_ids(),
            "results": results,
        }],
    }
