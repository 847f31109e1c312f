"""A loopback Kubernetes API server that the real ``kubectl`` drives in tests and cram transcripts.

It serves what kubectl v1.37 uses for Pods (legacy discovery, a minimal OpenAPI v3, namespaces,
pods get/list/create/patch/update/delete with ``dryRun=All``, ``Status`` errors, Tables for
``kubectl get``) and keeps every request in ``requests`` so tests can assert what kubectl sent.
Failures are injectable (403/409/422/500 per namespace or name, a delay for timeouts) through
the Python API or the ``/_fake/...`` control endpoint that ``kube_ctl.py`` uses from cram.

    with FakeKubeAPI() as kube:
        kube.write_kubeconfig(tmp_path / "kubeconfig")
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import yaml

from tests.fakes import kube_extras as kx
from tests.fakes import kube_objects as ko
from tests.fakes import kube_ssa as ssa

POD_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]
DISCOVERY = {
    "/api": {"kind": "APIVersions", "versions": ["v1"],
             "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": ""}]},
    "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": []},
    "/api/v1": {
        "kind": "APIResourceList", "groupVersion": "v1",
        "resources": [
            {"name": "pods", "singularName": "pod", "namespaced": True, "kind": "Pod",
             "verbs": POD_VERBS, "shortNames": ["po"], "categories": ["all"]},
            {"name": "pods/status", "singularName": "", "namespaced": True, "kind": "Pod",
             "verbs": ["get", "patch", "update"]},
            kx.LOG_RESOURCE, kx.EVENTS_RESOURCE,
            {"name": "namespaces", "singularName": "namespace", "namespaced": False,
             "kind": "Namespace", "verbs": ["create", "delete", "get", "list", "patch", "update"],
             "shortNames": ["ns"]},
        ],
    },
    "/version": {"major": "1", "minor": "37", "gitVersion": "v1.37.1-fake", "platform": "linux/amd64"},
    "/openapi/v3": {"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=FAKE1"}}},
    "/openapi/v3/api/v1": {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.37.1"},
        "paths": {"/api/v1/namespaces/{namespace}/pods/{name}": {"patch": {
            "x-kubernetes-group-version-kind": {"group": "", "version": "v1", "kind": "Pod"},
            "parameters": [{"name": "fieldValidation", "in": "query",
                            "schema": {"type": "string", "uniqueItems": True}}],
            "responses": {"200": {"description": "OK"}},
        }}},
        "components": {"schemas": {}},
    },
}


@dataclass
class Request:
    """One request kubectl sent (control requests are not logged)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    status: int = 0


@dataclass
class Injection:
    """A failure to answer instead of the real result, for matching pod requests."""

    code: int
    namespace: str | None = None
    name: str | None = None
    verbs: tuple[str, ...] = ("create", "patch", "update", "delete")
    times: int | None = None  # None: forever
    real_only: bool = False  # only requests that change something (not dryRun=All)

    def matches(self, verb: str, namespace: str, name: str | None, dry: bool = False) -> bool:
        """True if this injection applies to the request."""
        return (verb in self.verbs and self.namespace in (None, namespace)
                and self.name in (None, name) and self.times != 0
                and not (dry and self.real_only))


@dataclass
class _State:
    namespaces: dict[str, dict[str, Any]] = field(default_factory=dict)
    pods: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    injections: list[Injection] = field(default_factory=list)
    delay: float = 0.0
    delay_real_writes_only: bool = False
    requests: list[Request] = field(default_factory=list)
    owners: dict[tuple[str, str], ssa.Owners] = field(default_factory=dict)
    deletion_delay: float = 0.0  # seconds a deleted Pod stays, with deletionTimestamp set


class FakeKubeAPI:
    """The test server; a context manager that listens on 127.0.0.1 on a free port."""

    def __init__(self, namespaces: tuple[str, ...] = ("default", "kube-system")) -> None:
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._rv = itertools.count(1000)
        self._state = _State()
        self.extras = kx.Extras()  # events and logs (kube_extras.py)
        for ns in namespaces:
            self.add_namespace(ns)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving; wakes up any request sleeping on an injected delay."""
        self._stopping.set()
        if self._thread.is_alive():  # shutdown() waits for serve_forever: it would hang otherwise
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def write_kubeconfig(self, path: Path, context: str = "fake", namespace: str | None = None) -> Path:
        """Write a kubeconfig whose current context ``context`` points at this server."""
        ctx: dict[str, Any] = {"cluster": "fake", "user": "fake"}
        if namespace:
            ctx["namespace"] = namespace
        config = {
            "apiVersion": "v1", "kind": "Config", "current-context": context,
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "contexts": [{"name": context, "context": ctx}],
            "users": [{"name": "fake", "user": {}}],
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        return path

    # -- state the tests drive -------------------------------------------------------------------
    @property
    def requests(self) -> list[Request]:
        """Every non-control request so far, oldest first."""
        with self._lock:
            return list(self._state.requests)

    def clear_requests(self) -> None:
        """Forget the request log."""
        with self._lock:
            self._state.requests.clear()

    def writes(self) -> list[Request]:
        """Requests that would change something (POST/PATCH/PUT/DELETE), dry runs included."""
        return [r for r in self.requests if r.method in ("POST", "PATCH", "PUT", "DELETE")]

    def add_namespace(self, name: str) -> None:
        """Create a namespace."""
        with self._lock:
            self._state.namespaces[name] = {
                "apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": name, "uid": str(uuid.uuid4()),
                             "resourceVersion": str(next(self._rv)), "creationTimestamp": ko.now()},
                "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"},
            }

    def get_pod(self, namespace: str, name: str) -> dict[str, Any] | None:
        """A copy of the stored Pod, or None."""
        with self._lock:
            pod = self._state.pods.get((namespace, name))
            return copy.deepcopy(pod) if pod else None

    def pod_names(self) -> list[str]:
        """``namespace/name`` of every stored Pod, sorted."""
        with self._lock:
            return sorted(f"{ns}/{n}" for ns, n in self._state.pods)

    def put_pod(self, pod: dict[str, Any], manager: str = "someone-else") -> None:
        """Store a Pod directly (as if ``manager`` created or updated it)."""
        ns = pod["metadata"].get("namespace", "default")
        with self._lock:
            owners = self._state.owners.setdefault((ns, pod["metadata"]["name"]), ssa.Owners())
            owners.update(self._state.pods.get((ns, pod["metadata"]["name"])), pod, manager)
            self._store(ns, pod)

    def managers(self, namespace: str, name: str) -> dict[str, str]:
        """Who owns fields of a stored Pod: manager -> operation (Apply or Update)."""
        with self._lock:
            owners = self._state.owners.get((namespace, name))
            return {m: op for m, (op, _) in owners.entries.items()} if owners else {}

    def set_deletion_delay(self, seconds: float) -> None:
        """Keep deleted Pods (with ``deletionTimestamp``) this long before they are gone."""
        with self._lock:
            self._state.deletion_delay = seconds

    def _finish_delete(self, namespace: str, name: str, uid: str) -> None:
        with self._lock:
            pod = self._state.pods.get((namespace, name))
            if pod is not None and pod["metadata"].get("uid") == uid:
                del self._state.pods[(namespace, name)]
                self._state.owners.pop((namespace, name), None)

    def set_pod_status(self, namespace: str, name: str, *, phase: str = "Running", ready: bool = True,
                       restarts: int = 0, reason: str | None = None, message: str | None = None) -> None:
        """Report a Pod's status as the kubelet would (KeyError if the Pod does not exist)."""
        with self._lock:
            pod = self._state.pods[(namespace, name)]
            pod["status"] = ko.pod_status(pod, phase=phase, ready=ready, restarts=restarts,
                                          reason=reason, message=message)
            pod["metadata"]["resourceVersion"] = str(next(self._rv))

    def add_event(self, namespace: str, pod: str, *, reason: str, message: str,
                  **more: Any) -> None:
        """Record an event about a Pod (``type``, ``count``, ``age_seconds``: kube_extras)."""
        with self._lock:
            self.extras.add_event(namespace, pod, reason=reason, message=message, **more)

    def set_log(self, namespace: str, pod: str, text: str, *, container: str | None = None,
                previous: bool = False) -> None:
        """Set a container's log (``previous``: its last terminated run)."""
        with self._lock:
            self.extras.set_log(namespace, pod, text, container=container, previous=previous)

    def inject(self, code: int, *, namespace: str | None = None, name: str | None = None,
               verbs: tuple[str, ...] | None = None, times: int | None = None,
               real_only: bool = False) -> None:
        """Answer matching pod requests with ``code`` (403, 404, 409, 422 or 500); with
        ``real_only``, dry runs are answered as usual."""
        with self._lock:
            self._state.injections.append(Injection(
                code, namespace, name, tuple(verbs) if verbs else Injection.verbs, times,
                real_only))

    def set_delay(self, seconds: float, *, real_writes_only: bool = False) -> None:
        """Sleep this long before answering any API request (for kubectl timeouts); with
        ``real_writes_only``, only writes that are not dry runs wait."""
        with self._lock:
            self._state.delay = seconds
            self._state.delay_real_writes_only = real_writes_only

    # -- request handling (called from the handler threads) ---------------------------------------
    def _store(self, namespace: str, pod: dict[str, Any]) -> dict[str, Any]:
        pod = ko.prune(copy.deepcopy(pod))
        meta = pod.setdefault("metadata", {})
        meta["namespace"] = namespace
        meta.setdefault("uid", str(uuid.uuid4()))
        meta.setdefault("creationTimestamp", ko.now())
        meta["resourceVersion"] = str(next(self._rv))
        owners = self._state.owners.get((namespace, meta["name"]))
        meta["managedFields"] = owners.managed_fields() if owners else []
        pod.setdefault("status", _new_status(pod))
        pod["apiVersion"], pod["kind"] = "v1", "Pod"
        self._state.pods[(namespace, meta["name"])] = pod
        return pod

    def _check_injection(self, verb: str, namespace: str, name: str | None,
                         dry: bool = False) -> None:
        for inj in self._state.injections:
            if inj.matches(verb, namespace, name, dry):
                if inj.times is not None:
                    inj.times -= 1
                if inj.code == 404:
                    raise ko.not_found("pods", name or "")
                if inj.code == 403:
                    raise ko.forbidden(verb, namespace, name)
                if inj.code == 409:
                    raise ko.conflict(name or "")
                if inj.code == 422:
                    raise ko.invalid(name or "", [("metadata.labels", "FieldValueInvalid",
                                                   "Invalid value: rejected by a test injection")])
                raise ko.ApiError(inj.code, "InternalError", "an error on the server (injected)")

    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str],
               body: Any) -> tuple[int, Any]:
        """Route one API request; returns (status code, JSON-able body)."""
        if self._state.delay and (not self._state.delay_real_writes_only or (
                method in ("POST", "PATCH", "PUT", "DELETE") and query.get("dryRun") != "All"
                and not (isinstance(body, dict) and "All" in (body.get("dryRun") or [])))):
            self._stopping.wait(self._state.delay)
        if method == "GET" and path in DISCOVERY:
            return 200, DISCOVERY[path]
        parts = [p for p in path.split("/") if p]
        with self._lock:
            if parts[:2] == ["api", "v1"]:
                rest = parts[2:]
                if rest == ["pods"] and method == "GET":
                    return self._list(None, query, headers)
                if rest == ["events"] and method == "GET":
                    return 200, self.extras.list_events(None, query)
                if rest[:1] == ["namespaces"]:
                    return self._namespaces(method, rest[1:], query, headers, body)
        raise ko.ApiError(404, "NotFound", "the server could not find the requested resource")

    def _namespaces(self, method: str, rest: list[str], query: dict[str, str],
                    headers: dict[str, str], body: Any) -> tuple[int, Any]:
        state = self._state
        if not rest:
            if method == "GET":
                items = [state.namespaces[n] for n in sorted(state.namespaces)]
                if "as=Table" in headers.get("accept", ""):
                    return 200, ko.table("namespaces", items)
                return 200, {"kind": "NamespaceList", "apiVersion": "v1", "metadata": {},
                             "items": items}
            if method == "POST":
                name = body["metadata"]["name"]
                if name in state.namespaces:
                    raise ko.ApiError(409, "AlreadyExists", f'namespaces "{name}" already exists')
                if query.get("dryRun") != "All":
                    self.add_namespace(name)
                return 201, state.namespaces.get(name, body)
        ns = rest[0]
        if len(rest) == 1 and method == "GET":
            if ns not in state.namespaces:
                raise ko.not_found("namespaces", ns)
            return 200, state.namespaces[ns]
        if rest[1:] == ["events"] and method == "GET":
            return 200, self.extras.list_events(ns, query)
        if len(rest) == 4 and rest[1] == "pods" and rest[3] == "log" and method == "GET":
            self._check_injection("get", ns, rest[2])
            if (ns, rest[2]) not in state.pods:
                raise ko.not_found("pods", rest[2])
            return 200, self.extras.pod_log(state.pods[(ns, rest[2])], query)
        if len(rest) >= 2 and rest[1] == "pods":
            name = rest[2] if len(rest) > 2 else None
            if len(rest) > 3:
                raise ko.ApiError(404, "NotFound", "the server could not find the requested resource")
            return self._pods(method, ns, name, query, headers, body)
        raise ko.ApiError(405, "MethodNotAllowed", f"{method} is not supported here")

    def _list(self, ns: str | None, query: dict[str, str], headers: dict[str, str]) -> tuple[int, Any]:
        items = [p for (pns, _), p in sorted(self._state.pods.items()) if ns in (None, pns)]
        for selector in filter(None, query.get("labelSelector", "").split(",")):
            key, _, value = selector.partition("=")
            items = [p for p in items if (p["metadata"].get("labels") or {}).get(key) == value]
        fsel = query.get("fieldSelector", "")
        if fsel.startswith("metadata.name="):
            items = [p for p in items if p["metadata"]["name"] == fsel.split("=", 1)[1]]
        if query.get("watch") in ("1", "true"):
            return 200, None  # an empty, finished watch stream
        if "as=Table" in headers.get("accept", ""):
            return 200, ko.table("pods", items)
        return 200, {"kind": "PodList", "apiVersion": "v1",
                     "metadata": {"resourceVersion": str(next(self._rv))}, "items": items}

    def _pods(self, method: str, ns: str, name: str | None, query: dict[str, str],
              headers: dict[str, str], body: Any) -> tuple[int, Any]:
        state = self._state
        # kubectl sends a delete's dry run in the DeleteOptions body, everything else's in the query
        options = body if method == "DELETE" and isinstance(body, dict) else {}
        dry = query.get("dryRun") == "All" or "All" in (options.get("dryRun") or [])
        manager = query.get("fieldManager") or "unknown"
        force = query.get("force") == "true"
        verb = {"GET": "get" if name else "list", "POST": "create", "PATCH": "patch",
                "PUT": "update", "DELETE": "delete"}.get(method, method.lower())
        named = body.get("metadata", {}).get("name") if isinstance(body, dict) else None
        self._check_injection(verb, ns, name or named, dry)
        if ns not in state.namespaces and method != "GET":
            raise ko.not_found("namespaces", ns)
        if name is None:
            if method == "GET":
                return self._list(ns, query, headers)
            if method != "POST":
                raise ko.ApiError(405, "MethodNotAllowed", f"{method} is not supported here")
            ko.validate_pod(body, ns)
            new_name = body["metadata"]["name"]
            if (ns, new_name) in state.pods:
                raise ko.already_exists(new_name)
            if dry:
                return 201, self._preview(ns, body)
            owners = ssa.Owners()
            owners.update(None, body, manager)
            state.owners[(ns, new_name)] = owners
            return 201, self._store(ns, body)
        current = state.pods.get((ns, name))
        ctype = headers.get("content-type", "")
        if method == "PATCH" and "apply-patch" in ctype and not query.get("fieldManager"):
            raise ko.invalid(name, [("fieldManager", "FieldValueRequired",
                                     "Required value: is required for apply patch")])
        if method == "PATCH" and current is None and "apply-patch" in ctype:
            ko.validate_pod(body, ns)  # server-side apply creates
            owners = ssa.Owners()
            created = owners.apply(None, _without_directives(body), manager, force)
            if dry:
                return 201, self._preview(ns, created)
            state.owners[(ns, name)] = owners
            return 201, self._store(ns, created)
        if current is None:
            raise ko.not_found("pods", name)
        if method == "GET":
            if "as=Table" in headers.get("accept", ""):
                return 200, ko.table("pods", [current])
            return 200, current
        if method == "DELETE":
            if dry or current["metadata"].get("deletionTimestamp"):
                return 200, current
            if state.deletion_delay <= 0:
                del state.pods[(ns, name)]
                state.owners.pop((ns, name), None)
                return 200, current
            current["metadata"]["deletionTimestamp"] = ko.now()
            current["metadata"]["resourceVersion"] = str(next(self._rv))
            timer = threading.Timer(state.deletion_delay, self._finish_delete,
                                    (ns, name, current["metadata"]["uid"]))
            timer.daemon = True
            timer.start()
            return 200, current
        owners = state.owners.get((ns, name), ssa.Owners()).copy()
        if method == "PUT":
            updated = copy.deepcopy(body)
        elif "apply-patch" in ctype:
            updated = owners.apply(current, _without_directives(body), manager, force)
        elif "json-patch" in ctype:
            updated = ssa.json_patch(current, body)
            if updated["metadata"].get("managedFields") != current["metadata"].get("managedFields"):
                owners = ssa.Owners.from_managed_fields(updated["metadata"]["managedFields"])
        elif "strategic-merge-patch" in ctype:
            updated = ko.strategic_merge(current, body)
        elif "merge-patch" in ctype:
            updated = ko.json_merge_patch(current, body)
        else:
            raise ko.ApiError(415, "UnsupportedMediaType", f"the body of the request was in an unknown format: {ctype}")
        sent_rv = (body.get("metadata") or {}).get("resourceVersion") \
            if isinstance(body, dict) else None
        if sent_rv is not None and sent_rv != current["metadata"]["resourceVersion"]:
            raise ko.conflict(name)
        updated["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        updated["status"] = current.get("status")
        ko.validate_pod(updated, ns)
        ko.check_pod_update(current, updated)
        updated = ko.prune(updated)
        if "apply-patch" not in ctype and "json-patch" not in ctype:
            owners.update(current, updated, manager)
        updated["metadata"]["managedFields"] = owners.managed_fields()
        if _same(updated, current):
            if not dry:
                state.owners[(ns, name)] = owners
            return 200, current
        if dry:
            return 200, updated
        state.owners[(ns, name)] = owners
        return 200, self._store(ns, updated)

    def _preview(self, ns: str, body: dict[str, Any]) -> dict[str, Any]:
        """What a create would store, without storing it (``dryRun=All``)."""
        pod: dict[str, Any] = ko.prune(copy.deepcopy(body))
        pod["metadata"].update(namespace=ns, uid=str(uuid.uuid4()), creationTimestamp=ko.now())
        pod.setdefault("status", _new_status(pod))
        return pod

    def control(self, method: str, parts: list[str], body: Any) -> tuple[int, Any]:
        """The ``/_fake/...`` endpoint: what ``kube_ctl.py`` does from cram transcripts."""
        try:
            with self._lock:
                extra = self.extras.control(method, parts, body)
            if extra is not None:
                return extra
            if parts == ["requests"] and method == "GET":
                return 200, [r.__dict__ for r in self.requests]
            if parts == ["requests"] and method == "DELETE":
                self.clear_requests()
                return 200, {}
            if parts == ["pods"] and method == "GET":
                return 200, self.pod_names()
            if parts == ["namespaces"] and method == "POST":
                self.add_namespace(body["name"])
                return 201, {}
            if parts == ["inject"] and method == "POST":
                self.inject(int(body["code"]), namespace=body.get("namespace"),
                            name=body.get("name"), verbs=body.get("verbs"), times=body.get("times"))
                return 201, {}
            if parts == ["delay"] and method == "POST":
                self.set_delay(float(body["seconds"]))
                return 200, {}
            if len(parts) == 4 and parts[0] == "pods" and parts[3] == "status" and method == "POST":
                self.set_pod_status(parts[1], parts[2], **body)
                return 200, self.get_pod(parts[1], parts[2])
        except KeyError as exc:
            return 404, {"error": f"not found: {exc}"}
        except (TypeError, ValueError) as exc:
            return 400, {"error": str(exc)}
        return 404, {"error": f"unknown control request {method} /_fake/{'/'.join(parts)}"}


def _new_status(pod: dict[str, Any]) -> dict[str, Any]:
    """A new Pod's status: scheduled, containers still being created."""
    return ko.pod_status(pod, phase="Pending", ready=False, restarts=0,
                         reason="ContainerCreating", message=None)


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal but for the time stamps of managedFields (a no-op write changes nothing)."""
    def bare(pod: dict[str, Any]) -> dict[str, Any]:
        pod = copy.deepcopy(pod)
        for entry in pod["metadata"].get("managedFields") or []:
            entry.pop("time", None)
        return pod
    return bare(a) == bare(b)


def _without_directives(body: dict[str, Any]) -> dict[str, Any]:
    """A server-side apply body is a plain object; drop what could read as a patch directive."""
    return {k: v for k, v in body.items() if not k.startswith("$")}


def _make_handler(api: FakeKubeAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes; with Nagle on, each response would wait
        # for the client's delayed ACK (~40 ms) and the fake, not kubectl, would dominate timings.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            return  # keep test output quiet; the request log is the record

        def _read_body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if not raw:
                return None
            try:
                return yaml.safe_load(raw.decode("utf-8"))  # JSON is YAML; apply-patch+yaml too
            except (UnicodeDecodeError, yaml.YAMLError):
                return raw.decode("utf-8", "replace")

        def _send(self, code: int, body: Any, ctype: str = "application/json") -> None:
            if isinstance(body, kx.Text):  # a container log
                data, ctype = body.data.encode(), "text/plain"
            else:
                data = b"" if body is None else json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _dispatch(self) -> None:
            split = urlsplit(self.path)
            body = self._read_body()
            parts = [p for p in split.path.split("/") if p]
            if parts[:1] == ["_fake"]:
                self._send(*api.control(self.command, parts[1:], body))
                return
            query = {k: v[0] for k, v in parse_qs(split.query).items()}
            headers = {k.lower(): v for k, v in self.headers.items()}
            record = Request(self.command, split.path, query, headers, body)
            with api._lock:
                api._state.requests.append(record)
            try:
                code, answer = api.handle(self.command, split.path, query, headers, body)
            except ko.ApiError as err:
                code, answer = err.code, err.status()
            except (KeyError, TypeError, AttributeError) as exc:
                code, answer = 400, ko.ApiError(400, "BadRequest", f"malformed request: {exc}").status()
            record.status = code
            if api._stopping.is_set():
                return
            self._send(code, answer)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _dispatch

    return Handler
