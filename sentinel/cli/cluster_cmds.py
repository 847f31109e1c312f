"""``sentinel plan`` (what apply would do, from the live cluster) and ``sentinel audit`` (the log
of real applies and deletes).

The cluster changes themselves are doit tasks (``doit apply/delete``). ``sentinel plan`` is
``doit plan`` without doit: the same ``build_plan``, on the specs as they are now (rendered in
memory, so it needs no ``doit generate`` first); ``--json`` prints one document for scripts.
Exit codes: 0 every Pod planned, 1 some Pod could not be planned (invalid spec, failed dry run)
or the cluster could not be asked (``--json`` then prints ``{"ok": false, "error": ...}``),
2 a usage or settings problem. With several contexts (the ``contexts`` setting: a fleet) each
context's plan is printed under ``context 'name':`` and ``--json`` prints ``{"ok": ..., "plans":
[one document per context]}``. ``sentinel audit`` skips lines a crash left torn, with a warning
on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any

from sentinel.errors import EXIT_FAILURE, EXIT_OK, SentinelError

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
    """Print the plan of every context (lines or JSON)."""
    from sentinel.config import kube_contexts, load_settings
    from sentinel.pipeline.converge import build_plans

    settings = load_settings()
    fleet = len(kube_contexts(settings)) > 1
    planned = build_plans(settings, specs=args.specs or None,
                          force_conflicts=args.force_conflicts)
    if not fleet:
        [(_, plan)] = planned
        if isinstance(plan, SentinelError):
            if args.json:  # scripts still get one document; the message goes to stderr as well
                print(json.dumps({"ok": False, "error": str(plan).splitlines()[0]}, indent=2))
            raise plan
        if args.json:
            print(json.dumps(plan.to_json(), indent=2))
        else:
            _print_plan(plan)
        return EXIT_OK if plan.ok else EXIT_FAILURE
    docs: list[dict[str, Any]] = []
    ok = True
    for context, one in planned:
        if isinstance(one, SentinelError):
            ok = False
            docs.append({"context": context, "ok": False, "error": str(one).splitlines()[0]})
            sys.stderr.write(f"error: [{context}] {one}\n")
            if not args.json:
                print(f"context '{context}':\ncannot plan: {str(one).splitlines()[0]}")
            continue
        ok = ok and one.ok
        docs.append(one.to_json())
        if not args.json:
            print(f"context '{context}':")
            _print_plan(one)
    if args.json:
        print(json.dumps({"ok": ok, "plans": docs}, indent=2))
    return EXIT_OK if ok else EXIT_FAILURE


def _print_plan(plan: Any) -> None:
    print("\n".join(plan.lines()))
    for entry in plan.of("error"):
        sys.stderr.write(f"error: {entry.detail}\n")


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
