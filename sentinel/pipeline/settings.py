"""Settings as the pipeline sees them: loaded once per doit run, errors shown the doit way.

doit imports the dodo module and creates tasks in the project folder, so ``load_settings()``
finds ``sentinel.toml`` from there. A bad setting must reach the user as doit's one-line
``ERROR: ...`` (exit 3), not as a traceback, so ``ConfigError`` becomes ``InvalidDodoFile``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from doit.exceptions import InvalidDodoFile

from sentinel.config import Settings, load_settings
from sentinel.errors import ConfigError
from sentinel.pipeline.plan import use_scan_cache

SCAN_CACHE = "scan-cache.json"
DEP_FILE = "doit.sqlite3"
_SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every sqlite3 database file


@lru_cache(maxsize=1)
def pipeline_settings() -> Settings:
    """The project's settings for this doit run (cached: every task creator asks)."""
    try:
        return load_settings()
    except ConfigError as err:
        raise InvalidDodoFile(str(err)) from err


def doit_config(settings: Settings, verbosity: int = 1) -> dict[str, object]:
    """``DOIT_CONFIG`` for a project: sqlite3 dependency database in the state folder.

    Also keeps the planner's scan cache in the state folder for this run.
    """
    # doit's sqlite3 backend opens the file with sqlite3.connect, which does not create folders.
    try:
        settings.state_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        why = ("a file is in the way" if isinstance(exc, FileExistsError | NotADirectoryError)
               else exc.strerror)
        raise InvalidDodoFile(
            f"cannot create the state folder {settings.state_dir}: {why}\n"
            "  hint: set state_dir in sentinel.toml / SENTINEL_STATE_DIR to a writable folder"
        ) from exc
    use_scan_cache(settings.state_dir / SCAN_CACHE)
    dep_file = settings.state_dir / DEP_FILE
    _check_dep_file(dep_file)
    return {
        "backend": "sqlite3",
        "dep_file": str(dep_file),
        "default_tasks": ["generate"],
        "verbosity": verbosity,
    }


def _check_dep_file(path: Path) -> None:
    """Refuse a dependency database that is not one, which doit reports with a traceback."""
    try:
        with path.open("rb") as fh:
            head = fh.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        return  # the first run creates it
    except OSError as exc:
        raise InvalidDodoFile(f"cannot read {path}: {exc.strerror}") from exc
    if head and head != _SQLITE_HEADER:
        raise InvalidDodoFile(
            f"{path} is damaged (not an sqlite3 database)\n"
            "  hint: remove it; the next run rebuilds it and generates every manifest once"
        )
