A server-side dry run of the repository's specs against the cluster in KUBECONFIG: kubectl sends
each Pod with dryRun=All, one kubectl per namespace, and nothing is created.

  $ cp -r "$TESTDIR/../specs" specs
  $ cp "$TESTDIR/../dodo.py" dodo.py
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" namespace shop

doit regenerates the manifests the dry run depends on, then reports each Pod.

  $ doit dryrun
  .  generate:cache.yaml
  .  generate:nightly-report.yaml
  specs/nightly-report.yaml:20:3: warning: env.REPORT_TOKEN: Secret 'reports-token' is passed as environment (REPORT_TOKEN) [W106] (hint: mount the Secret as a file (a secret volume): env leaks into logs, crash dumps and child processes)
  .  generate:web.yaml
  .  generate:worker.yaml
  specs/worker.yaml:14:3: warning: env.DATABASE_URL: Secret 'order-db' is passed as environment (DATABASE_URL) [W106] (hint: mount the Secret as a file (a secret volume): env leaks into logs, crash dumps and child processes)
  .  dryrun:cache.yaml
  shop/session-cache (specs/cache.yaml): create (server dry run)
  .  dryrun:nightly-report.yaml
  shop/nightly-report (specs/nightly-report.yaml): create (server dry run)
  .  dryrun:web.yaml
  shop/web (specs/web.yaml): create (server dry run)
  .  dryrun:worker.yaml
  shop/order-worker (specs/worker.yaml): create (server dry run)

Nothing was created; the cluster only saw dry-run writes.

  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" pods
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" requests --writes
  PATCH /api/v1/namespaces/shop/pods/session-cache dryRun 201
  PATCH /api/v1/namespaces/shop/pods/nightly-report dryRun 201
  PATCH /api/v1/namespaces/shop/pods/web dryRun 201
  PATCH /api/v1/namespaces/shop/pods/order-worker dryRun 201

Nothing changed, same context: up to date, kubectl does not touch the cluster.

  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" requests --writes | wc -l
  4
  $ doit dryrun
  -- generate:cache.yaml
  -- generate:nightly-report.yaml
  -- generate:web.yaml
  -- generate:worker.yaml
  -- dryrun:cache.yaml
  -- dryrun:nightly-report.yaml
  -- dryrun:web.yaml
  -- dryrun:worker.yaml
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" requests --writes | wc -l
  4

An edit re-runs only the changed Pod. Client mode is a task parameter (or the dryrun_mode setting).

  $ sed -i 's/nginx-unprivileged:1.27-alpine/nginx-unprivileged:1.28-alpine/' specs/web.yaml
  $ doit dryrun
  -- generate:cache.yaml
  -- generate:nightly-report.yaml
  .  generate:web.yaml
  -- generate:worker.yaml
  -- dryrun:cache.yaml
  -- dryrun:nightly-report.yaml
  .  dryrun:web.yaml
  shop/web (specs/web.yaml): create (server dry run)
  -- dryrun:worker.yaml
  $ doit dryrun --mode client
  -- generate:cache.yaml
  -- generate:nightly-report.yaml
  -- generate:web.yaml
  -- generate:worker.yaml
  .  dryrun:cache.yaml
  shop/session-cache (specs/cache.yaml): created (client dry run)
  .  dryrun:nightly-report.yaml
  shop/nightly-report (specs/nightly-report.yaml): created (client dry run)
  .  dryrun:web.yaml
  shop/web (specs/web.yaml): created (client dry run)
  .  dryrun:worker.yaml
  shop/order-worker (specs/worker.yaml): created (client dry run)
