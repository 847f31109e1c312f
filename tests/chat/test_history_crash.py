"""Crash test: SIGKILL a writer at random moments; every turn it reported must survive, whole.

A writer process appends turns to one conversation as fast as it can and prints each turn's id
(flushed) only AFTER ``append_messages`` returned, so a printed id is a turn the store promised
was durable. Every eighth turn it also fills and clears a scratch conversation, which compacts
(rewrites) the whole file, so kills land in compactions too. After each kill the store must load
and hold every reported turn, each with both of its messages, in order, and no half turn.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sentinel.chat.history import TinyDBHistoryStore

REPO = Path(__file__).resolve().parents[2]
KILLS = 30

WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from sentinel.chat.history import TinyDBHistoryStore
    folder, cid, scratch, name = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    store = TinyDBHistoryStore(folder)
    print("ready", flush=True)
    for n in range(1_000_000):
        tid = f"turn_{name}_{n}"
        store.append_messages(cid, [
            {"role": "user", "content": f"{tid} question " + "q" * 250, "turn": tid},
            {"role": "assistant", "content": f"{tid} answer " + "a" * 550, "turn": tid},
        ])
        print(tid, flush=True)
        if n % 8 == 7:
            store.append_messages(scratch, [{"role": "user", "content": "scratch " * 50_000}])
            store.clear(scratch)
""")


def run_and_kill(folder: Path, cid: str, scratch: str, name: str, delay: float) -> list[str]:
    """Start a writer, SIGKILL it ``delay`` seconds into its loop; the turn ids it reported."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with subprocess.Popen([sys.executable, "-c", WRITER, str(folder), cid, scratch, name],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=env) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        ready = proc.stdout.readline()
        assert ready == "ready\n", proc.stderr.read()
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL, err  # it was still writing, not crashed
    return out.split("\n")[:-1]  # the text after the last newline is a half-printed id


def test_sigkill_at_random_moments_loses_no_committed_turn(tmp_path: Path) -> None:
    folder = tmp_path / "history"
    setup = TinyDBHistoryStore(folder)
    cid, scratch = setup.create_conversation("crash"), setup.create_conversation("scratch")
    setup.close()
    seed = random.randrange(1 << 32)
    rng = random.Random(seed)
    reported: list[str] = []
    for kill in range(KILLS):
        delay = rng.uniform(0.005, 0.080)
        reported += run_and_kill(folder, cid, scratch, f"w{kill}", delay)
        where = f"(seed {seed}, kill {kill} after {delay * 1000:.0f} ms)"

        messages = TinyDBHistoryStore(folder).get_messages(cid)  # loads, or this raises
        assert len(messages) % 2 == 0, where
        stored = []
        for user, answer in zip(messages[::2], messages[1::2], strict=True):
            tid = user["turn"]
            assert (user["role"], answer["role"], answer["turn"]) == ("user", "assistant", tid)
            assert user["content"].startswith(f"{tid} question ") and len(user["content"]) > 250
            assert answer["content"].startswith(f"{tid} answer ") and len(answer["content"]) > 550
            stored.append(tid)
        assert len(set(stored)) == len(stored), f"a turn was stored twice {where}"
        assert set(reported) <= set(stored), f"lost {set(reported) - set(stored)} {where}"
        # Beyond what was reported, at most the one in-flight turn per kill may have landed.
        assert len(stored) - len(reported) <= kill + 1, where
        assert [t for t in stored if t in set(reported)] == reported, f"order changed {where}"
    assert len(reported) > KILLS  # the writers really did commit turns between kills
