"""Kubernetes naming and syntax rules, as regexes and small checks shared by the model and schema.

Facts come from ``/work/shared/notes/kubernetes.md`` (apimachinery validation, distribution's
reference grammar). Each pattern is written once, in the common subset of Python and ECMA-262
regex syntax (no ``\\w``/``\\d``, which are Unicode-aware in Python), so the same text is used with
``re.fullmatch`` here and published as a JSON Schema ``pattern`` (anchored with ``^...$``).

Every ``check_*`` function returns ``None`` when the value is fine, or a ``Violation`` saying what
is wrong and how to fix it; the model turns violations into pydantic errors.
"""

from __future__ import annotations

import re
from typing import NamedTuple

DNS_LABEL_MAX = 63
DNS_SUBDOMAIN_MAX = 253
LABEL_VALUE_MAX = 63
IANA_SVC_NAME_MAX = 15
IMAGE_NAME_MAX = 255
ANNOTATIONS_TOTAL_MAX = 256 * 1024  # bytes of all keys + values (TotalAnnotationSizeLimitB)
INT32_MAX = 2**31 - 1

DNS_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
DNS_SUBDOMAIN = rf"{DNS_LABEL}(?:\.{DNS_LABEL})*"
QUALIFIED_NAME = r"(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_KEY = rf"(?:{DNS_SUBDOMAIN}/)?{QUALIFIED_NAME}"
LABEL_VALUE = rf"(?:{QUALIFIED_NAME})?"
ENV_NAME = r"[-._a-zA-Z][-._a-zA-Z0-9]*"
C_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
CONFIG_KEY = r"[-._a-zA-Z0-9]+"
IANA_SVC_NAME = r"[-a-z0-9]+"

# distribution/reference grammar (reference/regexp.go)
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
IMAGE_NAME = rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
IMAGE_REFERENCE = rf"{IMAGE_NAME}(?::{_TAG})?(?:@{_DIGEST})?"

_RE = {
    name: re.compile(pattern)
    for name, pattern in {
        "dns_label": DNS_LABEL,
        "dns_subdomain": DNS_SUBDOMAIN,
        "qualified_name": QUALIFIED_NAME,
        "env_name": ENV_NAME,
        "c_identifier": C_IDENTIFIER,
        "config_key": CONFIG_KEY,
        "iana": IANA_SVC_NAME,
        "image": IMAGE_REFERENCE,
        "image_name": IMAGE_NAME,
    }.items()
}


def shown(value: str) -> str:
    """A value quoted for a message, cut short so one bad line cannot flood the output."""
    return repr(value if len(value) <= 60 else value[:57] + "...")


def anchored(pattern: str) -> str:
    """The pattern as a JSON Schema ``pattern`` (which searches rather than matches)."""
    return f"^(?:{pattern})$"


class Violation(NamedTuple):
    """What is wrong with a value and a one-line fix."""

    message: str
    hint: str


def _full(name: str, value: str) -> bool:
    return _RE[name].fullmatch(value) is not None


def check_dns_label(value: str) -> Violation | None:
    """A DNS-1123 label: lowercase alphanumerics and '-', at most 63 characters."""
    hint = "use at most 63 lowercase letters, digits and '-', starting and ending alphanumeric"
    if not value:
        return Violation("must not be empty", hint)
    if len(value) > DNS_LABEL_MAX:
        return Violation(f"{shown(value)} is {len(value)} characters long (max 63)", hint)
    if not _full("dns_label", value):
        return Violation(f"{shown(value)} is not a valid DNS-1123 label", hint)
    return None


def check_dns_subdomain(value: str, what: str = "") -> Violation | None:
    """A DNS-1123 subdomain: dot-separated labels, at most 253 characters."""
    hint = "use lowercase letters, digits, '-' and '.', each part starting and ending alphanumeric"
    if not value:
        return Violation(f"{what}must not be empty", hint)
    if len(value) > DNS_SUBDOMAIN_MAX:
        return Violation(f"{what}is {len(value)} characters long (max 253)", hint)
    if not _full("dns_subdomain", value):
        return Violation(f"{what}{shown(value)} is not a valid DNS-1123 subdomain", hint)
    return None


def check_label_key(value: str, what: str = "label key") -> Violation | None:
    """A qualified name with an optional DNS subdomain prefix: ``[prefix/]name``."""
    hint = "use [prefix/]name: name ≤ 63 of letters, digits, '-', '_', '.'; prefix a DNS subdomain"
    if value.count("/") > 1:
        return Violation(f"{what} {shown(value)} has more than one '/'", hint)
    prefix, _, name = value.rpartition("/")
    if "/" in value:
        if not prefix:
            return Violation(f"{what} {shown(value)} has an empty prefix before '/'", hint)
        bad = check_dns_subdomain(prefix, what=f"{what} prefix ")
        if bad:
            return Violation(bad.message, hint)
    if not name:
        return Violation(f"{what} {shown(value)} has an empty name", hint)
    if len(name) > DNS_LABEL_MAX:
        return Violation(f"{what} name part of {shown(value)} is longer than 63 characters", hint)
    if not _full("qualified_name", name):
        return Violation(f"{what} {shown(value)} is not a valid qualified name", hint)
    return None


def check_label_value(value: str) -> Violation | None:
    """Empty, or ≤ 63 letters, digits, '-', '_', '.' starting and ending alphanumeric."""
    hint = "use ≤ 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric (quote it)"
    if len(value) > LABEL_VALUE_MAX:
        return Violation(f"label value is {len(value)} characters long (max 63)", hint)
    if value and not _full("qualified_name", value):
        return Violation(f"label value {shown(value)} is not valid", hint)
    return None


def check_image(value: str) -> Violation | None:
    """An image reference ``[domain[:port]/]path[:tag][@digest]`` (distribution grammar)."""
    hint = "write e.g. 'nginxinc/nginx-unprivileged:1.27' (lowercase repository, optional tag)"
    if not value:
        return Violation("must not be empty", hint)
    if value != value.strip():
        return Violation("has leading or trailing whitespace", "remove the spaces")
    if not _full("image", value):
        if value.lower() != value and _full("image", value.lower()):
            return Violation(
                f"{shown(value)} has uppercase letters in the repository name",
                f"repository names are lowercase: {shown(value.lower())}",
            )
        return Violation(f"{shown(value)} is not a valid image reference", hint)
    name = value.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    if len(name) > IMAGE_NAME_MAX:
        return Violation(f"repository name is longer than {IMAGE_NAME_MAX} characters", hint)
    return None


def check_env_name(value: str) -> Violation | None:
    """An environment variable name as current Kubernetes accepts it."""
    hint = "use letters, digits, '_', '-' and '.', not starting with a digit (e.g. LOG_LEVEL)"
    if not value:
        return Violation("environment variable name must not be empty", hint)
    if not _full("env_name", value):
        return Violation(f"{shown(value)} is not a valid environment variable name", hint)
    if value in (".", "..") or value.startswith(".."):
        return Violation(
            f"environment variable name {shown(value)} must not be '.', '..' or start with '..'",
            hint,
        )
    return None


def is_c_identifier(value: str) -> bool:
    """True when older clusters accept the name too (``[A-Za-z_][A-Za-z0-9_]*``)."""
    return _full("c_identifier", value)


def check_config_key(value: str) -> Violation | None:
    """A ConfigMap/Secret data key: letters, digits, '-', '_', '.'; not '.', '..' or '..*'."""
    hint = "use ≤ 253 letters, digits, '-', '_' or '.'"
    if not value or len(value) > DNS_SUBDOMAIN_MAX or not _full("config_key", value):
        return Violation(f"{shown(value)} is not a valid ConfigMap/Secret key", hint)
    if value in (".", "..") or value.startswith(".."):
        return Violation(f"{shown(value)} must not be '.', '..' or start with '..'", hint)
    return None


def check_port_name(value: str) -> Violation | None:
    """An IANA_SVC_NAME: ≤ 15 lowercase alphanumerics/'-', a letter, no '--', no edge '-'."""
    hint = "use ≤ 15 lowercase letters, digits and '-', with at least one letter (e.g. 'http')"
    if not value:
        return Violation("port name must not be empty", hint)
    if len(value) > IANA_SVC_NAME_MAX:
        return Violation(f"port name {shown(value)} is longer than 15 characters", hint)
    if not _full("iana", value):
        return Violation(
            f"port name {shown(value)} may only hold lowercase letters, digits and '-'", hint
        )
    if not any("a" <= c <= "z" for c in value):
        return Violation(f"port name {shown(value)} must contain at least one letter", hint)
    if "--" in value:
        return Violation(f"port name {shown(value)} must not contain '--'", hint)
    if value.startswith("-") or value.endswith("-"):
        return Violation(f"port name {shown(value)} must not start or end with '-'", hint)
    return None


def check_absolute_path(value: str) -> Violation | None:
    """An absolute POSIX path without '..' segments."""
    if not value.startswith("/"):
        return Violation(f"{shown(value)} must be an absolute path", "start it with '/'")
    if ".." in value.split("/"):
        return Violation(f"{shown(value)} must not contain '..'", "write the path without '..'")
    if "\x00" in value:
        return Violation("contains a NUL character", "remove it")
    return None


def check_relative_path(value: str) -> Violation | None:
    """A relative POSIX path that stays below its base (no leading '/', no '..' segments)."""
    hint = "use a relative path below the folder, e.g. 'conf/app.yaml'"
    if not value:
        return Violation("must not be empty", hint)
    if value.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", value):
        return Violation(f"{shown(value)} must be relative, not absolute", hint)
    if ".." in re.split(r"[/\\]", value):
        return Violation(f"{shown(value)} must not contain '..'", hint)
    if "\x00" in value:
        return Violation("contains a NUL character", hint)
    return None


# --- downward API, headers, capabilities (issue 9) -----------------------------------------------

HTTP_HEADER_NAME = r"[-A-Za-z0-9]+"
CAPABILITY = r"[A-Z][A-Z0-9_]*"
HUGEPAGES = r"hugepages-[0-9]+(?:[KMGTPE]i|[kMGTPE])?"
# A huge page size in an emptyDir medium (HugePages-<size>); volumes.py checks the medium,
# podrules.py that the Pod requests that size.
PAGE_SIZE = r"[1-9][0-9]*(?:[KMGTPE]i|[kMGTPE])?"
# pkg/apis/core/validation: validEnvDownwardAPIFieldPathExpressions (plus the label/annotation
# subscripts), and the container resources a resourceFieldRef may read.
ENV_FIELD_PATHS = (
    "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
    "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs",
)
VOLUME_FIELD_PATHS = (
    "metadata.name", "metadata.namespace", "metadata.uid", "metadata.labels",
    "metadata.annotations",
)
DOWNWARD_RESOURCES = tuple(
    f"{kind}.{name}" for kind in ("requests", "limits")
    for name in ("cpu", "memory", "ephemeral-storage")
)
_SUBSCRIPT = re.compile(r"metadata\.(labels|annotations)\['(.*)'\]")
_RE.update({
    "header": re.compile(HTTP_HEADER_NAME),
    "capability": re.compile(CAPABILITY),
    "hugepages": re.compile(HUGEPAGES),
})


def check_field_path(value: str, allowed: tuple[str, ...] = ENV_FIELD_PATHS) -> Violation | None:
    """A downward-API fieldPath: one of ``allowed`` or ``metadata.labels['key']`` (annotations)."""
    hint = "use one of " + ", ".join(allowed) + ", metadata.labels['KEY'], metadata.annotations['KEY']"
    if value in allowed:
        return None
    sub = _SUBSCRIPT.fullmatch(value)
    if sub is not None:
        bad = check_label_key(sub.group(2), what=sub.group(1)[:-1] + " key")
        return Violation(bad.message, bad.hint) if bad else None
    return Violation(f"{shown(value)} is not a field the downward API can read", hint)


def check_volume_field_path(value: str) -> Violation | None:
    """A fieldPath a downwardAPI volume may hold (metadata only: no spec./status. fields)."""
    return check_field_path(value, VOLUME_FIELD_PATHS)


def check_downward_resource(value: str) -> Violation | None:
    """A resourceFieldRef resource: requests.cpu, limits.memory, … or requests.hugepages-2Mi."""
    kind, _, name = value.partition(".")
    if value in DOWNWARD_RESOURCES or (
        kind in ("requests", "limits") and _full("hugepages", name)
    ):
        return None
    return Violation(
        f"{shown(value)} is not a resource the downward API can read",
        "use one of " + ", ".join(DOWNWARD_RESOURCES) + " (or requests/limits.hugepages-SIZE)",
    )


def check_header_name(value: str) -> Violation | None:
    """An HTTP header name as Kubernetes accepts it: letters, digits and '-'."""
    if not _full("header", value):
        return Violation(
            f"{shown(value)} is not a valid HTTP header name",
            "use letters, digits and '-', e.g. X-Custom-Header",
        )
    return None


def check_capability(value: str) -> Violation | None:
    """A Linux capability name as Kubernetes writes it: upper case, without the CAP_ prefix."""
    if value.startswith("CAP_") and _full("capability", value[4:]):
        return Violation(f"{shown(value)} has the CAP_ prefix", f"write {shown(value[4:])}")
    if not _full("capability", value):
        return Violation(
            f"{shown(value)} is not a capability name", "write it in capitals, e.g. NET_BIND_SERVICE"
        )
    return None

# pod-security-admission check_capabilities_{baseline,restricted}.go (sentinel.policy has the
# same sets for manifests; tests/test_policy.py checks they agree).
BASELINE_CAPABILITIES = frozenset({
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
})
RESTRICTED_CAPABILITIES = frozenset({"NET_BIND_SERVICE"})

# --- resource names (requests / limits keys) --------------------------------------------------

NATIVE_RESOURCES = ("cpu", "memory", "ephemeral-storage")
EXTENDED_RESOURCE = rf"{DNS_SUBDOMAIN}/{QUALIFIED_NAME}"
_RE["extended"] = re.compile(EXTENDED_RESOURCE)


def resource_kind(name: str) -> str | None:
    """``native`` (cpu, memory, ephemeral-storage), ``hugepages``, ``extended`` or None."""
    if name in NATIVE_RESOURCES:
        return "native"
    if _full("hugepages", name):
        return "hugepages"
    prefix = name.split("/", 1)[0]
    if (_full("extended", name) and len(name.split("/", 1)[1]) <= DNS_LABEL_MAX
            and not (prefix == "kubernetes.io" or prefix.endswith(".kubernetes.io"))):
        return "extended"
    return None
