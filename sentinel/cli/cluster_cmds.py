"""``sentinel plan`` (what apply would do, from the live cluster) and ``sentinel audit`` (the log
of real applies and deletes).

The cluster changes themselves are doit tasks (``doit apply/delete``). ``sentinel plan`` is
``doit plan`` without doit: the same ``build_plan``, on the specs as they are now (rendered in
memory, so it needs no ``doit generate`` first); ``--json`` prints one document for scripts.
Exit codes: 0 every Pod planned, 1 some Pod could not be planned (invalid spec, failed dry run)
or the cluster could not be asked, 2 a usage or settings problem. ``sentinel audit`` skips lines
a crash left torn, with a warning on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any

from sentinel.errors import EXIT_FAILURE, EXIT_OK

COLUMNS = ("TIME", "USER", "OP", "CONTEXT", "POD", "RESULT", "SPEC", "SHA256")


def register(subparsers: Any) -> None:
    """Add ``plan`` and ``audit`` to the ``sentinel`` parser."""
    p = subparsers.add_parser(
        "plan", help="what `doit apply` would do, Pod by Pod (changes nothing)",
        description="Plan convergence against the live cluster: one line per Pod with its "
        "action (create, update, recreate, delete an orphan, unchanged, skipped), then counts. "
        "Reads the live Pods (one kubectl per namespace) and asks the API server with a "
        "server-side dry run, so the plan is what apply does. Exit 0 when every Pod could be "
        "planned, 1 otherwise.",
    )
    p.add_argument("--json", action="store_true", help="print the plan as one JSON document")
    p.add_argument("--force-conflicts", action="store_true",
                   help="plan as `doit apply --force-conflicts` would (take over fields)")
    p.add_argument("specs", nargs="*", metavar="SPEC",
                   help="only these spec files (e.g. web.yaml); orphans are then not looked for")
    p.set_defaults(func=cmd_plan)
    p = subparsers.add_parser(
        "audit", help="show the audit log of applies and deletes",
        description="Show every real `doit apply` and `doit delete`, oldest first: when, who, "
        "context, Pod, spec file, manifest sha256 and result. The log is the audit_log setting.",
    )
    p.add_argument("--json", action="store_true", help="print the records as a JSON list")
    p.add_argument("--limit", type=_count, metavar="N", help="only the last N records")
    p.set_defaults(func=cmd_audit)


def _count(text: str) -> int:
    """A whole number >= 0 (argparse makes the refusal a usage error, exit 2)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, not {text!r}")
    return value


def cmd_plan(args: argparse.Namespace) -> int:
    """Print the plan (lines or JSON)."""
    from sentinel.config import load_settings
    from sentinel.pipeline.converge import build_plan

    settings = load_settings()
    plan = build_plan(settings, specs=args.specs or None, force_conflicts=args.force_conflicts)
    if args.json:
        print(json.dumps(plan.to_json(), indent=2))
    else:
        print("\n".join(plan.lines()))
        for entry in plan.of("error"):
            sys.stderr.write(f"error: {entry.detail}\n")
    return EXIT_OK if plan.ok else EXIT_FAILURE


def cmd_audit(args: argparse.Namespace) -> int:
    """Print the audit log."""
    from sentinel.config import load_settings
    from sentinel.kube import audit

    settings = load_settings()
    records, warnings = audit.read(settings.audit_log)
    for warning in warnings:
        sys.stderr.write(f"warning: {warning}\n")
    if args.limit is not None:
        records = records[-args.limit:] if args.limit else []
    if args.json:
        print(json.dumps([asdict(r) for r in records], indent=2))
        return EXIT_OK
    if not records:
        print(f"no audit records yet ({settings.audit_log})")
        return EXIT_OK
    rows = [COLUMNS] + [
        (r.time, r.user, r.operation, r.context, f"{r.namespace}/{r.name}", r.result, r.spec,
         r.manifest_sha256[:12])
        for r in records
    ]
    widths = [max(len(row[c]) for row in rows) for c in range(len(COLUMNS))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    for r in records:
        if r.message:
            print(f"{r.time} {r.namespace}/{r.name}: {r.message.splitlines()[0]}")
    return EXIT_OK
