"""Chat history: conversations and their messages, in memory or persisted with TinyDB.

``ChatHistoryStore`` is the one interface the chat service codes against; ``MemoryHistoryStore``
keeps everything in the process, ``TinyDBHistoryStore`` persists it. Both enforce the same rules,
those of ``sentinel.chat.messages`` (message shape, no credential fields, keys redacted before
they are stored). ``append_messages`` is one committed turn: all or nothing.
A store object is for one thread; several processes may share one history folder.

Resume policy (``last_conversation``): the conversation whose messages changed most recently (or
that was created most recently, if later); renaming does not count as activity.

On disk (``TinyDBHistoryStore(path)``): ``path`` is a FOLDER (``settings.history_path``, by
default ``$XDG_DATA_HOME/kube-sentinel/history``) holding ``history.jsonl`` and its lock file
``history.jsonl.lock``. The TinyDB database inside has a ``conversations`` table (one document per
conversation) and the messages of conversation C in tables ``msgs:C:0``, ``msgs:C:1`` ... of
``SEGMENT`` messages each, document id = position in the conversation + 1. TinyDB rebuilds a whole
table on every write, so segments keep an append's cost independent of the conversation's length.
The bytes are written by ``sentinel.chat.storage.JournalStorage``, an append-only journal (one
fsync'd JSON line per turn, file-locked across processes, compacted atomically): see its
docstring for why a kill at any moment leaves every committed turn readable.

Measured (``tests/bench/bench_history.py``, one turn = user + assistant, ~800 chars): an append
costs ~0.75 ms (one fsync included) at 100, 1,000 and 10,000 stored messages alike, where stock
``JSONStorage`` costs 1.0, 3.7 and 40 ms without any fsync; opening the store afresh and loading a
10,000-message conversation takes ~40 ms.
"""

from __future__ import annotations

import abc
import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.table import Document

from sentinel.chat.messages import clean_title, detach, now, prepare_messages
from sentinel.chat.storage import LOCK_TIMEOUT, JournalStorage
from sentinel.errors import HistoryError

SEGMENT = 256  # messages per TinyDB table: bounds the work TinyDB does per append
JOURNAL = "history.jsonl"
CONVERSATIONS = "conversations"  # the TinyDB table of conversation documents


@dataclass(frozen=True)
class ConversationInfo:
    """What a conversation list shows: id, title, when, how many messages."""

    id: str
    title: str
    created: str
    updated: str
    message_count: int


class ChatHistoryStore(abc.ABC):
    """Conversations of stored chat messages; every method raises ``HistoryError`` on failure."""

    @abc.abstractmethod
    def create_conversation(self, title: str = "") -> str:
        """Start an empty conversation; returns its id (``conv_<hex>``)."""

    @abc.abstractmethod
    def list_conversations(self) -> list[ConversationInfo]:
        """Every conversation, most recently updated first."""

    @abc.abstractmethod
    def get_conversation(self, conversation_id: str) -> ConversationInfo:
        """One conversation's summary; ``HistoryError`` if unknown."""

    @abc.abstractmethod
    def delete_conversation(self, conversation_id: str) -> None:
        """Remove a conversation and its messages; ``HistoryError`` if unknown."""

    @abc.abstractmethod
    def get_messages(self, conversation_id: str) -> list[dict[str, Any]]:
        """The conversation's messages in order (copies: changing them changes nothing)."""

    @abc.abstractmethod
    def append_messages(self, conversation_id: str, messages: Sequence[Mapping[str, Any]]) -> None:
        """Store one turn's messages: all or nothing, durable when this returns."""

    @abc.abstractmethod
    def clear(self, conversation_id: str) -> None:
        """Drop the conversation's messages but keep the conversation (``/reset``)."""

    @abc.abstractmethod
    def set_title(self, conversation_id: str, title: str) -> None:
        """Rename a conversation (does not change its place in the list)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the store; later calls raise ``HistoryError``."""

    def last_conversation(self) -> str | None:
        """The conversation to resume: the most recently updated one, or None if there is none."""
        conversations = self.list_conversations()
        return conversations[0].id if conversations else None


def new_conversation_id() -> str:
    """A fresh ``conv_<hex>`` id."""
    return f"conv_{secrets.token_hex(8)}"


class MemoryHistoryStore(ChatHistoryStore):
    """History that lives as long as the process (``sentinel chat --memory``, tests)."""

    def __init__(self) -> None:
        self._meta: dict[str, dict[str, Any]] = {}
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._clock = 0
        self._closed = False

    def _find(self, conversation_id: str) -> dict[str, Any]:
        if self._closed:
            raise HistoryError("the history store is closed")
        meta = self._meta.get(conversation_id)
        if meta is None:
            raise HistoryError(f"no conversation {conversation_id!r}",
                               hint="list conversations with /list")
        return meta

    def _touch(self, meta: dict[str, Any], stamp: str | None = None) -> None:
        self._clock += 1
        meta.update(updated=stamp or now(), seq=self._clock,
                    count=len(self._messages[meta["id"]]))

    def create_conversation(self, title: str = "") -> str:
        """Start an empty conversation; returns its id."""
        if self._closed:
            raise HistoryError("the history store is closed")
        cid, stamp = new_conversation_id(), now()
        self._messages[cid] = []
        self._meta[cid] = {"id": cid, "title": clean_title(title), "created": stamp}
        self._touch(self._meta[cid], stamp)
        return cid

    def list_conversations(self) -> list[ConversationInfo]:
        """Every conversation, most recently updated first."""
        if self._closed:
            raise HistoryError("the history store is closed")
        ordered = sorted(self._meta.values(), key=lambda m: m["seq"], reverse=True)
        return [info_from(m) for m in ordered]

    def get_conversation(self, conversation_id: str) -> ConversationInfo:
        """One conversation's summary."""
        return info_from(self._find(conversation_id))

    def delete_conversation(self, conversation_id: str) -> None:
        """Remove a conversation and its messages."""
        self._find(conversation_id)
        del self._meta[conversation_id], self._messages[conversation_id]

    def get_messages(self, conversation_id: str) -> list[dict[str, Any]]:
        """The conversation's messages in order (copies)."""
        self._find(conversation_id)
        return [detach(m) for m in self._messages[conversation_id]]

    def append_messages(self, conversation_id: str, messages: Sequence[Mapping[str, Any]]) -> None:
        """Store one turn's messages, all or nothing."""
        meta = self._find(conversation_id)
        prepared = prepare_messages(messages)
        if prepared:
            self._messages[conversation_id].extend(prepared)
            self._touch(meta)

    def clear(self, conversation_id: str) -> None:
        """Drop the messages, keep the conversation."""
        meta = self._find(conversation_id)
        self._messages[conversation_id] = []
        self._touch(meta)

    def set_title(self, conversation_id: str, title: str) -> None:
        """Rename a conversation."""
        self._find(conversation_id)["title"] = clean_title(title)

    def close(self) -> None:
        """Forget everything."""
        self._closed = True
        self._meta.clear()
        self._messages.clear()


def info_from(meta: Mapping[str, Any]) -> ConversationInfo:
    """The public summary of a stored conversation document."""
    return ConversationInfo(id=meta["id"], title=meta["title"], created=meta["created"],
                            updated=meta["updated"], message_count=meta["count"])


class TinyDBHistoryStore(ChatHistoryStore):
    """History persisted with TinyDB in the folder ``path`` (see the module docstring)."""

    def __init__(self, path: Path, *, lock_timeout: float = LOCK_TIMEOUT) -> None:
        try:
            if path.exists() and not path.is_dir():
                raise HistoryError(f"{path}: the history location must be a folder, not a file",
                                   hint="point SENTINEL_HISTORY (history_path) at a folder")
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise HistoryError(f"{path}: cannot use the history folder: {exc.strerror}",
                               hint="check its permissions, or set SENTINEL_HISTORY") from exc
        self.path = path
        self._storage = JournalStorage(path / JOURNAL, lock_timeout=lock_timeout)
        self._db = self._new_db()

    def _new_db(self) -> TinyDB:
        # TinyDB caches ids and query results per table; a fresh instance over the same storage
        # forgets them after another process's writes were applied underneath.
        self._generation = self._storage.generation
        storage = self._storage
        return TinyDB(storage=lambda: storage)

    def _view(self) -> TinyDB:
        if self._storage.generation != self._generation:
            self._db = self._new_db()
        return self._db

    def _read(self) -> TinyDB:
        self._storage.refresh()
        return self._view()

    @contextmanager
    def _write(self, *, compact: bool = False) -> Iterator[TinyDB]:
        with self._storage.transaction(compact=compact):
            yield self._view()

    def _find(self, db: TinyDB, conversation_id: str) -> Document:
        for doc in self._conversations(db):
            if doc["id"] == conversation_id:
                return doc
        raise HistoryError(f"no conversation {conversation_id!r} in {self.path}",
                           hint="list conversations with /list")

    def _conversations(self, db: TinyDB) -> list[Document]:
        """Every conversation document, checked: a hand-edited file must not cause a crash."""
        docs: list[Document] = db.table(CONVERSATIONS).all()
        for doc in docs:
            if not (all(isinstance(doc.get(k), str) for k in ("id", "title", "created", "updated"))
                    and all(type(doc.get(k)) is int and doc[k] >= 0 for k in ("count", "seq"))):
                raise HistoryError(
                    f"{self.path / JOURNAL}: conversation record {dict(doc)!r:.80} is damaged",
                    hint="move the file aside (rename it) to start a fresh history")
        return docs

    def _touch(self, db: TinyDB, doc: Document, count: int) -> None:
        seq = 1 + max((d["seq"] for d in self._conversations(db)), default=0)
        db.table(CONVERSATIONS).update({"count": count, "seq": seq, "updated": now()},
                                       doc_ids=[doc.doc_id])

    def create_conversation(self, title: str = "") -> str:
        """Start an empty conversation; returns its id."""
        cid, stamp, clean = new_conversation_id(), now(), clean_title(title)
        with self._write() as db:
            seq = 1 + max((d["seq"] for d in self._conversations(db)), default=0)
            db.table(CONVERSATIONS).insert({"id": cid, "title": clean, "created": stamp,
                                              "updated": stamp, "count": 0, "seq": seq})
        return cid

    def list_conversations(self) -> list[ConversationInfo]:
        """Every conversation, most recently updated first."""
        docs = self._conversations(self._read())
        return [info_from(d) for d in sorted(docs, key=lambda d: d["seq"], reverse=True)]

    def get_conversation(self, conversation_id: str) -> ConversationInfo:
        """One conversation's summary."""
        return info_from(self._find(self._read(), conversation_id))

    def delete_conversation(self, conversation_id: str) -> None:
        """Remove a conversation and its messages; the file is compacted so the text is gone."""
        with self._write(compact=True) as db:
            doc = self._find(db, conversation_id)
            for table in _segments(conversation_id, doc["count"]):
                db.drop_table(table)
            db.table(CONVERSATIONS).remove(doc_ids=[doc.doc_id])

    def get_messages(self, conversation_id: str) -> list[dict[str, Any]]:
        """The conversation's messages in order (copies)."""
        db = self._read()
        doc = self._find(db, conversation_id)
        messages: list[dict[str, Any]] = []
        for table in _segments(conversation_id, doc["count"]):
            rows = sorted(db.table(table).all(), key=lambda d: d.doc_id)
            messages.extend(detach(row) for row in rows)
        if len(messages) != doc["count"]:
            raise HistoryError(f"{self.path / JOURNAL}: conversation {conversation_id!r} should "
                               f"hold {doc['count']} messages but holds {len(messages)}",
                               hint="the file was edited; move it aside to start afresh")
        return messages

    def append_messages(self, conversation_id: str, messages: Sequence[Mapping[str, Any]]) -> None:
        """Store one turn's messages: one journal line, fsync'd before this returns."""
        prepared = prepare_messages(messages)
        with self._write() as db:
            doc = self._find(db, conversation_id)
            if not prepared:
                return
            count = doc["count"]
            by_segment: dict[int, list[Document]] = {}
            for position, message in enumerate(prepared, count):
                by_segment.setdefault(position // SEGMENT, []).append(
                    Document(message, doc_id=position + 1))
            for segment, docs in by_segment.items():
                db.table(_segment_name(conversation_id, segment)).insert_multiple(docs)
            self._touch(db, doc, count + len(prepared))

    def clear(self, conversation_id: str) -> None:
        """Drop the messages, keep the conversation; the file is compacted so the text is gone."""
        with self._write(compact=True) as db:
            doc = self._find(db, conversation_id)
            for table in _segments(conversation_id, doc["count"]):
                db.drop_table(table)
            self._touch(db, doc, 0)

    def set_title(self, conversation_id: str, title: str) -> None:
        """Rename a conversation."""
        clean = clean_title(title)
        with self._write() as db:
            doc = self._find(db, conversation_id)
            db.table(CONVERSATIONS).update({"title": clean}, doc_ids=[doc.doc_id])

    def close(self) -> None:
        """Release the store (nothing stays open between calls; this makes misuse loud)."""
        self._storage.close()


def _segment_name(conversation_id: str, segment: int) -> str:
    return f"msgs:{conversation_id}:{segment}"


def _segments(conversation_id: str, count: int) -> list[str]:
    return [_segment_name(conversation_id, s) for s in range(-(-count // SEGMENT))]


def open_store(path: Path | None) -> ChatHistoryStore:
    """The TinyDB store in folder ``path``, or a memory store when ``path`` is None."""
    if path is None:
        return MemoryHistoryStore()
    return TinyDBHistoryStore(path)
