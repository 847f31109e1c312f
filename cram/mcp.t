sentinel mcp serves the chat's tools to an MCP client (an editor, an agent) over stdin/stdout.
Its help names the tools it offers, and says apply_specs never is:

  $ sentinel mcp --help | sed -n '3,/^$/p'
  A Model Context Protocol server on stdin/stdout offering the chat's tools to
  any MCP client:
    spec tools:          list_specs, read_spec, validate_spec, render_manifest
    cluster-read tools:  cluster_status, pod_events, pod_logs, plan, diff_spec
                         (read-only, on the settings' kube context; in a fleet
                         an optional 'context' argument names one of them)
    with --allow-write:  write_spec
  apply_specs and every cluster-changing tool are never offered.
  

A client speaks JSON-RPC on the server's stdin and stdout, one message a line. Here a bare one
initializes, lists the tools and calls apply_specs by name anyway; stdout carries only the
replies, the log goes to stderr:

  $ mkdir -p proj/specs && cd proj
  $ cp "$TESTDIR/../samples/valid/command-args.yaml" specs/
  $ python - <<'EOF'
  > import json, subprocess
  > hello = {"protocolVersion": "2025-06-18", "capabilities": {},
  >          "clientInfo": {"name": "cram", "version": "1"}}
  > server = subprocess.Popen(["sentinel", "mcp"], text=True, stdin=subprocess.PIPE,
  >                           stdout=subprocess.PIPE, stderr=open("stderr.log", "w"))
  > for message in ({"id": 1, "method": "initialize", "params": hello},
  >                 {"method": "notifications/initialized"},
  >                 {"id": 2, "method": "tools/list"},
  >                 {"id": 3, "method": "tools/call",
  >                  "params": {"name": "apply_specs", "arguments": {}}}):
  >     server.stdin.write(json.dumps({"jsonrpc": "2.0", **message}) + "\n")
  > server.stdin.flush()
  > print(json.loads(server.stdout.readline())["result"]["serverInfo"]["name"])
  > print(", ".join(t["name"] for t in json.loads(server.stdout.readline())["result"]["tools"]))
  > refused = json.loads(server.stdout.readline())["result"]
  > print("isError:", refused["isError"], "-", refused["content"][0]["text"])
  > server.stdin.close()  # the client hangs up: the server ends
  > print("anything else on stdout:", repr(server.stdout.read()), "- exit", server.wait())
  > EOF
  kube-sentinel
  list_specs, read_spec, validate_spec, render_manifest, cluster_status, pod_events, pod_logs, plan, diff_spec
  isError: True - tool 'apply_specs' (tier 'cluster-write') is never offered over MCP: changes to a cluster need a person's confirmation at a terminal (run 'doit apply' or 'sentinel chat')
  anything else on stdout: '' - exit 0
  $ cat stderr.log
  sentinel mcp: serving 9 tool(s) over stdio: list_specs, read_spec, validate_spec, render_manifest, cluster_status, pod_events, pod_logs, plan, diff_spec
  sentinel mcp: apply_specs: refused: tool 'apply_specs' (tier 'cluster-write') is never offered over MCP: change...

Each call logs one line, its summary cut short. A bad setting stops the server before it serves:
the usual message on stderr, nothing on stdout, exit 2:

  $ SENTINEL_CONTEXTS=prod,prod sentinel mcp < /dev/null
  error: setting 'contexts' (from $SENTINEL_CONTEXTS): 'prod' is listed twice; its cluster would be planned and applied twice
    hint: list each kube context once in SENTINEL_CONTEXTS, e.g. staging,prod
  [2]
