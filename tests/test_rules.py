"""Kubernetes naming rules: for every rule, values it accepts and values it refuses (with why)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from sentinel.spec import rules
from sentinel.spec.rules import Violation

Check = Callable[[str], Violation | None]

CASES: list[tuple[str, Check, list[str], list[tuple[str, str]]]] = [
    (
        "dns_label",
        rules.check_dns_label,
        ["web", "a", "a-b-1", "0abc", "x" * 63],
        [
            ("", "must not be empty"),
            ("Web", "not a valid DNS-1123 label"),
            ("-web", "not a valid"),
            ("web-", "not a valid"),
            ("we_b", "not a valid"),
            ("a.b", "not a valid"),
            ("x" * 64, "64 characters long (max 63)"),
        ],
    ),
    (
        "dns_subdomain",
        rules.check_dns_subdomain,
        ["db", "db.shop", "a-1.b-2.c", ("a" * 63 + ".") * 3 + "a" * 61],
        [
            ("", "must not be empty"),
            ("Db", "not a valid DNS-1123 subdomain"),
            ("a..b", "not a valid"),
            (".a", "not a valid"),
            ("a_b", "not a valid"),
            (("a" * 63 + ".") * 4, "characters long (max 253)"),
        ],
    ),
    (
        "label_key",
        rules.check_label_key,
        ["app", "App_1.x-y", "app.kubernetes.io/name", "example.com/A", "x" * 63],
        [
            ("a/b/c", "more than one '/'"),
            ("/name", "empty prefix"),
            ("example.com/", "empty name"),
            ("Example.com/a", "prefix 'Example.com' is not a valid DNS-1123 subdomain"),
            ("x" * 64, "longer than 63"),
            ("-a", "not a valid qualified name"),
            ("a b", "not a valid qualified name"),
            ("", "empty name"),
        ],
    ),
    (
        "label_value",
        rules.check_label_value,
        ["", "v1", "1.0", "a_b-c.d", "x" * 63],
        [
            ("x" * 64, "64 characters long"),
            ("-a", "is not valid"),
            ("a b", "is not valid"),
            ("a/b", "is not valid"),
        ],
    ),
    (
        "image",
        rules.check_image,
        [
            "nginx",
            "nginx:1.27",
            "nginxinc/nginx-unprivileged:1.27-alpine",
            "registry.example.com:5000/shop/app:v2",
            "localhost/app",
            "[::1]:5000/app:tag",
            "ghcr.io/a/b/c@sha256:" + "a" * 64,
            "app:" + "t" * 128,
            "my_org__x/app-name",
            "a--b",
        ],
        [
            ("", "must not be empty"),
            (" nginx", "leading or trailing whitespace"),
            ("Nginx", "uppercase letters in the repository name"),
            ("nginx:", "not a valid image"),
            ("nginx:-x", "not a valid"),
            ("app:" + "t" * 129, "not a valid"),
            ("a@sha256:abc", "not a valid"),
            ("a//b", "not a valid"),
            ("a_", "not a valid"),
            ("x" * 256, "longer than 255"),
        ],
    ),
    (
        "env_name",
        rules.check_env_name,
        ["LOG_LEVEL", "_x", "my.var", "my-var", ".hidden", "a1"],
        [
            ("", "must not be empty"),
            ("1ABC", "not a valid environment variable name"),
            ("A B", "not a valid"),
            ("A=B", "not a valid"),
            (".", "must not be '.'"),
            ("..", "must not be '.'"),
            ("..x", "start with '..'"),
        ],
    ),
    (
        "config_key",
        rules.check_config_key,
        ["password", "tls.crt", "a-b_c", ".dotfile"],
        [
            ("", "not a valid ConfigMap/Secret key"),
            ("a/b", "not a valid"),
            ("..", "must not be '.'"),
            ("x" * 254, "not a valid"),
        ],
    ),
    (
        "port_name",
        rules.check_port_name,
        ["http", "grpc-web", "h2c", "a" * 15, "8a"],
        [
            ("", "must not be empty"),
            ("a" * 16, "longer than 15"),
            ("HTTP", "lowercase letters"),
            ("8080", "at least one letter"),
            ("a--b", "must not contain '--'"),
            ("-http", "start or end with '-'"),
            ("http-", "start or end with '-'"),
            ("my_port", "lowercase letters"),
        ],
    ),
    (
        "absolute_path",
        rules.check_absolute_path,
        ["/", "/data", "/var/cache/nginx", "/a/b.c/"],
        [
            ("data", "must be an absolute path"),
            ("/a/../b", "must not contain '..'"),
            ("/a\x00", "NUL"),
        ],
    ),
    (
        "relative_path",
        rules.check_relative_path,
        ["web.yaml", "shop/web.yaml", "a/./b", "x..y/z"],
        [
            ("", "must not be empty"),
            ("/etc/passwd", "must be relative"),
            ("C:/x", "must be relative"),
            ("../x", "must not contain '..'"),
            ("a/../../x", "must not contain '..'"),
            ("a\\..\\x", "must not contain '..'"),
            ("a\x00", "NUL"),
        ],
    ),
]


@pytest.mark.parametrize(
    ("rule", "check", "value"), [(r, c, v) for r, c, good, _ in CASES for v in good]
)
def test_rule_accepts(rule: str, check: Check, value: str) -> None:
    assert check(value) is None


@pytest.mark.parametrize(
    ("rule", "check", "value", "why"), [(r, c, v, w) for r, c, _, bad in CASES for v, w in bad]
)
def test_rule_refuses_with_reason_and_hint(rule: str, check: Check, value: str, why: str) -> None:
    found = check(value)
    assert found is not None
    assert why in found.message
    assert found.hint


@pytest.mark.parametrize("value", ["LOG_LEVEL", "_x", "a1"])
def test_c_identifiers(value: str) -> None:
    assert rules.is_c_identifier(value)


@pytest.mark.parametrize("value", ["my.var", "my-var", "1a", ""])
def test_not_c_identifiers(value: str) -> None:
    assert not rules.is_c_identifier(value)


@pytest.mark.parametrize(
    ("pattern", "good", "bad"),
    [
        (rules.DNS_LABEL, ["web", "a-1"], ["Web", "a-", "-a", "a.b", ""]),
        (rules.DNS_SUBDOMAIN, ["db.shop", "a"], ["Db", "a..b", "a."]),
        (rules.LABEL_KEY, ["app.kubernetes.io/name", "A_b"], ["a/b/c", "/a", "-a"]),
        (rules.LABEL_VALUE, ["", "v1.0"], ["a b", "-a"]),
        (
            rules.IMAGE_REFERENCE,
            ["nginx:1", "r.io:5000/a/b@sha256:" + "f" * 32],
            ["Nginx", "a:", "é"],
        ),
        (rules.ENV_NAME, ["A", "my.var"], ["1A", "A B"]),
        (rules.IANA_SVC_NAME, ["http", "8a"], ["a b", "HTTP"]),
        (rules.CONFIG_KEY, ["tls.crt"], ["a/b", ""]),
    ],
)
def test_published_patterns_agree_with_the_checks(
    pattern: str, good: list[str], bad: list[str]
) -> None:
    # JSON Schema consumers see anchored(pattern), written in the Python/ECMA common subset.
    anchored = re.compile(rules.anchored(pattern))
    assert all(anchored.search(v) for v in good), good
    assert not any(anchored.search(v) for v in bad), bad
