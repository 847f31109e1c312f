"""``sentinel validate``, ``render``, ``schema`` and ``init``: the spec commands of the CLI.

Each handler loads settings, calls the spec/render layers and turns what they return or raise into
output and an exit code (0 ok, 1 invalid/failed, 2 usage or configuration). Heavy modules
(strictyaml, pydantic via ``sentinel.spec``) are imported inside handlers so ``sentinel --help``
stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sentinel.errors import EXIT_FAILURE, EXIT_OK, SentinelError, SpecError, UsageError


def register(subparsers: Any) -> None:
    """Add the spec commands to the ``sentinel`` parser."""
    p = subparsers.add_parser(
        "validate", help="check spec files (schema, Kubernetes rules, collisions)",
        description="Check spec files and folders; exit 0 if all are valid, 1 if any is not.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="spec files or folders (default: the specs_dir setting)")
    p.add_argument("--json", action="store_true", help="print a JSON report on stdout")
    p.add_argument("--format", choices=("text", "json", "github", "sarif"), default=None,
                   help="text (default: problems on stderr), json (= --json), github (GitHub "
                   "Actions annotations on stdout) or sarif (a SARIF 2.1.0 log on stdout)")
    p.add_argument("--strict", action="store_true",
                   help="warnings (production advice) fail too, exit 1 (setting: strict)")
    p.set_defaults(func=cmd_validate)

    p = subparsers.add_parser(
        "render", help="print the Pod manifest of one spec",
        description="Validate one spec file and print its manifest (YAML) on stdout.",
    )
    p.add_argument("spec", metavar="SPEC", help="a spec file")
    p.set_defaults(func=cmd_render)

    p = subparsers.add_parser(
        "schema", help="print the JSON Schema of spec files",
        description="Print the JSON Schema (draft 2020-12) that spec files follow, for editors.",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write it to FILE instead (atomically)")
    p.set_defaults(func=cmd_schema)

    p = subparsers.add_parser(
        "init", help="start a project: example specs, sentinel.toml, dodo.py",
        description="Write a starter specs/ folder, a commented sentinel.toml and a dodo.py.",
    )
    p.add_argument("dir", nargs="?", default=".", metavar="DIR", help="project folder (default: .)")
    p.add_argument("--force", action="store_true", help="overwrite files that already exist")
    p.set_defaults(func=cmd_init)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")


# ---------------------------------------------------------------- validate


def _from_cwd(folder: Path) -> Path:
    """``folder`` relative to the working folder when inside it, as doit shows spec paths."""
    try:
        return folder.relative_to(Path.cwd().resolve())
    except ValueError:
        return folder


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate files and folders; problems on stderr, summary last; ``--json`` on stdout.

    With ``--strict`` (or the ``strict`` setting) a spec with warnings is invalid too.
    """
    from sentinel.config import load_settings
    from sentinel.spec import check_files, discover

    settings = load_settings()
    given = [Path(p) for p in args.paths] or [_from_cwd(settings.specs_dir)]
    files = discover(given)
    problems = check_files(files, settings.output_dir)
    strict = args.strict or settings.strict
    # Under strict a warning fails its spec like an error (it is still shown as a warning).
    invalid = [f for f, ps in problems.items()
               if any(p.severity == "error" or strict for p in ps)]
    warnings = sum(p.severity != "error" for ps in problems.values() for p in ps)
    valid = len(files) - len(invalid)
    if invalid:
        summary = f"{_plural(len(invalid), 'spec')} invalid, {valid} valid"
    elif files:
        summary = f"all {_plural(len(files), 'spec')} valid"
    else:
        summary = f"no spec files (*.yaml, *.yml) in {', '.join(map(str, given))}"
    if warnings:
        fail = "; strict: warnings fail" if strict else ""
        summary += f" ({_plural(warnings, 'warning')}{fail})"
    fmt = args.format or ("json" if args.json else "text")
    if args.json and fmt != "json":
        raise UsageError(f"--json and --format {fmt} disagree", hint="give one of them")
    if fmt in ("github", "sarif"):
        from sentinel.cli import ci_formats

        if fmt == "github":
            for line in ci_formats.github(problems):
                print(line)
        else:
            print(json.dumps(ci_formats.sarif(problems), indent=2))
        _err(summary)
        return EXIT_FAILURE if invalid else EXIT_OK
    if fmt == "text":
        for found in problems.values():
            for problem in sorted(found):
                _err(problem.format())
        _err(summary)
        return EXIT_FAILURE if invalid else EXIT_OK
    report = {
        "valid": not invalid,
        "summary": summary,
        "counts": {"files": len(files), "valid": valid, "invalid": len(invalid),
                   "warnings": warnings},
        "files": [{"file": f, "valid": f not in invalid,
                   "problems": [p.to_dict() for p in sorted(found)]}
                  for f, found in problems.items()],
    }
    sys.stdout.write(json.dumps(report, indent=2, sort_keys=True) + "\n")
    return EXIT_FAILURE if invalid else EXIT_OK


# ---------------------------------------------------------------- render


def cmd_render(args: argparse.Namespace) -> int:
    """Print one spec's manifest; invalid spec → problems on stderr, exit 1."""
    from sentinel.render import dump_manifest, render

    path = Path(args.spec)
    if path.is_dir():
        raise UsageError(f"{path} is a folder; render takes one spec file",
                         hint=f"run 'sentinel validate {path}' to check a folder")
    if not path.exists():
        raise UsageError(f"{path}: no such file", hint="give the path of a spec file")
    from sentinel.spec import load_spec

    try:
        spec = load_spec(path)
    except SpecError as err:
        for problem in err.problems:
            _err(problem.format())
        _err(f"{path}: invalid, no manifest written")
        return EXIT_FAILURE
    data = dump_manifest(render(spec.model, source=spec.source))
    for problem in spec.warnings:
        _err(problem.format())
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
    return EXIT_OK


def _write_failure(target: Path, exc: OSError) -> SentinelError:
    """Why ``target`` could not be written; a file standing where a folder must be is named."""
    # mkdir's own words for that case ("File exists", "Not a directory") do not say which file.
    blocker = next((p for p in reversed(target.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        return SentinelError(f"cannot write {target}: {blocker} is a file, not a folder",
                             hint=f"move {blocker} away or choose another path")
    return SentinelError(f"cannot write {target}: {exc.strerror}")


# ---------------------------------------------------------------- schema


def cmd_schema(args: argparse.Namespace) -> int:
    """Print (or atomically write) the spec JSON Schema, indent 2, keys sorted."""
    from sentinel.fsutil import atomic_write
    from sentinel.spec.schema import json_schema

    text = json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
    if not args.output:
        sys.stdout.write(text)
        return EXIT_OK
    target = Path(args.output)
    if target.is_dir():
        raise UsageError(f"{target} is a folder", hint="give a file name, e.g. spec.schema.json")
    try:
        atomic_write(target, text)
    except OSError as exc:
        raise _write_failure(target, exc) from exc
    _err(f"wrote {target}")
    return EXIT_OK


# ---------------------------------------------------------------- init


def cmd_init(args: argparse.Namespace) -> int:
    """Write the starter project; refuse to overwrite unless ``--force``."""
    from sentinel.fsutil import atomic_write

    root = Path(args.dir)
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} exists and is not a folder", hint="give a folder to initialize")
    files = starter_files(new_project_id(root))
    existing = [rel for rel in files if (root / rel).exists()]
    if existing and not args.force:
        for rel in existing:
            _err(f"error: {root / rel} already exists")
        _err("nothing written; use --force to overwrite these files")
        return EXIT_FAILURE
    blocked = [rel for rel in files if (root / rel).is_dir()]
    if blocked:
        raise UsageError(f"{root / blocked[0]} is a folder; cannot write a file there")
    for rel, text in files.items():
        try:
            atomic_write(root / rel, text)
        except OSError as exc:
            raise _write_failure(root / rel, exc) from exc
        print(f"wrote {root / rel}")
    _print_next(root)
    return EXIT_OK


def _print_next(root: Path) -> None:
    cd = "" if root.resolve() == Path.cwd().resolve() else f"cd {root} && "
    print("next:")
    print(f"  {cd}sentinel validate    check the specs")
    print(f"  {cd}doit generate        write their manifests under manifests/")
    print(f"  {cd}doit list            every pipeline task (dryrun, apply, status, ...)")


# Files `init` writes, relative to the project folder; contents come from sentinel/templates/.
STARTER_TEMPLATES = {
    "specs/web.yaml": "web.yaml",
    "specs/worker.yaml": "worker.yaml",
    "dodo.py": "dodo.py.tmpl",
}


def new_project_id(root: Path) -> str:
    """A fresh project id: the folder's name (as a label value) and 8 random hex digits, so two
    projects made from the same template never adopt each other's Pods."""
    import re
    import secrets

    stem = re.sub(r"[^a-z0-9]+", "-", root.resolve().name.lower()).strip("-")[:40].strip("-")
    return f"{stem or 'project'}-{secrets.token_hex(4)}"


def starter_files(project: str = "") -> dict[str, str]:
    """Every file ``init`` writes: example specs, the two-line dodo.py, a commented sentinel.toml
    (with ``project`` set when given)."""
    from importlib.resources import files

    templates = files("sentinel") / "templates"
    out = {rel: (templates / name).read_text(encoding="utf-8")
           for rel, name in STARTER_TEMPLATES.items()}
    out["sentinel.toml"] = settings_toml(project)
    return out


def _toml_value(value: object, root: Path, home: Path) -> str:
    if isinstance(value, Path):
        for base, prefix in ((root, ""), (home, "~/")):
            try:
                return json.dumps(prefix + value.relative_to(base).as_posix())
            except ValueError:
                continue
        return json.dumps(str(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return json.dumps(list(value))
    if value is None:
        return '""'
    return json.dumps(value)


def settings_toml(project_id: str = "") -> str:
    """A ``sentinel.toml`` listing every setting, commented out, with its default and variable;
    ``project`` (when given) is the one line set."""
    import tempfile

    from sentinel.config import SETTINGS, load_settings

    # Defaults as a fresh project sees them: an empty folder, no environment overrides.
    with tempfile.TemporaryDirectory() as tmp:
        home, project = Path(tmp) / "home", Path(tmp) / "project"
        project.mkdir()
        defaults = load_settings(cwd=project, env={"HOME": str(home)})
        root = defaults.root
    lines = [
        "# kube-sentinel settings. Every setting is optional: uncomment a line to change it.",
        "# Relative paths are taken from this folder; the environment variable named after each",
        "# setting overrides this file.",
        "[sentinel]",
    ]
    for s in SETTINGS:
        choices = f" ({' or '.join(s.choices)})" if s.choices else ""
        lines.append("")
        lines.append(f"# {s.help}{choices}; env {s.env}")
        if s.name == "project" and project_id:
            lines.append(f"project = {json.dumps(project_id)}")
            continue
        lines.append(f"# {s.name} = {_toml_value(getattr(defaults, s.name), root, home)}")
    return "\n".join(lines) + "\n"
