"""Settings as the pipeline sees them: loaded once per doit run, errors shown the doit way.

doit imports the dodo module and creates tasks in the project folder, so ``load_settings()``
finds ``sentinel.toml`` from there. A bad setting must reach the user as doit's one-line
``ERROR: ...`` (exit 3), not as a traceback, so ``ConfigError`` becomes ``InvalidDodoFile``.
"""

from __future__ import annotations

from functools import lru_cache

from doit.exceptions import InvalidDodoFile

from sentinel.config import Settings, load_settings
from sentinel.errors import ConfigError
from sentinel.pipeline.plan import use_scan_cache

SCAN_CACHE = "scan-cache.json"


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
    return {
        "backend": "sqlite3",
        "dep_file": str(settings.state_dir / "doit.sqlite3"),
        "default_tasks": ["generate"],
        "verbosity": verbosity,
    }
