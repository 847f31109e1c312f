"""Settings: defaults, sentinel.toml, environment overrides, and clear errors for bad values."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from sentinel.config import CONFIG_FILE, SETTINGS, find_root, load_settings
from sentinel.errors import ConfigError
from tests.conftest import BIN


def test_defaults_are_relative_to_the_project_root(tmp_path: Path) -> None:
    s = load_settings(tmp_path, env={"HOME": str(tmp_path)})
    assert s.root == tmp_path.resolve()
    assert s.specs_dir == tmp_path.resolve() / "specs"
    assert s.output_dir == tmp_path.resolve() / "manifests"
    assert s.audit_log == tmp_path.resolve() / ".sentinel" / "audit.jsonl"
    assert s.dryrun_mode == "server"
    assert s.context is None and s.kubectl is None
    assert s.history_path == tmp_path / ".local/share/kube-sentinel/history"
    assert s.tools == () and s.read_only is False


def test_file_then_environment_precedence(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_text(
        '[sentinel]\nspecs_dir = "pods"\ncontext = "staging"\nkubectl_timeout = 5\n'
        'tools = ["list_specs", "read_spec"]\n'
    )
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    s = load_settings(sub, env={"SENTINEL_CONTEXT": "prod", "HOME": str(tmp_path)})
    assert s.root == tmp_path.resolve()  # found by walking up
    assert s.specs_dir == tmp_path.resolve() / "pods"
    assert s.context == "prod"  # environment wins over the file
    assert s.kubectl_timeout == 5.0
    assert s.tools == ("list_specs", "read_spec")


def test_environment_list_and_bool(tmp_path: Path) -> None:
    env = {"SENTINEL_TOOLS": "list_specs, write_spec", "SENTINEL_READ_ONLY": "yes", "HOME": "/h"}
    s = load_settings(tmp_path, env=env)
    assert s.tools == ("list_specs", "write_spec")
    assert s.read_only is True


@pytest.mark.parametrize(
    ("var", "value", "expected"),
    [
        ("SENTINEL_KUBECTL_TIMEOUT", "soon", "a positive number"),
        ("SENTINEL_KUBECTL_TIMEOUT", "-1", "a positive number"),
        ("SENTINEL_DRYRUN_MODE", "maybe", "server or client"),
        ("SENTINEL_READ_ONLY", "perhaps", "true or false"),
        ("SENTINEL_MAX_TOOL_STEPS", "0", "a positive number"),
        ("SENTINEL_SPECS_DIR", "  ", "a non-empty path"),
    ],
)
def test_bad_environment_value_names_the_setting(
    tmp_path: Path, var: str, value: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, env={var: value, "HOME": "/h"})
    text = str(info.value)
    assert f"${var}" in text and expected in text
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("context_budget = inf", "a positive number"),
        ("context_budget = nan", "a positive number"),
        ("max_retries = 2.7", "a whole number"),
        ("kubectl_timeout = nan", "a positive number"),
        ("kubectl_timeout = inf", "a positive number"),
        ("turn_timeout = -inf", "a positive number"),
    ],
)
def test_non_finite_or_fractional_numbers_in_file_are_config_errors(
    tmp_path: Path, line: str, expected: str
) -> None:
    (tmp_path / CONFIG_FILE).write_text(f"[sentinel]\n{line}\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, env={"HOME": "/h"})
    assert line.split(" = ")[0] in str(info.value) and expected in str(info.value)


def test_whole_floats_and_numbers_read_as_numbers(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_text("[sentinel]\nmax_retries = 3.0\nkubectl_timeout = 5\n")
    s = load_settings(tmp_path, env={"HOME": "/h"})
    assert (s.max_retries, s.kubectl_timeout) == (3, 5.0)
    assert type(s.max_retries) is int and type(s.kubectl_timeout) is float


def test_unknown_key_in_file_lists_known_settings(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_text('[sentinel]\nspec_dir = "x"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, env={})
    assert "spec_dir" in str(info.value) and "specs_dir" in str(info.value)


def test_broken_toml_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_text("[sentinel\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(tmp_path, env={})


def test_binary_settings_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_bytes(b"\x9b\x00\xff garbage")
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        load_settings(tmp_path, env={})


def test_every_setting_has_an_env_var_and_help() -> None:
    envs = [s.env for s in SETTINGS]
    assert len(set(envs)) == len(envs)
    assert all(s.env.startswith("SENTINEL_") and s.help for s in SETTINGS)


def test_find_root_without_config_is_start(tmp_path: Path) -> None:
    assert find_root(tmp_path) == tmp_path


def test_zero_retries_is_allowed_but_negative_is_not(tmp_path: Path) -> None:
    assert load_settings(tmp_path, env={"SENTINEL_MAX_RETRIES": "0", "HOME": "/h"}).max_retries == 0
    with pytest.raises(ConfigError, match="a number >= 0"):
        load_settings(tmp_path, env={"SENTINEL_MAX_RETRIES": "-1", "HOME": "/h"})


NO_SUCH = "; no kube context is named like that"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('contexts = ["staging", "prod", "staging"]',
         "'staging' is listed twice; its cluster would be planned and applied twice"),
        ('contexts = ["staging", ""]', "name 2 of 2 is empty"),
        ('contexts = ["staging", "  "]', "name 2 of 2 is empty"),
        ('contexts = [" prod"]', "' prod' has spaces around it" + NO_SUCH),
        ('contexts = ["prod\\t"]', "'prod\\t' has spaces around it" + NO_SUCH),
        ("contexts = [1, 2]", "[1, 2] is not a list of names"),
    ],
    ids=["duplicate", "empty", "blank", "leading-space", "trailing-tab", "not-names"],
)
def test_contexts_in_the_file_must_be_distinct_names(tmp_path: Path, line: str,
                                                     problem: str) -> None:
    (tmp_path / CONFIG_FILE).write_text(f"[sentinel]\n{line}\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, env={"HOME": "/h"})
    err = info.value
    assert err.message == (f"setting 'contexts' (from {tmp_path.resolve() / CONFIG_FILE}): "
                           f"{problem}")
    assert err.setting == "contexts" and err.exit_code == 2
    assert err.hint is not None
    assert err.hint.endswith('in sentinel.toml, e.g. contexts = ["staging", "prod"]')


@pytest.mark.parametrize(
    ("value", "problem", "fix"),
    [
        ("staging,prod,staging", "'staging' is listed twice", "list each kube context once"),
        ("staging,,prod", "name 2 of 3 is empty", "remove the empty entry"),
        ("staging,prod,", "name 3 of 3 is empty", "remove the empty entry"),
        (" , ", "name 1 of 2 is empty", "remove the empty entry"),
    ],
    ids=["duplicate", "empty", "trailing-comma", "only-commas"],
)
def test_contexts_from_the_environment_must_be_distinct_names(
        tmp_path: Path, value: str, problem: str, fix: str) -> None:
    (tmp_path / CONFIG_FILE).write_text('[sentinel]\ncontexts = ["fine"]\n')
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, env={"SENTINEL_CONTEXTS": value, "HOME": "/h"})
    err = info.value
    assert err.message.startswith("setting 'contexts' (from $SENTINEL_CONTEXTS): " + problem)
    assert err.exit_code == 2 and err.hint is not None
    assert err.hint.startswith(fix) and err.hint.endswith("in SENTINEL_CONTEXTS, e.g. staging,prod")


def test_contexts_accepted_forms(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_text('[sentinel]\ncontexts = ["staging", "prod"]\n')
    env = {"HOME": "/h"}
    assert load_settings(tmp_path, env=env).contexts == ("staging", "prod")
    # in the variable, spaces around the commas are the separator's, not the names'
    spaced = load_settings(tmp_path, env={**env, "SENTINEL_CONTEXTS": " a , b "})
    assert spaced.contexts == ("a", "b")
    # an empty variable clears the file's list: the cluster tasks fall back to `context`
    assert load_settings(tmp_path, env={**env, "SENTINEL_CONTEXTS": ""}).contexts == ()


def test_a_duplicate_context_stops_the_cli_with_exit_2(tmp_path: Path) -> None:
    env = {**os.environ, "SENTINEL_CONTEXTS": "prod,prod"}
    done = subprocess.run([str(BIN / "sentinel"), "validate"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2, done.stderr
    assert "setting 'contexts' (from $SENTINEL_CONTEXTS): 'prod' is listed twice" in done.stderr
    assert "list each kube context once in SENTINEL_CONTEXTS" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
