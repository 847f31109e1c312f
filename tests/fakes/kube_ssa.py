"""Field ownership for the loopback Kubernetes API: server-side apply, managedFields, conflicts.

What the real API server's field manager does, reduced to what kube-sentinel and kubectl touch:

- every write is made by a *manager* (``fieldManager=`` on the request; kubectl names itself
  ``kubectl-client-side-apply``, ``kubectl-label``, ``kubectl-edit`` …);
- an **apply** (``PATCH`` with ``application/apply-patch+yaml``) makes its manager own exactly
  the fields of the sent object: fields it owned before and no longer sends are removed (unless
  another manager owns them too), fields another manager owns with a *different* value are a
  409 ``Conflict`` naming that manager, unless ``force=true`` takes them over;
- an **update** (POST/PUT/other PATCH types) gives its manager the fields whose value it set or
  changed, taking them away from the others;
- a conflict with ``kubectl-client-side-apply`` on an object that carries the
  ``last-applied-configuration`` annotation is not a conflict: the server's last-applied manager
  lets a client-side-applied object move to server-side apply (``lastAppliedManager``);
- ownership is published as ``metadata.managedFields`` in the real ``FieldsV1`` format, which
  kubectl reads (``kubectl apply --server-side`` migrates client-side ownership with a JSON patch
  of ``managedFields``, also handled here).

A field path is a tuple of segments: a map key, or ``k:{"name":"x"}`` for a list item found by its
merge key (containers by ``name``, ports by ``containerPort`` …); other lists are one leaf.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.fakes.kube_objects import MERGE_KEYS, ApiError, now

Path = tuple[str, ...]
CSA_MANAGER = "kubectl-client-side-apply"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
OWNED_ROOTS = ("metadata", "spec")
UNOWNED_METADATA = ("name", "namespace", "uid", "resourceVersion", "creationTimestamp",
                    "managedFields", "generation", "deletionTimestamp",
                    "deletionGracePeriodSeconds")


def _item_key(field: str, item: Any) -> str | None:
    key = MERGE_KEYS.get(field)
    if key is None or not isinstance(item, dict) or key not in item:
        return None
    return "k:" + json.dumps({key: item[key]}, separators=(",", ":"))


def leaves(obj: Any, prefix: Path = ()) -> set[Path]:
    """Every owned leaf of ``obj`` (metadata labels/annotations, all of spec)."""
    out: set[Path] = set()
    if not isinstance(obj, dict):
        return out
    for key, value in obj.items():
        if not prefix and key not in OWNED_ROOTS:
            continue
        if prefix == ("metadata",) and key in UNOWNED_METADATA:
            continue
        path = (*prefix, key)
        if isinstance(value, dict) and value:
            out |= leaves(value, path)
        elif isinstance(value, list) and value and all(_item_key(key, v) for v in value):
            for item in value:
                item_path = (*path, str(_item_key(key, item)))
                sub = leaves(item, item_path)
                out |= sub or {item_path}
        else:
            out.add(path)
    return out


def lookup(obj: Any, path: Path) -> Any:
    """The value at ``path`` (``KeyError`` when absent)."""
    for segment in path:
        if segment.startswith("k:") and isinstance(obj, list):
            (key, want), = json.loads(segment[2:]).items()
            obj = next(v for v in obj if isinstance(v, dict) and v.get(key) == want)
        elif isinstance(obj, dict):
            obj = obj[segment]
        else:
            raise KeyError(segment)
    return obj


def _value(obj: Any, path: Path) -> Any:
    try:
        return lookup(obj, path)
    except (KeyError, StopIteration):
        return _MISSING


_MISSING = object()


def _item_key_field(path: Path) -> bool:
    """True if ``path`` ends at the merge key of a keyed list item (``…/k:{"name":"x"}/name``)."""
    return len(path) >= 2 and path[-2].startswith("k:") and path[-1] in json.loads(path[-2][2:])


def removal_order(paths: set[Path]) -> list[Path]:
    """``paths`` in an order that removes cleanly: deepest first, and within an item its merge
    key last (the item is found by it), whatever order the set iterates in."""
    return sorted(paths, key=lambda p: (-len(p), _item_key_field(p), p))


def remove(obj: dict[str, Any], path: Path) -> None:
    """Delete ``path`` from ``obj``; parents left empty by it go too (list items included). A
    keyed item's merge key stays while the item has other fields (another manager's)."""
    parents: list[tuple[Any, str | int]] = []
    node: Any = obj
    for segment in path:
        if segment.startswith("k:") and isinstance(node, list):
            (key, want), = json.loads(segment[2:]).items()
            index = next((i for i, v in enumerate(node) if v.get(key) == want), None)
            if index is None:
                return
            parents.append((node, index))
            node = node[index]
        elif isinstance(node, dict) and segment in node:
            parents.append((node, segment))
            node = node[segment]
        else:
            return
    if _item_key_field(path) and len(parents[-1][0]) > 1:
        return
    for container, key in reversed(parents):
        del container[key]
        if container or container is obj:
            break


def merge(base: Any, patch: Any, field: str = "") -> Any:
    """``patch`` laid over ``base``: maps merged, keyed lists merged by key, anything else set."""
    if isinstance(patch, dict) and isinstance(base, dict):
        out = copy.deepcopy(base)
        for key, value in patch.items():
            out[key] = merge(out.get(key), value, key) if key in out else copy.deepcopy(value)
        return out
    if isinstance(patch, list) and isinstance(base, list) and field in MERGE_KEYS \
            and all(_item_key(field, v) for v in patch + base):
        out_list = [copy.deepcopy(v) for v in base]
        for item in patch:
            index = next((i for i, v in enumerate(out_list)
                          if _item_key(field, v) == _item_key(field, item)), None)
            if index is None:
                out_list.append(copy.deepcopy(item))
            else:
                out_list[index] = merge(out_list[index], item)
        order = {_item_key(field, v): n for n, v in enumerate(patch)}
        return sorted(out_list, key=lambda v: order.get(_item_key(field, v), len(order)))
    return copy.deepcopy(patch)


class Owners:
    """Which manager owns which fields of one object, and how (``Apply`` or ``Update``)."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[str, set[Path]]] = {}

    def copy(self) -> Owners:
        """An independent copy (dry runs work on one)."""
        out = Owners()
        out.entries = {m: (op, set(paths)) for m, (op, paths) in self.entries.items()}
        return out

    def apply(self, current: dict[str, Any] | None, config: dict[str, Any], manager: str,
              force: bool) -> dict[str, Any]:
        """The object after ``manager`` applies ``config`` (raises the 409 of a conflict)."""
        sent = leaves(config)
        if current is None:
            self.entries = {manager: ("Apply", sent)}
            return copy.deepcopy(config)
        conflicts: list[tuple[str, Path]] = []
        forgiven = LAST_APPLIED in ((current.get("metadata") or {}).get("annotations") or {})
        for other, (_, paths) in self.entries.items():
            if other == manager:
                continue
            for path in sorted(sent & paths):
                if _value(current, path) != _value(config, path):
                    conflicts.append((other, path))
        hard = [(m, p) for m, p in conflicts if not (forgiven and m == CSA_MANAGER)]
        if hard and not force:
            raise conflict_error(str((config.get("metadata") or {}).get("name", "")), hard)
        for other, path in conflicts:
            self.entries[other][1].discard(path)
        before = self.entries.get(manager, ("Apply", set()))[1]
        others = set().union(*(p for m, (_, p) in self.entries.items() if m != manager))
        result = copy.deepcopy(current)
        for path in removal_order(before - sent - others):
            remove(result, path)
        result = merge(result, config)
        self.entries[manager] = ("Apply", sent)
        self._drop_empty()
        merged: dict[str, Any] = result
        return merged

    def update(self, current: dict[str, Any] | None, new: dict[str, Any], manager: str) -> None:
        """Record that ``manager`` wrote ``new`` over ``current`` (an update, not an apply)."""
        now_leaves = leaves(new)
        changed = {p for p in now_leaves if current is None or _value(current, p) != _value(new, p)}
        for other in list(self.entries):
            op, paths = self.entries[other]
            self.entries[other] = (op, (paths & now_leaves) - changed)
        if changed:
            op, paths = self.entries.get(manager, ("Update", set()))
            self.entries[manager] = (op, paths | changed)
        self._drop_empty()

    def _drop_empty(self) -> None:
        self.entries = {m: e for m, e in self.entries.items() if e[1]}

    def managed_fields(self) -> list[dict[str, Any]]:
        """``metadata.managedFields`` in the API's own format (FieldsV1)."""
        return [
            {"manager": manager, "operation": op, "apiVersion": "v1", "time": now(),
             "fieldsType": "FieldsV1", "fieldsV1": fields_v1(paths)}
            for manager, (op, paths) in sorted(self.entries.items())
        ]

    @classmethod
    def from_managed_fields(cls, entries: list[dict[str, Any]]) -> Owners:
        """Read ``managedFields`` back (a client may replace them with a JSON patch)."""
        out = cls()
        for entry in entries or []:
            paths = parse_fields_v1(entry.get("fieldsV1") or {})
            if paths:
                out.entries[str(entry.get("manager", ""))] = (
                    str(entry.get("operation", "Update")), paths)
        return out


def fields_v1(paths: set[Path]) -> dict[str, Any]:
    """A set of paths as a FieldsV1 tree (``f:`` map keys, ``k:`` list items, ``.`` = itself)."""
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        for segment in path:
            key = segment if segment.startswith("k:") else f"f:{segment}"
            node = node.setdefault(key, {})
            if segment.startswith("k:"):
                node.setdefault(".", {})
    return tree


def parse_fields_v1(tree: dict[str, Any], prefix: Path = ()) -> set[Path]:
    """The paths of a FieldsV1 tree (leaves only)."""
    out: set[Path] = set()
    for key, sub in tree.items():
        if key == ".":
            continue
        segment = key.removeprefix("f:")
        path = (*prefix, segment)
        children = {k: v for k, v in (sub or {}).items() if k != "."}
        out |= parse_fields_v1(children, path) if children else {path}
    return out


def conflict_error(name: str, conflicts: list[tuple[str, Path]]) -> ApiError:
    """The 409 an apply gets for fields another manager owns, worded like the API server."""
    causes = [{"reason": "FieldManagerConflict",
               "message": f'conflict with "{manager}" using v1',
               "field": "." + ".".join(_shown(s) for s in path)}
              for manager, path in conflicts]
    listed = "\n".join(f"- {c['message']}: {c['field']}" for c in causes)
    plural = "conflict" if len(causes) == 1 else "conflicts"
    return ApiError(409, "Conflict", f"Apply failed with {len(causes)} {plural}: {listed}",
                    details={"name": name, "kind": "pods", "causes": causes})


def _shown(segment: str) -> str:
    if segment.startswith("k:"):
        (key, value), = json.loads(segment[2:]).items()
        return f'[{key}="{value}"]'
    return segment


def json_patch(target: dict[str, Any], ops: list[dict[str, Any]]) -> dict[str, Any]:
    """RFC 6902 for the operations kubectl sends (test, add, replace, remove)."""
    out = copy.deepcopy(target)
    for op in ops:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        parent: Any = out
        for part in parts[:-1]:
            parent = parent[int(part)] if isinstance(parent, list) else parent[part]
        last = parts[-1]
        kind = op["op"]
        if kind == "test":
            have = parent[int(last)] if isinstance(parent, list) else parent.get(last)
            if have != op.get("value"):
                raise ApiError(422, "Invalid", f"the test of {op['path']} failed")
        elif kind in ("add", "replace"):
            if isinstance(parent, list):
                parent.insert(int(last), op["value"]) if kind == "add" else \
                    parent.__setitem__(int(last), op["value"])
            else:
                parent[last] = op["value"]
        elif kind == "remove":
            del parent[int(last) if isinstance(parent, list) else last]
        else:
            raise ApiError(422, "Invalid", f"unsupported JSON patch operation {kind!r}")
    return out
