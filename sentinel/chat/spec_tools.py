"""The five chat tools over the specs folder: list, read, validate, render (read) and write.

They exist so the model can author spec files without ever producing raw YAML: it sends spec
*data* shaped by the spec's JSON Schema, and ``write_spec`` turns it into a file through the same
path a hand-written file takes — ``dump_spec`` (serialize) → ``load_spec_text`` (strictyaml and
pydantic layers) → ``check_collisions`` against the other specs — before one atomic, exclusive
write inside ``settings.specs_dir``. Whatever it writes is therefore accepted by ``sentinel
validate`` and ``doit generate``.

``write_spec``'s input is the spec's JSON Schema wrapped, not merged:
``{"filename": "web.yaml", "spec": <the spec JSON Schema>, "overwrite": false}`` — merging the
spec's fields with ours would let a future spec key collide with ``filename``/``overwrite``, and
the wrapped form keeps the spec schema verbatim (its ``$defs`` move to the root, where OpenAI
resolves ``$ref``). The read tools take ``spec`` as a plain object: the loader checks it anyway,
and sending the 14 KB schema once per request instead of three times keeps requests small.

Tools name existing specs by the names ``list_specs`` returns (the file's path in the specs
folder without ``.yaml``), so a model-given name is only ever looked up, never joined into a
path (``spec_folder.py`` holds those rules and the loading); ``write_spec`` takes a simple file name (``[a-z0-9][a-z0-9-]*.yaml``) that must also pass
``resolve_inside`` and may not be a symlink. No tool reaches a cluster: every tier is read or
write and nothing here imports ``sentinel.kube``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sentinel.chat.spec_folder import SpecFolder
from sentinel.chat.tools import Tool, ToolContext, ToolFailed, ToolRegistry
from sentinel.config import Settings
from sentinel.errors import SpecError
from sentinel.fsutil import atomic_write, resolve_inside
from sentinel.render import dump_manifest, render
from sentinel.spec import LoadedSpec, dump_spec, load_spec_text
from sentinel.spec.schema import json_schema

FILENAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}\.yaml$"  # a DNS label's length, plus .yaml
FILENAME_RE = re.compile(FILENAME_PATTERN)


def wrap_spec_schema(schema: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split the spec schema into (schema for an embedded ``spec`` property, root ``$defs``).

    OpenAI resolves ``$ref`` against the root of ``parameters``, so the spec's ``$defs`` must
    move there when the spec schema is nested under a property; ``$schema``/``$id`` go away
    because a nested schema may not carry them.
    """
    inner = deepcopy(dict(schema))
    defs = inner.pop("$defs", {})
    for key in ("$schema", "$id"):
        inner.pop(key, None)
    return inner, defs


def _params(properties: dict[str, Any], required: list[str], defs: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    if defs:
        params["$defs"] = defs
    return params


def _provenance(ctx: ToolContext) -> str:
    stamp = ctx.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    origin, cid, mid = (re.sub(r"[^A-Za-z0-9_.:-]", "_", x)
                        for x in (ctx.origin, ctx.conversation_id, ctx.message_id))
    return f"# written by kube-sentinel {origin}: conversation {cid}, message {mid}, {stamp}\n"


@dataclass(frozen=True)
class SpecTools(SpecFolder):
    """The handlers, bound to one project's specs folder, output folder and root."""

    def _load_args(self, args: Mapping[str, Any]) -> LoadedSpec:
        """The spec a read tool is about: an existing one by ``name``, or ``spec`` data."""
        if ("name" in args) == ("spec" in args):
            raise ToolFailed("give exactly one of 'name' (an existing spec) or 'spec' (spec data)")
        if "name" in args:
            return self.load(self.lookup(str(args["name"])))
        source = f"chat:{args.get('filename', 'spec')}"
        return load_spec_text(dump_spec(args["spec"], source=source), source)

    # -- handlers -------------------------------------------------------------------------

    def list_specs(self, args: dict[str, Any], ctx: ToolContext) -> str:
        """Every spec: name, file, namespace/name and whether it is valid."""
        rows = []
        for name, path in sorted(self.specs().items()):
            row: dict[str, Any] = {"spec": name, "file": self.display(path)}
            try:
                loaded = self.load(path)
            except SpecError as err:
                row |= {"valid": False, "errors": len(err.errors),
                        "first_error": err.problems[0].format()}
            else:
                row |= {"valid": True, "namespace": loaded.model.namespace,
                        "name": loaded.model.name}
            rows.append(row)
        return json.dumps({"specs_dir": self.display(self.specs_dir), "specs": rows})

    def read_spec(self, args: dict[str, Any], ctx: ToolContext) -> str:
        """The text of one existing spec file, valid or not (validate_spec lists problems)."""
        path = self.lookup(str(args["name"]))
        return self.read_text(path)  # the loader's reader: size cap, UTF-8, no binary

    def validate_spec(self, args: dict[str, Any], ctx: ToolContext) -> str:
        """Problems of an existing spec or of spec data (including collisions); ok means valid."""
        loaded = self._load_args(args)
        skip = self.specs_dir / args["filename"] if "filename" in args else loaded.path
        collisions = self.new_collisions(loaded, skip)
        if collisions:
            raise ToolFailed("the spec collides with another spec", detail=collisions)
        return json.dumps({"valid": True, "namespace": loaded.model.namespace,
                           "name": loaded.model.name,
                           "warnings": [w.to_dict() for w in loaded.warnings]})

    def render_manifest(self, args: dict[str, Any], ctx: ToolContext) -> str:
        """The Pod manifest YAML that ``doit generate`` would write for this spec."""
        loaded = self._load_args(args)
        return dump_manifest(render(loaded.model, source=loaded.source)).decode("utf-8")

    def write_spec(self, args: dict[str, Any], ctx: ToolContext) -> str:
        """Serialize, load, validate, check collisions, then write atomically in the specs folder."""
        filename, overwrite = str(args["filename"]), bool(args.get("overwrite", False))
        if not FILENAME_RE.fullmatch(filename):
            raise ToolFailed(f"file name {filename!r} is not allowed",
                             hint="use a simple name like web.yaml: lowercase letters, digits "
                                  "and '-' (at most 63), then .yaml")
        base = self.specs_dir.resolve()
        target = base / filename
        resolve_inside(base, filename, what="spec file name")
        if target.is_symlink():
            raise ToolFailed(f"{self.display(target)} is a symlink; it is not replaced",
                             hint="choose another file name")
        existed = target.exists()
        if existed and not overwrite:
            raise ToolFailed(f"{self.display(target)} already exists; nothing was written",
                             hint="pass overwrite: true to replace it, or choose another name")
        source = self.display(target)
        try:
            text = _provenance(ctx) + dump_spec(args["spec"], source=source)  # checks the data
            loaded = load_spec_text(text, source, path=target)  # and the text, as for any file
        except SpecError as err:
            raise ToolFailed(
                f"the spec is invalid ({len(err.errors)} error(s)); nothing was written",
                detail=[p.to_dict() for p in err.problems],
                hint="fix every field listed and call write_spec again",
            ) from err
        collisions = self.new_collisions(loaded, target)
        if collisions:
            raise ToolFailed("the spec collides with another spec; nothing was written",
                             detail=collisions)
        if ctx.cancelled.is_set():
            raise ToolFailed("the call timed out before writing; nothing was written")
        try:
            atomic_write(target, text, exclusive=not overwrite)
        except FileExistsError as exc:
            raise ToolFailed(f"{self.display(target)} appeared meanwhile; nothing was written",
                             hint="pass overwrite: true to replace it") from exc
        except OSError as exc:
            raise ToolFailed(f"cannot write {self.display(target)}: {exc.strerror}") from exc
        return json.dumps({
            "written": self.display(target), "replaced": existed,
            "namespace": loaded.model.namespace, "name": loaded.model.name,
            "warnings": [w.to_dict() for w in loaded.warnings],
            "next": "doit generate renders it into a manifest",
        })


def _name_target(args: Mapping[str, Any]) -> str:
    if "name" in args:
        return str(args["name"])
    spec = args.get("spec")
    return str(spec.get("name", "<spec>")) if isinstance(spec, Mapping) else ""


def spec_tools(settings: Settings) -> list[Tool]:
    """The five tools bound to ``settings``' folders, with their model-facing schemas."""
    impl = SpecTools(settings.specs_dir, settings.output_dir, settings.root)
    spec_schema, defs = wrap_spec_schema(json_schema())
    name = {"type": "string", "minLength": 1, "maxLength": 255,
            "description": "an existing spec's name as list_specs shows it, e.g. web"}
    spec = dict(spec_schema, description="the spec as data (never YAML text)")
    # The full spec schema is ~14 KB; sent once (write_spec) rather than three times per request.
    # The read tools run the loader on their data anyway, which reports every problem.
    loose = {"type": "object", "description": "spec data, shaped like write_spec's spec"}
    filename = {"type": "string", "pattern": FILENAME_PATTERN,
                "description": "a file name in the specs folder: lowercase letters, digits and "
                               "'-', ending in .yaml, e.g. web.yaml"}
    return [
        Tool("list_specs",
             "List the spec files in the specs folder: name, file, namespace/name, valid or not.",
             _params({}, [], {}), "read", impl.list_specs, lambda a: ""),
        Tool("read_spec", "Return the text of one existing spec file.",
             _params({"name": name}, ["name"], {}), "read", impl.read_spec,
             lambda a: str(a["name"])),
        Tool("validate_spec",
             "Validate an existing spec (name) or spec data (spec) with the same rules as "
             "`sentinel validate`, including clashes with other specs; ok means valid, "
             "otherwise content lists every problem (field, message, hint). Pass filename when "
             "the data is meant to replace that file.",
             _params({"name": name, "spec": loose, "filename": filename}, [], {}), "read",
             impl.validate_spec, _name_target),
        Tool("render_manifest",
             "Render the Kubernetes Pod manifest (YAML) for an existing spec (name) or spec data "
             "(spec), exactly as `doit generate` would. Nothing is written or applied.",
             _params({"name": name, "spec": loose}, [], {}), "read", impl.render_manifest,
             _name_target),
        Tool("write_spec",
             "Create a spec file in the specs folder from spec data. The data is validated "
             "like a hand-written file; if invalid, nothing is written and the problems are "
             "returned. An existing file is replaced only with overwrite: true.",
             _params({"filename": filename, "spec": spec,
                      "overwrite": {"type": "boolean", "default": False,
                                    "description": "replace an existing file of that name"}},
                     ["filename", "spec"], defs),
             "write", impl.write_spec, lambda a: str(a["filename"])),
    ]


def build_registry(settings: Settings, *, now: Callable[[], datetime] | None = None) -> ToolRegistry:
    """A registry of the five spec tools only, filtered and capped by ``settings`` (the chat
    service uses ``sentinel.chat.registry.build_registry``, which adds the cluster tools)."""
    return ToolRegistry(
        spec_tools(settings),
        enabled=settings.tools,
        read_only=settings.read_only,
        output_limit=settings.tool_output_limit,
        timeout=settings.tool_timeout,
        now=now,
    )


def _type_of(prop: Mapping[str, Any], defs: Mapping[str, Any]) -> str:
    """A short type word for one schema property (follows one ``$ref``)."""
    if "$ref" in prop:
        ref = str(prop["$ref"]).rsplit("/", 1)[-1]
        return _type_of(defs.get(ref, {}), defs) if ref in defs else ref
    for key in ("anyOf", "oneOf"):
        if key in prop:
            kinds = [_type_of(p, defs) for p in prop[key] if p.get("type") != "null"]
            return " | ".join(dict.fromkeys(kinds))
    if "enum" in prop:
        return " | ".join(json.dumps(v) for v in prop["enum"])
    kind = prop.get("type", "object")
    if kind == "array":
        return f"list of {_type_of(prop.get('items', {}), defs)}"
    return str(kind)


def schema_summary(schema: Mapping[str, Any]) -> list[str]:
    """One line per top-level spec field: name (required marked), type, description."""
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    lines = []
    for key, prop in schema.get("properties", {}).items():
        mark = " (required)" if key in required else ""
        desc = str(prop.get("description", "")).split("\n")[0]
        lines.append(f"- {key}{mark}: {_type_of(prop, defs)}" + (f" — {desc}" if desc else ""))
    return lines


def tool_prompt_section(registry: ToolRegistry, specs_dir: Path, *, root: Path | None = None) -> str:
    """The system prompt's part about tools, the spec format and the existing specs.

    For ``sentinel.chat.prompt``: include it verbatim. It is deterministic for the same registry
    settings, schema and specs folder (tools in registry order, specs sorted by name, the schema
    in its own stable order), so the same inputs give the same prompt byte for byte.
    """
    offered = registry.offered()
    names = {t.name for t in offered}
    folder = specs_dir.name or str(specs_dir)
    lines = ["## Tools", f"You work on Kubernetes Pod spec files in the specs folder ({folder}/)."]
    if offered:
        lines += [f"- {t.name} ({t.tier}): {t.description}" for t in offered]
    else:
        lines.append("No tools are enabled: answer in text only.")
    lines += [
        "",
        "The tools may: list, read, validate and render specs"
        + (", and create spec files (replacing one only with overwrite: true)."
           if "write_spec" in names else "."),
    ]
    tiers = {t.tier for t in offered}
    if "cluster-read" in tiers:
        lines.append("The cluster tools read the live cluster (Pods, events, logs) of the specs' "
                     "Pods; they never read Secret objects and never change anything.")
    if "cluster-write" in tiers:
        lines.append("apply_specs changes the cluster only after the user answers y at the "
                     "terminal to the plan it shows; if the user refuses, nothing changes: say "
                     "so and do not call it again for the same change unless asked.")
    cluster = ("change a Kubernetes cluster (the user runs doit dryrun/apply)"
               if "cluster-write" not in tiers else "change the cluster without the user's y")
    if not tiers & {"cluster-read", "cluster-write"}:
        cluster = "touch a Kubernetes cluster (the user runs doit dryrun/apply)"
    lines.append(f"The tools may not: {cluster}, write anywhere outside the specs folder, or "
                 "take YAML text — always send spec data matching the schema. An invalid call "
                 "writes nothing and returns the problems: fix them and call again.")
    if registry.read_only:
        lines.append("Read-only mode is on: no tool writes; show the user the spec instead.")
    # Only write_spec carries the full schema; without it the summary below is all there is.
    where = "; full JSON Schema: write_spec's spec parameter" if "write_spec" in names else ""
    lines += ["", f"## Spec format (one Pod per file{where})"]
    lines += schema_summary(json_schema())
    base = root if root is not None else specs_dir.parent
    listing = json.loads(SpecTools(specs_dir, base / "manifests", base).list_specs({}, _NO_CALL))
    lines += ["", "## Existing specs"]
    if not listing["specs"]:
        lines.append("(none yet)")
    for row in listing["specs"]:
        state = (f"{row['namespace']}/{row['name']}, valid" if row["valid"]
                 else f"invalid ({row['errors']} error(s))")
        lines.append(f"- {row['spec']} ({row['file']}): {state}")
    return "\n".join(lines) + "\n"


_NO_CALL = ToolContext(conversation_id="", message_id="")
