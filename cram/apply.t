Applying needs a confirmation. Without a terminal and without --yes, apply refuses, changes
nothing, and says how to confirm. It always plans first, from the live cluster: one line per Pod.

  $ cp -r "$TESTDIR/../specs" specs
  $ cp "$TESTDIR/../dodo.py" dodo.py
  $ echo 'project = "shop-0123abcd"' > sentinel.toml
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" namespace shop
  $ doit apply < /dev/null
  .  generate:cache.yaml
  .  generate:nightly-report.yaml
  specs/nightly-report.yaml:20:3: warning: env.REPORT_TOKEN: Secret 'reports-token' is passed as environment (REPORT_TOKEN) [W106] (hint: mount the Secret as a file (a secret volume): env leaks into logs, crash dumps and child processes)
  .  generate:web.yaml
  .  generate:worker.yaml
  specs/worker.yaml:14:3: warning: env.DATABASE_URL: Secret 'order-db' is passed as environment (DATABASE_URL) [W106] (hint: mount the Secret as a file (a secret volume): env leaks into logs, crash dumps and child processes)
  .  apply
  shop/nightly-report (specs/nightly-report.yaml): skipped (apply: false)
  shop/order-worker (specs/worker.yaml): create
  shop/session-cache (specs/cache.yaml): create
  shop/web (specs/web.yaml): create
  plan for context 'fake': 3 to create, 0 to update, 0 to recreate, 0 to delete, 0 unchanged, 1 skipped, 0 error(s)
  TaskFailed - taskid:apply
  refusing to apply without confirmation (no terminal to ask on); nothing was changed.
  Apply to context 'fake' \(http://127\.0\.0\.1:\d+\), namespace\(s\): shop (re)
    create 3 Pods:
      shop/order-worker
      shop/session-cache
      shop/web
    hint: run `doit apply --yes` to confirm without a prompt
  
  [1]
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" pods

The plan's dry runs are server-side applies with dryRun=All: nothing was written.

  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" requests --writes
  PATCH /api/v1/namespaces/shop/pods/session-cache dryRun 201
  PATCH /api/v1/namespaces/shop/pods/web dryRun 201
  PATCH /api/v1/namespaces/shop/pods/order-worker dryRun 201

With --yes it applies (server-side apply, field manager kube-sentinel) and every change is
audited. The spec with `apply: false` is left out.

  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" clear-requests
  $ doit apply --yes
  -- generate:cache.yaml
  -- generate:nightly-report.yaml
  -- generate:web.yaml
  -- generate:worker.yaml
  .  apply
  shop/nightly-report (specs/nightly-report.yaml): skipped (apply: false)
  shop/order-worker (specs/worker.yaml): create
  shop/session-cache (specs/cache.yaml): create
  shop/web (specs/web.yaml): create
  plan for context 'fake': 3 to create, 0 to update, 0 to recreate, 0 to delete, 0 unchanged, 1 skipped, 0 error(s)
  shop/order-worker (specs/worker.yaml): created
  shop/session-cache (specs/cache.yaml): created
  shop/web (specs/web.yaml): created
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" pods
  shop/order-worker
  shop/session-cache
  shop/web
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" requests --writes
  PATCH /api/v1/namespaces/shop/pods/session-cache dryRun 201
  PATCH /api/v1/namespaces/shop/pods/web dryRun 201
  PATCH /api/v1/namespaces/shop/pods/order-worker dryRun 201
  PATCH /api/v1/namespaces/shop/pods/order-worker 201
  PATCH /api/v1/namespaces/shop/pods/session-cache 201
  PATCH /api/v1/namespaces/shop/pods/web 201

A second apply with nothing changed asks the cluster (the live Pods may have drifted) and
changes nothing: only dry runs reach it.

  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" clear-requests
  $ doit apply --yes
  -- generate:cache.yaml
  -- generate:nightly-report.yaml
  -- generate:web.yaml
  -- generate:worker.yaml
  .  apply
  shop/nightly-report (specs/nightly-report.yaml): skipped (apply: false)
  shop/order-worker (specs/worker.yaml): unchanged
  shop/session-cache (specs/cache.yaml): unchanged
  shop/web (specs/web.yaml): unchanged
  plan for context 'fake': 0 to create, 0 to update, 0 to recreate, 0 to delete, 3 unchanged, 1 skipped, 0 error(s)
  nothing to apply: the cluster already matches the specs
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" requests --writes
  PATCH /api/v1/namespaces/shop/pods/session-cache dryRun 200
  PATCH /api/v1/namespaces/shop/pods/web dryRun 200
  PATCH /api/v1/namespaces/shop/pods/order-worker dryRun 200
  $ sentinel audit
  TIME +USER +OP     CONTEXT  POD                 RESULT   SPEC               SHA256 (re)
  \S+ +\S+ +apply  fake     shop/order-worker   created  specs/worker\.yaml  [0-9a-f]{12} (re)
  \S+ +\S+ +apply  fake     shop/session-cache  created  specs/cache\.yaml   [0-9a-f]{12} (re)
  \S+ +\S+ +apply  fake     shop/web            created  specs/web\.yaml     [0-9a-f]{12} (re)
