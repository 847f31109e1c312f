The chat reads the live cluster freely, and changes it only through the same plan and prompt as
`doit apply`. The model's side is scripted in the fake endpoint (samples/chat/*.json).

  $ sentinel init . > /dev/null && rm specs/*.yaml
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" namespace shop
  $ printf 'name: web\nnamespace: shop\nimage: nginxinc/nginx-unprivileged:1.27-alpine\n' > specs/web.yaml
  $ printf 'name: queue\nnamespace: shop\nimage: redis:7.4\nsecurity: baseline\n' > specs/queue.yaml
  $ doit apply --yes > /dev/null 2>&1
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" pod-status shop web --phase Running --restarts 5 --reason CrashLoopBackOff --message "back-off 1m20s restarting failed container"
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" pod-status shop queue --phase Pending --reason Unschedulable --message "0/3 nodes are available: 3 Insufficient memory"
  $ CTL="$TESTDIR/../tests/fakes/openai_ctl.py"

A read question: the model calls cluster_status, which reads the specs' Pods (read verbs only),
and answers from what it got:

  $ python "$CTL" script "$TESTDIR/../samples/chat/cluster-read.json"
  $ echo "which pods are not running?" | sentinel chat --new
  conversation conv_[0-9a-f]+ \(new\); model gpt-4o-mini (re)
  type /help for commands
  you> which pods are not running?
    tool cluster_status: ok
  assistant> queue is Pending: no node has enough memory (0/3 nodes are available: 3 Insufficient memory). web is running but not ready: it is in CrashLoopBackOff.
  $ python "$CTL" messages | tail -n 1 | sed -E 's/127\.0\.0\.1:[0-9]+/127.0.0.1:PORT/'
  tool (call_1_0): {"ok": true, "content": "{\"context\": \"fake\", \"server\": \"http://127.0.0.1:PORT\", \"pods\": [{\"spec\": \"queue\", \"file\": \"specs/queue.yaml\", \"pod\": \"shop/queue\", \"apply\": true, \"found\": true, \"phase\": \"Pending\", \"ready\": false, \"restarts\": 0, \"reason\": \"Unschedulable: 0/3 nodes are available: 3 Insufficient memory\"}, {\"spec\": \"web\", \"file\": \"specs/web.yaml\", \"pod\": \"shop/web\", \"apply\": true, \"found\": true, \"phase\": \"Running\", \"ready\": false, \"restarts\": 5, \"reason\": \"CrashLoopBackOff: back-off 1m20s restarting failed container\"}]}", "error": null, "truncated": false}

A change the model proposes: it writes the spec (a file, validated), then asks to apply it. With
stdin piped there is nobody to ask, so the apply is refused, nothing changes, and the model is
told so:

  $ python "$CTL" script "$TESTDIR/../samples/chat/deploy-redis.json"
  $ echo "write a redis spec and deploy it" | sentinel chat --new
  conversation conv_[0-9a-f]+ \(new\); model gpt-4o-mini (re)
  type /help for commands
  you> write a redis spec and deploy it
  assistant> I'll write the spec, then ask you to confirm the apply.
    tool write_spec redis.yaml: ok
    tool apply_specs redis: error: refused: there is no terminal to ask the user for confirmation (stdin i...
  assistant> The apply was not confirmed, so nothing changed on the cluster. specs/redis.yaml is written; run `doit apply` when you want it deployed.
  $ python "$CTL" messages | tail -n 1 | sed -E 's/127\.0\.0\.1:[0-9]+/127.0.0.1:PORT/'
  tool (call_4_0): {"ok": false, "content": "{\"would_apply\": [\"Apply to context 'fake' (http://127.0.0.1:PORT), namespace(s): shop\", \"  create 1 Pod: shop/redis\"]}", "error": "refused: there is no terminal to ask the user for confirmation (stdin is not a terminal), so nothing was applied; nothing was changed (hint: do not call apply_specs again for this change unless the user asks; they can also run `doit apply` themselves)", "truncated": false}
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" pods
  shop/queue
  shop/web

On a terminal the plan and the question appear there, exactly as `doit apply` asks; any answer
but y refuses:

  $ rm specs/redis.yaml
  $ python "$CTL" script "$TESTDIR/../samples/chat/deploy-redis.json"
  $ python "$TESTDIR/../tests/fakes/on_tty.py" --chat "write a redis spec and deploy it" n sentinel chat --new
  conversation conv_[0-9a-f]+ \(new\); model gpt-4o-mini (re)
  type /help for commands
  you> write a redis spec and deploy it
  assistant> I'll write the spec, then ask you to confirm the apply.
    tool write_spec redis.yaml: ok
  kube-sentinel chat asks to apply:
  shop/redis (specs/redis.yaml): create
  plan for context 'fake': 1 to create, 0 to update, 0 to recreate, 0 to delete, 0 unchanged, 0 skipped, 0 error(s)
  
  Apply to context 'fake' \(http://127\.0\.0\.1:\d+\), namespace\(s\): shop (re)
    create 1 Pod: shop/redis
  Proceed? [y/N] n
    tool apply_specs redis: error: the user refused the apply (apply not confirmed); nothing was changed
  assistant> The apply was not confirmed, so nothing changed on the cluster. specs/redis.yaml is written; run `doit apply` when you want it deployed.
  you> /exit
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" pods
  shop/queue
  shop/web

The audit log holds only the two creates of the first `doit apply --yes`:

  $ sentinel audit --json | python -c 'import json, sys; print([(r["name"], r["result"], r["provenance"]) for r in json.load(sys.stdin)])'
  [('queue', 'created', ''), ('web', 'created', '')]
