"""``sentinel audit``: show the audit log of real applies and deletes (table, or ``--json``).

The cluster operations themselves are doit tasks (``doit dryrun/apply/diff/delete/status``);
this command only reads what they recorded. Lines a crash left torn are skipped with a warning
on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any

from sentinel.errors import EXIT_OK

COLUMNS = ("TIME", "USER", "OP", "CONTEXT", "POD", "RESULT", "SPEC", "SHA256")


def register(subparsers: Any) -> None:
    """Add ``audit`` to the ``sentinel`` parser."""
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
