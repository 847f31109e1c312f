"""``sentinel import FILE|-``: existing Pod manifests and workload Pod templates → spec files.

Exit codes: 0 imported (written, or printed on stdout); 1 the input is not YAML, holds no Pod,
a Pod cannot become a spec, or a field cannot be expressed and ``--allow-loss`` was not given, or
a target file already exists (nothing is written then); 2 usage: the input file is missing or
unreadable, ``-o`` names one file for several Pods.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sentinel.errors import EXIT_FAILURE, EXIT_OK, SentinelError, SpecError, UsageError

if TYPE_CHECKING:
    from sentinel.importer import Imported, Imports


def register(subparsers: Any) -> None:
    """Add ``sentinel import`` to the ``sentinel`` parser."""
    p = subparsers.add_parser(
        "import", help="turn Pod manifests and workload Pod templates into specs",
        description="Turn a Pod manifest, the Pod template of a Deployment, StatefulSet, "
        "DaemonSet, ReplicaSet, Job or CronJob, or 'kubectl get pod -o yaml' output into spec "
        "files. Fails (exit 1) if a field cannot be expressed, unless --allow-loss.",
    )
    p.add_argument("input", metavar="FILE", help="a manifest file (YAML, several documents "
                   "allowed), or - for standard input")
    p.add_argument("-o", "--output", metavar="PATH",
                   help="write the spec to PATH (atomically, never overwriting); a folder (an "
                   "existing one, or a path ending in /) gets one <name>.yaml per Pod")
    p.add_argument("--allow-loss", action="store_true",
                   help="import even what cannot be expressed; the lost fields are listed in "
                   "the spec's comment")
    p.add_argument("--explain", action="store_true",
                   help="print what the import drops, loses and what kube-sentinel adds when "
                   "rendering, instead of the specs")
    p.set_defaults(func=cmd_import)


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")


def _read(arg: str) -> tuple[bytes, str]:
    if arg == "-":
        return sys.stdin.buffer.read(), "<stdin>"
    path = Path(arg)
    if path.is_dir():
        raise UsageError(f"{path} is a folder; import takes one manifest file",
                         hint="give a file, or - to read standard input")
    try:
        with path.open("rb") as fh:
            from sentinel.importer import MAX_INPUT_BYTES

            return fh.read(MAX_INPUT_BYTES + 1), arg
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file", hint="give the path of a manifest") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read it: {exc.strerror}",
                         hint="check the file's permissions") from None


KEPT_CAPABILITIES = ("capabilities.add keeps the container runtime's defaults that baseline "
                     "allows (they may run as root; kube-sentinel drops ALL)")


def _explain(pod: Imported) -> list[str]:
    lines = [f"{pod.origin} -> spec {pod.name!r}, security: {pod.profile}"]
    sections: list[tuple[str, list[str]]] = [
        ("why baseline", pod.profile_reasons),
        (f"not counted for the profile (security: {pod.profile}), since not imported",
         pod.uncounted),
        (KEPT_CAPABILITIES, pod.kept_capabilities),
        ("workload fields left out", pod.workload_fields),
        ("dropped (server-added or Kubernetes default)", pod.dropped),
        ("lost (a spec cannot express it)", [str(d) for d in pod.lost]),
        ("refused by the spec's rules", pod.refused),
        ("added by kube-sentinel when rendering", [str(d) for d in pod.added]),
    ]
    for title, items in sections:
        if items:
            lines.append(f"  {title}:")
            lines += [f"    {item}" for item in items]
    if not pod.lost:
        lines.append("  round trip: rendering the spec gives back this Pod, except what is "
                     "listed above")
    return lines


def _targets(result: Imports, output: str) -> list[Path]:
    target = Path(output)
    if target.is_dir() or output.endswith(("/", "\\")):
        paths = [target / f"{pod.name}.yaml" for pod in result.pods]
        seen: dict[Path, str] = {}
        for path, pod in zip(paths, result.pods, strict=True):
            if path in seen:
                raise SentinelError(f"{seen[path]} and {pod.origin} would both be written to "
                                    f"{path}", hint="import them one at a time with -o FILE")
            seen[path] = pod.origin
        return paths
    if len(result.pods) > 1:
        raise UsageError(f"the input holds {len(result.pods)} Pods; -o {output} is one file",
                         hint=f"give a folder, e.g. -o {target.parent / 'specs'}/")
    return [target]


def _write(result: Imports, output: str) -> int:
    from sentinel.fsutil import atomic_write

    paths = _targets(result, output)
    existing = [p for p in paths if p.exists()]
    if existing:
        for path in existing:
            _err(f"error: {path} already exists")
        _err("nothing written; remove it or choose another path (import never overwrites)")
        return EXIT_FAILURE
    for path, pod in zip(paths, result.pods, strict=True):
        try:
            atomic_write(path, pod.text, exclusive=True)
        except FileExistsError:
            raise SentinelError(f"{path} was created by someone else meanwhile; not "
                                "overwritten") from None
        except OSError as exc:
            raise SentinelError(f"cannot write {path}: {exc.strerror}") from exc
        _err(f"wrote {path}")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    """Import every Pod of the input; refuse lossy imports unless ``--allow-loss``."""
    if args.explain and args.output:
        raise UsageError("--explain prints an explanation and writes nothing; it takes no -o",
                         hint="run it without -o, then again without --explain")
    raw, source = _read(args.input)
    from sentinel.importer import decode, import_text

    try:
        result = import_text(decode(raw, source), source)
    except SpecError as err:
        for problem in err.problems:
            _err(problem.format())
        _err(f"{source}: not imported, nothing written")
        return EXIT_FAILURE
    for note in result.skipped:
        _err(f"{source}: {note}")
    lossy = [pod for pod in result.pods if not pod.lossless]
    refuse = bool(lossy) and not args.allow_loss
    if args.explain:
        sys.stdout.write("\n".join(line for pod in result.pods for line in _explain(pod)) + "\n")
        return EXIT_FAILURE if refuse else EXIT_OK
    if refuse:
        for pod in lossy:
            _err(f"{source}: {pod.origin}: cannot be imported without loss:")
            for diff in pod.lost:
                _err(f"  {diff}")
            for why in pod.refused:
                _err(f"  (refused: {why})")
        _err("nothing written; run with --allow-loss to import it anyway (the lost fields are "
             "listed in the spec's comment)")
        return EXIT_FAILURE
    for pod in lossy:  # --allow-loss: said once more here, beside the comment in the spec
        _err(f"warning: {source}: {pod.origin}: {len(pod.lost)} field(s) not imported, "
             "listed in the spec's comment")
    if args.output:
        return _write(result, args.output)
    sys.stdout.write("---\n".join(pod.text for pod in result.pods))
    sys.stdout.flush()
    return EXIT_OK
