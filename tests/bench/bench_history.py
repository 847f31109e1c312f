"""Benchmark: what persisting one chat turn and loading a conversation cost as history grows.

Run: ``/tmp/venv/bin/python tests/bench/bench_history.py``. Compares ``TinyDBHistoryStore``
(journal storage, one fsync per turn) with stock TinyDB ``JSONStorage`` (whole-file rewrite, no
fsync: flattering to the baseline) on the same messages in the same run. A turn is a user message
(~200 chars) and an assistant message (~600 chars). For each size N of the conversation the
median of APPENDS consecutive turns is reported (the conversation grows from N to N + 2*APPENDS).
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import JSONStorage

from sentinel.chat.history import TinyDBHistoryStore

SIZES = (100, 1_000, 10_000)
APPENDS = 60
LOADS = 7
WORDS = ("pod", "spec", "image", "limits", "namespace", "container", "port", "probe", "volume",
         "label", "policy")


def text(rng: random.Random, size: int) -> str:
    """Roughly ``size`` characters of plausible words."""
    out: list[str] = []
    while sum(len(w) + 1 for w in out) < size:
        out.append(rng.choice(WORDS))
    return " ".join(out)


def turn(rng: random.Random, n: int) -> list[dict[str, Any]]:
    """One user + assistant exchange in the stored message format."""
    return [
        {"id": f"msg_u{n:08x}", "role": "user", "content": text(rng, rng.randint(150, 300)),
         "created": "2026-11-23T17:00:00.000+00:00", "turn": f"turn_{n:08x}"},
        {"id": f"msg_a{n:08x}", "role": "assistant", "content": text(rng, rng.randint(400, 700)),
         "created": "2026-11-23T17:00:01.000+00:00", "turn": f"turn_{n:08x}"},
    ]


Timing = tuple[float, float]  # (median, fastest) in milliseconds


def timed(action: Callable[[int], None], times: int, start: int) -> Timing:
    """Median and fastest wall time of ``action(i)`` over ``times`` calls, in milliseconds.

    The fastest run shows the cost itself when other processes compete for the CPU.
    """
    samples = []
    for i in range(times):
        t0 = time.perf_counter()
        action(start + i)
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1000, min(samples) * 1000


def bench_journal(folder: Path, size: int, rng: random.Random) -> tuple[Timing, Timing]:
    """(append ms, fresh-open + load ms) for the journal store with ``size`` messages."""
    store = TinyDBHistoryStore(folder / f"journal-{size}")
    cid = store.create_conversation("bench")
    for n in range(size // 2):
        store.append_messages(cid, turn(rng, n))
    append = timed(lambda n: store.append_messages(cid, turn(rng, n)), APPENDS, size)

    def load(_: int) -> None:
        fresh = TinyDBHistoryStore(folder / f"journal-{size}")
        assert len(fresh.get_messages(cid)) == size + 2 * APPENDS
        fresh.close()

    loaded = timed(load, LOADS, 0)
    store.close()
    return append, loaded


def bench_stock(folder: Path, size: int, rng: random.Random) -> tuple[Timing, Timing]:
    """(append ms, fresh-open + load ms) for stock TinyDB JSONStorage, a table per conversation."""
    path = folder / f"stock-{size}.json"
    db = TinyDB(path, storage=JSONStorage)
    table = db.table("conv_bench")
    table.insert_multiple(m for n in range(size // 2) for m in turn(rng, n))

    def append_one(n: int) -> None:
        table.insert_multiple(turn(rng, n))

    append = timed(append_one, APPENDS, size)
    db.close()

    def load(_: int) -> None:
        fresh = TinyDB(path, storage=JSONStorage)
        assert len(fresh.table("conv_bench").all()) == size + 2 * APPENDS
        fresh.close()

    loaded = timed(load, LOADS, 0)
    return append, loaded


def main() -> int:
    """Run both stores at every size and print the table and ratios."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        for size in SIZES:
            journal = bench_journal(Path(tmp), size, random.Random(size))
            stock = bench_stock(Path(tmp), size, random.Random(size))
            rows.append((size, journal, stock))
    print(f"one turn = user ~225 + assistant ~550 chars; append: median (fastest) of {APPENDS};")
    print(f"load = new store object + every message of the conversation, median of {LOADS}")
    print(f"{'messages':>9} | {'journal append':>16} | {'stock append':>16} | {'stock/journal':>13}"
          f" | {'journal load':>12} | {'stock load':>10}")
    for size, (j_app, j_load), (s_app, s_load) in rows:
        print(f"{size:>9,} | {j_app[0]:>6.2f} ({j_app[1]:.2f}) ms"
              f" | {s_app[0]:>6.2f} ({s_app[1]:.2f}) ms"
              f" | {s_app[0] / j_app[0]:>12.1f}x | {j_load[0]:>9.1f} ms | {s_load[0]:>7.1f} ms")
    (small, (j_small, _), (s_small, _)), (large, (j_large, _), (s_large, _)) = rows[0], rows[-1]
    print(f"growth {small:,} -> {large:,} messages, median (fastest): journal append "
          f"{j_large[0] / j_small[0]:.2f}x ({j_large[1] / j_small[1]:.2f}x), stock append "
          f"{s_large[0] / s_small[0]:.2f}x ({s_large[1] / s_small[1]:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
