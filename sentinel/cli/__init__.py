"""The ``sentinel`` command line: argument parsing, error-to-exit-code mapping, nothing else.

Each command group lives in its own module that exposes ``register(subparsers)``; handlers import
their heavy dependencies lazily so ``sentinel --help`` and ``sentinel validate`` never import
``openai`` (a test checks ``sys.modules``).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from sentinel import __version__
from sentinel.errors import EXIT_USAGE, SentinelError

# Order is the order of commands in --help.
COMMAND_MODULES = (
    "sentinel.cli.spec_cmds",  # validate, render, schema, init
    "sentinel.cli.import_cmd",  # import
    "sentinel.cli.cluster_cmds",  # audit
    "sentinel.cli.chat_cmds",  # chat, calls
    "sentinel.cli.mcp_cmds",  # mcp
)


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with a one-line hint instead of its own usage dump on stderr."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """Print usage and the error with a hint, then exit with the usage exit code (2)."""
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n  hint: run '{self.prog} --help'\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every command module registered."""
    parser = _Parser(
        prog="sentinel",
        description="Validated, secure-by-default Kubernetes Pod manifests from strictyaml specs.",
    )
    parser.add_argument("--version", action="version", version=f"sentinel {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sentinel`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        code: int = args.func(args)
    except SentinelError as err:
        sys.stderr.write(f"error: {err}\n")
        return err.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        # stdout closed early (e.g. `sentinel render x | head`): not an error worth a traceback
        return 0
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
