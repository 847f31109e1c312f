Applying needs a confirmation. Without a terminal and without --yes, apply refuses, changes
nothing, and says how to confirm.

  $ cp -r "$TESTDIR/../specs" specs
  $ cp "$TESTDIR/../dodo.py" dodo.py
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" namespace shop
  $ doit apply < /dev/null
  .  generate:cache.yaml
  .  generate:nightly-report.yaml
  .  generate:web.yaml
  .  generate:worker.yaml
  TaskFailed - taskid:_apply_batch
  refusing to apply without confirmation (no terminal to ask on); nothing was changed.
  Apply 3 Pod(s) in context 'fake', namespace(s): shop
    shop: order-worker, session-cache, web
    hint: run `doit apply --yes` to confirm without a prompt
  
  [1]
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" pods

With --yes (for scripts), every manifest that passed its dry run is applied, one kubectl per
namespace, and each apply is recorded in the audit log.

  $ doit apply --yes
  -- generate:cache.yaml
  -- generate:nightly-report.yaml
  -- generate:web.yaml
  -- generate:worker.yaml
  .  apply:cache.yaml
  shop/session-cache (specs/cache.yaml): created
  .  apply:nightly-report.yaml
  shop/nightly-report (specs/nightly-report.yaml): skipped (apply: false in the spec)
  .  apply:web.yaml
  shop/web (specs/web.yaml): created
  .  apply:worker.yaml
  shop/order-worker (specs/worker.yaml): created
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" pods
  shop/order-worker
  shop/session-cache
  shop/web
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" requests --writes
  POST /api/v1/namespaces/shop/pods dryRun 201
  POST /api/v1/namespaces/shop/pods dryRun 201
  POST /api/v1/namespaces/shop/pods dryRun 201
  POST /api/v1/namespaces/shop/pods dryRun 201
  POST /api/v1/namespaces/shop/pods 201
  POST /api/v1/namespaces/shop/pods 201
  POST /api/v1/namespaces/shop/pods 201

A second apply with nothing changed does nothing at all: no request reaches the cluster.

  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" clear-requests
  $ doit apply --yes
  -- generate:cache.yaml
  -- generate:nightly-report.yaml
  -- generate:web.yaml
  -- generate:worker.yaml
  -- apply:cache.yaml
  -- apply:nightly-report.yaml
  -- apply:web.yaml
  -- apply:worker.yaml
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" requests

--force runs kubectl for every manifest anyway: it reports every Pod unchanged.

  $ doit apply --yes --force
  -- generate:cache.yaml
  -- generate:nightly-report.yaml
  -- generate:web.yaml
  -- generate:worker.yaml
  .  apply:cache.yaml
  shop/session-cache (specs/cache.yaml): unchanged
  .  apply:nightly-report.yaml
  shop/nightly-report (specs/nightly-report.yaml): skipped (apply: false in the spec)
  .  apply:web.yaml
  shop/web (specs/web.yaml): unchanged
  .  apply:worker.yaml
  shop/order-worker (specs/worker.yaml): unchanged
  $ sentinel audit
  TIME +USER +OP     CONTEXT  POD                 RESULT     SPEC               SHA256 (re)
  \S+ +\S+ +apply  fake     shop/session-cache  created    specs/cache\.yaml   [0-9a-f]{12} (re)
  \S+ +\S+ +apply  fake     shop/web            created    specs/web\.yaml     [0-9a-f]{12} (re)
  \S+ +\S+ +apply  fake     shop/order-worker   created    specs/worker\.yaml  [0-9a-f]{12} (re)
  \S+ +\S+ +apply  fake     shop/session-cache  unchanged  specs/cache\.yaml   [0-9a-f]{12} (re)
  \S+ +\S+ +apply  fake     shop/web            unchanged  specs/web\.yaml     [0-9a-f]{12} (re)
  \S+ +\S+ +apply  fake     shop/order-worker   unchanged  specs/worker\.yaml  [0-9a-f]{12} (re)
