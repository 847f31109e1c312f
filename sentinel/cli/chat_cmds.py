"""``sentinel chat`` (the REPL) and ``sentinel calls`` (model-call totals per conversation).

This is where the chat part meets the environment: it reads ``OPENAI_API_KEY`` and
``OPENAI_BASE_URL`` and the settings, picks the conversation by the resume policy, wires the
provider, history store, tools, run limits and call log into a ``ChatService``, and hands it to
the REPL. ``openai`` and TinyDB are imported inside the handlers only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sentinel.errors import EXIT_OK, UsageError

if TYPE_CHECKING:  # the real imports happen inside the handlers (openai and TinyDB are heavy)
    from sentinel.chat.history import ChatHistoryStore
    from sentinel.chat.protocols import ToolRunner, TurnGuard
    from sentinel.config import Settings

RESUME_POLICY = """\
which conversation:
  By default chat resumes the conversation you used last: the one with the most recent
  message, or one started after it and still empty; with none, it starts a new one. --new
  always starts a new one; --conversation ID continues that one (a unique prefix of the id is
  enough). --memory keeps the session in memory only: nothing is saved and nothing is resumed.

provider:
  OPENAI_API_KEY and/or OPENAI_BASE_URL select the endpoint (one of them is required; a base URL
  alone works for local servers such as Ollama, vLLM or llama.cpp). The model is --model, else
  the 'model' setting (SENTINEL_MODEL), else gpt-4o-mini.

Inside the session /help lists the commands (/new, /reset, /history, /list, /switch ID,
/delete ID, /exit). Exit codes: 0 normal end, 2 configuration error."""


def register(subparsers: Any) -> None:
    """Add the ``chat`` and ``calls`` commands."""
    chat = subparsers.add_parser(
        "chat", help="talk to a model that can write and check spec files",
        description="A terminal chat with an OpenAI-compatible model; answers stream as they "
                    "arrive and history is kept between sessions.",
        epilog=RESUME_POLICY, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    chat.add_argument("--memory", action="store_true",
                      help="throwaway session: keep history in memory only")
    which = chat.add_mutually_exclusive_group()
    which.add_argument("--new", action="store_true",
                       help="start a new conversation instead of resuming the last one")
    which.add_argument("--conversation", metavar="ID", help="continue this conversation")
    chat.add_argument("--model", metavar="M", help="model name (default: the 'model' setting)")
    chat.set_defaults(func=run_chat)

    calls = subparsers.add_parser(
        "calls", help="totals of logged model calls per conversation",
        description="Sum the model-call log (setting call_log) per conversation: calls, errors, "
                    "retries, input/output tokens, latency.",
    )
    calls.add_argument("--json", action="store_true", help="print JSON instead of a table")
    calls.set_defaults(func=run_calls)


def run_chat(args: argparse.Namespace) -> int:
    """Start the REPL; configuration problems raise ``ChatConfigError`` (exit 2)."""
    from sentinel.chat.calllog import CallLog
    from sentinel.chat.history import open_store
    from sentinel.chat.provider import OpenAIProvider, provider_config
    from sentinel.chat.repl import Repl
    from sentinel.chat.service import ChatService
    from sentinel.config import load_settings

    settings = load_settings()
    config = provider_config(os.environ.get("OPENAI_API_KEY"), os.environ.get("OPENAI_BASE_URL"),
                             args.model or settings.model)
    if args.memory and args.conversation:
        raise UsageError("--memory starts an empty in-memory session; it cannot continue "
                         f"conversation {args.conversation}", hint="drop one of the two options")
    tools, guard_factory, prompt_extra = _tooling(settings)
    store = open_store(None if args.memory else settings.history_path)
    try:
        cid, how = choose_conversation(store, new=args.new or args.memory,
                                       wanted=args.conversation)
        provider = OpenAIProvider(config)
        try:
            service = ChatService(
                provider, store, cid,
                context_budget=settings.context_budget, max_retries=settings.max_retries,
                tools=tools, guard_factory=guard_factory, call_log=CallLog(settings.call_log),
                prompt_extra=prompt_extra,
            )
            where = "in memory, not saved" if args.memory else how
            repl = Repl(service, stdin=sys.stdin, stdout=sys.stdout, stderr=sys.stderr,
                        interactive=sys.stdin.isatty(),
                        input_history=None if args.memory
                        else settings.history_path.parent / "chat-input-history")
            return repl.run(f"conversation {cid} ({where}); model {config.model}")
        finally:
            provider.close()
    finally:
        store.close()


def _tooling(settings: Settings) -> tuple[ToolRunner, Callable[[], TurnGuard], Callable[[], str]]:
    """The tool registry, the per-turn run limits and the tools' prompt section."""
    from sentinel.chat.limits import RunLimits
    from sentinel.chat.registry import build_registry
    from sentinel.chat.spec_tools import tool_prompt_section

    registry = build_registry(settings)
    limits = RunLimits.from_settings(settings)

    def prompt_extra() -> str:
        return tool_prompt_section(registry, settings.specs_dir, root=settings.root)

    return registry, limits.new_turn, prompt_extra


def choose_conversation(store: ChatHistoryStore, *, new: bool,
                        wanted: str | None) -> tuple[str, str]:
    """The resume policy (see ``sentinel chat --help``): (conversation id, how it was chosen)."""
    if wanted:
        ids = [info.id for info in store.list_conversations()]
        matches = [cid for cid in ids if cid == wanted] or [c for c in ids if c.startswith(wanted)]
        if len(matches) != 1:
            what = "matches several conversations" if matches else "is not a conversation"
            raise UsageError(f"--conversation {wanted}: {what}",
                             hint="run 'sentinel chat' and type /list to see the ids")
        info = store.get_conversation(matches[0])
        return info.id, f"continued, {info.message_count} messages"
    if not new:
        last = store.last_conversation()
        if last is not None:
            info = store.get_conversation(last)
            return info.id, f"resumed, {info.message_count} messages"
    return store.create_conversation(""), "new"


def run_calls(args: argparse.Namespace) -> int:
    """Print totals of the model-call log per conversation."""
    from sentinel.chat.calllog import read_calls, totals_by_conversation
    from sentinel.config import load_settings

    settings = load_settings()
    records, skipped = read_calls(settings.call_log)
    totals = totals_by_conversation(records)
    if args.json:
        payload = {"call_log": str(settings.call_log),
                   "conversations": [t.to_dict() for t in totals],
                   "skipped_lines": skipped}
        sys.stdout.write(json.dumps(payload, indent=2, sort_keys=True) + "\n")
        return EXIT_OK
    if not totals:
        sys.stdout.write(f"no model calls logged yet ({settings.call_log})\n")
        return EXIT_OK
    header = f"{'conversation':<36}  {'calls':>5}  {'errors':>6}  {'retries':>7}  " \
             f"{'in tokens':>9}  {'out tokens':>10}  {'latency':>9}"
    lines = [header]
    for t in totals:
        lines.append(f"{t.conversation:<36}  {t.calls:>5}  {t.errors:>6}  {t.retries:>7}  "
                     f"{t.input_tokens:>9}  {t.output_tokens:>10}  {t.latency_ms / 1000:>8.2f}s")
    if skipped:
        lines.append(f"({skipped} unreadable line(s) skipped)")
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK
