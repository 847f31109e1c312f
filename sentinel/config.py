"""Settings: defaults, one file (``sentinel.toml`` in the project folder), environment overrides.

Precedence, lowest first: built-in default → ``sentinel.toml`` → ``SENTINEL_*`` environment
variable. Every setting is listed in ``SETTINGS`` with its variable, type and help; a bad value
raises ``ConfigError`` naming the setting, where it came from and what to write instead. This is
one of the few modules allowed to read the environment.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from sentinel.errors import ConfigError

CONFIG_FILE = "sentinel.toml"
# A Kubernetes label value (the project id is the value of the kube-sentinel.io/project label).
PROJECT_ID = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")


def _xdg_data_home(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_DATA_HOME") or str(Path(env.get("HOME", str(Path.home()))) / ".local/share")
    return Path(base) / "kube-sentinel"


@dataclass(frozen=True)
class Setting:
    """One documented setting."""

    name: str
    env: str
    # "path" | "str" | "label" | "int" | "float" | "bool" | "choice" | "list" | "names" | "prices"
    kind: str
    help: str
    choices: tuple[str, ...] = ()
    allow_zero: bool = False  # numbers: 0 is meaningful (e.g. "no retries")


SETTINGS: tuple[Setting, ...] = (
    Setting("project", "SENTINEL_PROJECT", "label",
            "project id: labels every Pod (kube-sentinel.io/project) so apply can find orphans"),
    Setting("specs_dir", "SENTINEL_SPECS_DIR", "path", "folder of spec files (default: specs)"),
    Setting("output_dir", "SENTINEL_OUTPUT_DIR", "path", "folder for manifests (default: manifests)"),
    Setting("strict", "SENTINEL_STRICT", "bool",
            "production advice (warnings) fails validate and generate like an error"),
    Setting("state_dir", "SENTINEL_STATE_DIR", "path", "pipeline state: dry-run stamps, doit db"),
    Setting("context", "SENTINEL_CONTEXT", "str", "kube context (default: kubeconfig's current)"),
    Setting("contexts", "SENTINEL_CONTEXTS", "names",
            "several kube contexts (a fleet): the cluster tasks run against each; overrides context"),
    Setting("kubectl", "SENTINEL_KUBECTL", "str", "kubectl path (default: bundled, then PATH)"),
    Setting("kubectl_timeout", "SENTINEL_KUBECTL_TIMEOUT", "float", "seconds per kubectl call"),
    Setting("dryrun_mode", "SENTINEL_DRYRUN_MODE", "choice", "server or client dry run",
            ("server", "client")),
    Setting("audit_log", "SENTINEL_AUDIT_LOG", "path", "audit log of applies and deletes"),
    Setting("model", "SENTINEL_MODEL", "str", "chat model name"),
    Setting("history_path", "SENTINEL_HISTORY", "path", "chat history folder (TinyDB journal)"),
    Setting("call_log", "SENTINEL_CALL_LOG", "path", "log of model calls (JSON lines)"),
    Setting("context_budget", "SENTINEL_CONTEXT_BUDGET", "int", "tokens of history per request"),
    Setting("max_retries", "SENTINEL_MAX_RETRIES", "int", "retries of transient provider errors",
            allow_zero=True),
    Setting("max_tool_steps", "SENTINEL_MAX_TOOL_STEPS", "int", "tool rounds per chat turn"),
    Setting("turn_timeout", "SENTINEL_TURN_TIMEOUT", "float", "wall-time bound per chat turn (s)"),
    Setting("breaker_threshold", "SENTINEL_BREAKER_THRESHOLD", "int",
            "same tool error this many times stops the turn"),
    Setting("tools", "SENTINEL_TOOLS", "list", "enabled chat tools (comma-separated; empty=all)"),
    Setting("read_only", "SENTINEL_READ_ONLY", "bool", "disable every chat tool that writes"),
    Setting("tool_output_limit", "SENTINEL_TOOL_OUTPUT_LIMIT", "int",
            "bytes of one chat tool result sent to the model (longer is cut, marked truncated)"),
    Setting("tool_timeout", "SENTINEL_TOOL_TIMEOUT", "float", "seconds one chat tool call may take"),
    Setting("max_turn_tokens", "SENTINEL_MAX_TURN_TOKENS", "int",
            "tokens (input + output, as the endpoint reports them, else estimated) one chat turn "
            "may use before it stops; 0: no bound", allow_zero=True),
    Setting("max_conversation_tokens", "SENTINEL_MAX_CONVERSATION_TOKENS", "int",
            "tokens one chat conversation may use in all; past it every turn stops at once "
            "(start a new one with /new); 0: no bound", allow_zero=True),
    Setting("prices", "SENTINEL_PRICES", "prices",
            "model prices for 'sentinel calls': a table mapping each model to its input and "
            "output price in USD per million tokens (env: model=IN/OUT,model2=IN/OUT)"),
)

Prices = dict[str, tuple[float, float]]  # model -> (input, output) per million tokens


@dataclass(frozen=True)
class Settings:
    """Resolved settings; paths are absolute (relative ones are taken from the project root)."""

    root: Path
    project: str | None
    specs_dir: Path
    output_dir: Path
    strict: bool  # warnings (production advice) fail validate and generate
    state_dir: Path
    context: str | None
    contexts: tuple[str, ...]
    kubectl: str | None
    kubectl_timeout: float
    dryrun_mode: str
    audit_log: Path
    model: str | None  # None (set empty): the provider's default
    history_path: Path
    call_log: Path
    context_budget: int
    max_retries: int
    max_tool_steps: int
    turn_timeout: float
    breaker_threshold: int
    tools: tuple[str, ...]
    read_only: bool
    tool_output_limit: int
    tool_timeout: float
    max_turn_tokens: int
    max_conversation_tokens: int
    prices: Prices


def _defaults(root: Path, env: Mapping[str, str]) -> dict[str, Any]:
    data = _xdg_data_home(env)
    return {
        "specs_dir": root / "specs",
        "output_dir": root / "manifests",
        "strict": False,
        "state_dir": root / ".sentinel",
        "project": None,
        "context": None,
        "contexts": (),
        "kubectl": None,
        "kubectl_timeout": 60.0,
        "dryrun_mode": "server",
        "audit_log": None,  # derived from state_dir below
        "model": "gpt-4o-mini",
        "history_path": data / "history",
        "call_log": data / "calls.jsonl",
        "context_budget": 12000,
        "max_retries": 3,
        "max_tool_steps": 8,
        "turn_timeout": 120.0,
        "breaker_threshold": 3,
        "tools": (),
        "read_only": False,
        "tool_output_limit": 16 * 1024,
        "tool_timeout": 10.0,
        "max_turn_tokens": 100_000,
        "max_conversation_tokens": 0,
        "prices": {},
    }


def _convert(s: Setting, raw: object, source: str, root: Path) -> Any:
    where = f"setting {s.name!r} (from {source})"

    def fail(expected: str) -> ConfigError:
        return ConfigError(
            f"{where}: {raw!r} is not {expected}",
            setting=s.name,
            hint=f"set {s.name} in {CONFIG_FILE} or {s.env} to {expected}",
        )

    if s.kind == "path":
        if not isinstance(raw, str) or not raw.strip():
            raise fail("a non-empty path")
        p = Path(raw).expanduser()
        return p if p.is_absolute() else root / p
    if s.kind == "str":
        if not isinstance(raw, str):
            raise fail("a string")
        return raw or None
    if s.kind == "label":
        if not isinstance(raw, str) or (raw and not PROJECT_ID.fullmatch(raw)):
            raise fail("a label value: up to 63 letters, digits, '-', '_' or '.', starting and "
                       "ending with a letter or digit")
        return raw or None
    if s.kind in ("int", "float"):
        conv: Callable[[Any], Any] = int if s.kind == "int" else float
        wanted = "a number >= 0" if s.allow_zero else "a positive number"
        try:
            value = conv(raw)
        except (TypeError, ValueError, OverflowError):  # OverflowError: int(inf) from TOML
            raise fail(wanted) from None
        # nan and inf would pass "> 0" (nan compares false to everything) and break later use.
        too_small = value < 0 if s.allow_zero else value <= 0
        if isinstance(raw, bool) or not math.isfinite(value) or too_small:
            raise fail(wanted)
        if isinstance(raw, float) and value != raw:  # int(2.7) would silently be 2
            raise fail("a whole number")
        return value
    if s.kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise fail("true or false")
    if s.kind == "choice":
        if raw not in s.choices:
            raise fail(" or ".join(s.choices))
        return raw
    if s.kind == "list":
        if isinstance(raw, str):
            return tuple(x.strip() for x in raw.split(",") if x.strip())
        if isinstance(raw, list) and all(isinstance(x, str) for x in raw):
            return tuple(raw)
        raise fail("a list of names")
    if s.kind == "names":
        return _names(s, raw, source, where)
    if s.kind == "prices":
        return _prices(raw, fail)
    raise AssertionError(s.kind)


def _names(s: Setting, raw: object, source: str, where: str) -> tuple[str, ...]:
    """Distinct, non-empty names without surrounding spaces, from a TOML list or comma text.

    Each name goes to kubectl as is: a duplicate would plan and apply the same cluster twice,
    and an empty or space-padded name is no context at all, so all three are refused here rather
    than failing later per context. In comma-separated text the spaces around a comma belong to
    the separator (``staging, prod``), not to the names.
    """
    in_env = source.startswith("$")
    example = ("staging,prod" if in_env else f'{s.name} = ["staging", "prod"]')
    place = s.env if in_env else CONFIG_FILE

    def fail(problem: str, fix: str) -> ConfigError:
        return ConfigError(f"{where}: {problem}", setting=s.name,
                           hint=f"{fix} in {place}, e.g. {example}")

    if isinstance(raw, str):
        names = [x.strip() for x in raw.split(",")] if raw.strip() else []
    elif isinstance(raw, list) and all(isinstance(x, str) for x in raw):
        names = list(raw)
    else:
        raise fail(f"{raw!r} is not a list of names", "list the kube contexts")
    seen: set[str] = set()
    for number, name in enumerate(names, 1):
        if not name.strip():
            raise fail(f"name {number} of {len(names)} is empty",
                       "remove the empty entry (and any stray comma)")
        if name != name.strip():
            raise fail(f"{name!r} has spaces around it; no kube context is named like that",
                       "write the context's name without the spaces")
        if name in seen:
            raise fail(f"{name!r} is listed twice; its cluster would be planned and applied twice",
                       "list each kube context once")
        seen.add(name)
    return tuple(names)


PRICES_FORMAT = ("a table of model = {input = N, output = N} (USD per million tokens), or "
                 "'model=IN/OUT,...'")


def _prices(raw: object, fail: Callable[[str], ConfigError]) -> Prices:
    """``{model: (input, output)}`` from a TOML table or ``model=IN/OUT,...`` text."""
    pairs: list[tuple[str, object, object]] = []
    if isinstance(raw, str):
        for term in filter(None, (t.strip() for t in raw.split(","))):
            model, eq, rest = term.rpartition("=")
            inp, slash, out = rest.partition("/")
            if not (eq and slash and model.strip()):
                raise fail(PRICES_FORMAT)
            pairs.append((model.strip(), inp, out))
    elif isinstance(raw, dict):
        for model, entry in raw.items():
            if not isinstance(entry, dict) or set(entry) != {"input", "output"}:
                raise fail(PRICES_FORMAT)
            pairs.append((str(model), entry["input"], entry["output"]))
    else:
        raise fail(PRICES_FORMAT)
    prices: Prices = {}
    for name, low, high in pairs:
        try:
            numbers = (_number(low), _number(high))
        except (TypeError, ValueError):
            raise fail(PRICES_FORMAT) from None
        if any(not math.isfinite(v) or v < 0 for v in numbers):
            raise fail(PRICES_FORMAT + " with numbers >= 0")
        prices[name] = numbers
    return prices


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(value)
    return float(value)


def find_root(start: Path) -> Path:
    """The project root: the nearest folder upwards holding ``sentinel.toml``, else ``start``."""
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    return start


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}", hint="fix the syntax") from exc
    except UnicodeDecodeError as exc:  # tomllib decodes the whole file before parsing
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})",
                          hint="save it as UTF-8 TOML") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    table = data.get("sentinel", data)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [sentinel] must be a table")
    known = {s.name for s in SETTINGS}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(
            f"{path}: unknown setting(s): {', '.join(unknown)}",
            hint=f"known settings: {', '.join(sorted(known))}",
        )
    return table


def load_settings(cwd: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Resolve settings for the project containing ``cwd`` (default: the current folder)."""
    env = os.environ if env is None else env
    start = (cwd or Path.cwd()).resolve()
    root = find_root(start)
    values = _defaults(root, env)
    config_path = root / CONFIG_FILE
    file_values = _read_file(config_path) if config_path.is_file() else {}
    by_name = {s.name: s for s in SETTINGS}
    for name, raw in file_values.items():
        values[name] = _convert(by_name[name], raw, str(config_path), root)
    for s in SETTINGS:
        if s.env in env:
            values[s.name] = _convert(s, env[s.env], f"${s.env}", root)
    if values["audit_log"] is None:
        values["audit_log"] = values["state_dir"] / "audit.jsonl"
    names = {f.name for f in fields(Settings)}
    return Settings(root=root, **{k: v for k, v in values.items() if k in names})


def kube_contexts(settings: Settings) -> tuple[str | None, ...]:
    """The contexts the cluster tasks target: ``contexts`` if set, else ``context`` (None: the
    kubeconfig's current one)."""
    return settings.contexts or (settings.context,)
