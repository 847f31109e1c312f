"""The contexts the cluster tasks run against: one (the ``context`` setting, else the
kubeconfig's current one) or a fleet (``contexts = ["staging", "prod"]``).

Every cluster action runs its work once per context, inside ``on(context)``: kubectl gets that
``--context``, the per-manifest stamps are that context's, and output lines carry the context
(``[prod] shop/web (specs/web.yaml): create``) when there is more than one. With a single context
nothing changes: no prefix, and the stamps are where they always were.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from doit.exceptions import TaskFailed

from sentinel.config import Settings, kube_contexts
from sentinel.pipeline.settings import pipeline_settings

_CURRENT: ContextVar[tuple[str | None] | None] = ContextVar("sentinel_kube_context", default=None)


def contexts() -> tuple[str | None, ...]:
    """Every context of this project, in the order of the settings."""
    return kube_contexts(pipeline_settings())


def is_fleet() -> bool:
    """More than one context."""
    return len(contexts()) > 1


def current() -> str | None:
    """The context being worked on (outside ``on``: the first, usually the only one)."""
    chosen = _CURRENT.get()
    return chosen[0] if chosen is not None else contexts()[0]


@contextmanager
def on(context: str | None) -> Iterator[None]:
    """Work on ``context`` inside the block."""
    token = _CURRENT.set((context,))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def tag() -> str:
    """What keeps this context's stamps apart from the others' ("" for a single context)."""
    return (current() or "") if is_fleet() else ""


def prefix() -> str:
    """``[context] `` before an output line in a fleet, else nothing."""
    return f"[{current() or 'current'}] " if is_fleet() else ""


def settings_for(settings: Settings, context: str | None) -> Settings:
    """``settings`` aimed at one context."""
    return dataclasses.replace(settings, context=context, contexts=())


def each(action: Callable[[], TaskFailed | None]) -> TaskFailed | None:
    """Run ``action`` once per context (in a fleet under a ``context 'x':`` heading); the
    failures of every context together, each under its context."""
    failures = []
    for context in contexts():
        with on(context):
            if is_fleet():
                print(f"context '{context or 'current'}':")
            failed = action()
            if failed is not None:
                failures.append(f"{prefix()}{failed.message}" if is_fleet() else failed.message)
    return TaskFailed("\n".join(failures)) if failures else None
