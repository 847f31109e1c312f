Chat authors a spec file through validated tool calls, and the pipeline picks it up.

The model's side is scripted in the fake endpoint (samples/chat/write-spec.json): it lists the
specs, sends an invalid spec (memory request above its limit), gets the problems back, sends a
corrected one, and answers. Each tool call shows as one line: tool, target, result.

  $ sentinel init . > /dev/null
  $ CTL="$TESTDIR/../tests/fakes/openai_ctl.py"
  $ python "$CTL" script "$TESTDIR/../samples/chat/write-spec.json"
  $ echo "Add an api Pod in shop on port 8080" | sentinel chat --new
  conversation conv_[0-9a-f]+ \(new\); model gpt-4o-mini (re)
  type /help for commands
  you> Add an api Pod in shop on port 8080
  assistant> Let me check the existing specs first.
    tool list_specs: ok
    tool write_spec api.yaml: invalid: resources.requests.memory: request 256Mi (268435456) is above the l...
    tool write_spec api.yaml: ok
  assistant> I wrote specs/api.yaml: nginx in namespace shop on port 8080 with a readiness probe. My first try asked for more memory than its limit, so I lowered the request to 64Mi. Run `doit generate` to render it.

The invalid call wrote nothing; the model got every problem (field, message, hint) back in
the next request:

  $ python "$CTL" messages 3 | tail -n 1
  tool (call_2_0): {"ok": false, "content": "[{\"file\": \"specs/api.yaml\", \"line\": null, \"column\": null, \"field\": \"resources.requests.memory\", \"message\": \"request 256Mi (268435456) is above the limit 128Mi (134217728)\", \"hint\": \"lower the request or raise limits.memory to at least 256Mi\", \"severity\": \"error\"}]", "error": "the spec is invalid (1 error(s)); nothing was written (hint: fix every field listed and call write_spec again)", "truncated": false}

The written file is headed by its provenance and is what any hand-written spec would be:

  $ cat specs/api.yaml
  # written by kube-sentinel chat: conversation conv_[0-9a-f]+, message msg_[0-9a-f]+, \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (re)
  name: api
  namespace: shop
  image: nginxinc/nginx-unprivileged:1.27-alpine
  ports:
  - name: http
    containerPort: 8080
  resources:
    requests:
      cpu: 100m
      memory: 64Mi
    limits:
      cpu: 500m
      memory: 128Mi
  probes:
    readiness:
      http:
        path: /
        port: http
  $ sentinel validate
  specs/worker.yaml:14:3: warning: env.DATABASE_URL: Secret 'order-db' is passed as environment (DATABASE_URL) [W106] (hint: mount the Secret as a file (a secret volume): env leaks into logs, crash dumps and child processes)
  all 3 specs valid (1 warning)
  $ doit generate
  -- prune
  .  generate:api.yaml
  .  generate:web.yaml
  .  generate:worker.yaml
  specs/worker.yaml:14:3: warning: env.DATABASE_URL: Secret 'order-db' is passed as environment (DATABASE_URL) [W106] (hint: mount the Secret as a file (a secret volume): env leaks into logs, crash dumps and child processes)
  $ cat manifests/shop/api.yaml
  apiVersion: v1
  kind: Pod
  metadata:
    name: api
    namespace: shop
    labels:
      app.kubernetes.io/name: api
      app.kubernetes.io/managed-by: kube-sentinel
      kube-sentinel.io/project: chat-write-spec-t-[0-9a-f]{8} (re)
  spec:
    containers:
    - name: api
      image: nginxinc/nginx-unprivileged:1.27-alpine
      ports:
      - name: http
        containerPort: 8080
        protocol: TCP
      resources:
        requests:
          cpu: 100m
          memory: 64Mi
        limits:
          cpu: 500m
          memory: 128Mi
      readinessProbe:
        httpGet:
          path: /
          port: http
      securityContext:
        allowPrivilegeEscalation: false
        capabilities:
          drop:
          - ALL
    automountServiceAccountToken: false
    securityContext:
      runAsNonRoot: true
      seccompProfile:
        type: RuntimeDefault

The model may not overwrite a spec without overwrite: true, nor write outside the specs folder:

  $ python "$CTL" reset
  $ python "$CTL" script "$TESTDIR/../samples/chat/write-spec-refused.json"
  $ cp specs/web.yaml web.before
  $ echo "Make web use nginx 1.28" | sentinel chat
  conversation conv_[0-9a-f]+ \(resumed, 8 messages\); model gpt-4o-mini (re)
  type /help for commands
  you> Make web use nginx 1.28
    tool write_spec web.yaml: error: specs/web.yaml already exists; nothing was written
    tool write_spec ../web.yaml: invalid: filename: '../web.yaml' is not valid here: a file name in the sp...
  assistant> specs/web.yaml already exists, and I may only write inside the specs folder. Shall I replace web.yaml (overwrite)?
  $ cmp specs/web.yaml web.before
  $ ls
  dodo.py
  manifests
  sentinel.toml
  specs
  web.before
  $ python "$CTL" messages 2 | tail -n 2
  tool (call_5_0): {"ok": false, "content": "", "error": "specs/web.yaml already exists; nothing was written (hint: pass overwrite: true to replace it, or choose another name)", "truncated": false}
  tool (call_5_1): {"ok": false, "content": "[{\"field\": \"filename\", \"message\": \"'../web.yaml' is not valid here: a file name in the specs folder: lowercase letters, digits and '-', ending in .yaml, e.g. web.yaml\"}]", "error": "arguments do not match the schema of write_spec (1 error(s)); fix them and call again", "truncated": false}

In read-only mode the write tool is not even offered (the cluster tools that only read stay):

  $ python "$CTL" reset
  $ python "$CTL" script "$TESTDIR/../samples/chat/write-spec-refused.json"
  $ echo "Make web use nginx 1.28" | SENTINEL_READ_ONLY=1 sentinel chat --new > /dev/null
  $ python "$CTL" requests | python -c 'import json,sys; print([t["function"]["name"] for t in json.load(sys.stdin)[0]["body"]["tools"]])'
  ['list_specs', 'read_spec', 'validate_spec', 'render_manifest', 'cluster_status', 'pod_events', 'pod_logs', 'plan', 'diff_spec']

The allowlist names tools that exist; a typo is a configuration error (exit 2), not a silent
loss of a tool:

  $ echo hi | SENTINEL_TOOLS=list_specs,write_specs sentinel chat --new
  error: setting 'tools' names unknown tool(s): write_specs
    hint: list some of apply_specs, cluster_status, diff_spec, list_specs, plan, pod_events, pod_logs, read_spec, render_manifest, validate_spec, write_spec in sentinel.toml or SENTINEL_TOOLS (comma-separated; empty enables all)
  [2]
