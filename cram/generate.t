The pipeline in a copy of the repository's specs, with the two-line dodo.py a project uses.

  $ cp -r "$TESTDIR/../specs" specs
  $ cp "$TESTDIR/../dodo.py" dodo.py
  $ cat dodo.py
  # kube-sentinel pipeline: `doit list` shows the tasks (see README "Pipeline")
  from sentinel.pipeline.dodo import *  # noqa: F401,F403

The first run renders every spec (one sub-task each); prune has nothing to remove yet.

  $ doit generate
  -- prune
  .  generate:cache.yaml
  .  generate:nightly-report.yaml
  specs/nightly-report.yaml:20:3: warning: env.REPORT_TOKEN: Secret 'reports-token' is passed as environment (REPORT_TOKEN) [W106] (hint: mount the Secret as a file (a secret volume): env leaks into logs, crash dumps and child processes)
  .  generate:web.yaml
  .  generate:worker.yaml
  specs/worker.yaml:14:3: warning: env.DATABASE_URL: Secret 'order-db' is passed as environment (DATABASE_URL) [W106] (hint: mount the Secret as a file (a secret volume): env leaks into logs, crash dumps and child processes)
  $ find manifests -type f | sort
  manifests/kustomization.yaml
  manifests/shop/nightly-report.yaml
  manifests/shop/order-worker.yaml
  manifests/shop/session-cache.yaml
  manifests/shop/web.yaml

Nothing changed: the second run does nothing.

  $ doit generate
  -- prune
  -- generate:cache.yaml
  -- generate:nightly-report.yaml
  -- generate:web.yaml
  -- generate:worker.yaml

Editing one spec regenerates exactly its manifest.

  $ sed -i 's/1.27-alpine/1.28-alpine/' specs/web.yaml
  $ doit generate
  -- prune
  -- generate:cache.yaml
  -- generate:nightly-report.yaml
  .  generate:web.yaml
  -- generate:worker.yaml
  $ grep 'image:' manifests/shop/web.yaml
      image: nginxinc/nginx-unprivileged:1.28-alpine

Deleting a spec removes the manifest it had generated.

  $ rm specs/worker.yaml
  $ doit generate
  .  prune
  removed manifests/shop/order-worker.yaml (its spec is gone)
  -- generate:cache.yaml
  -- generate:nightly-report.yaml
  -- generate:web.yaml

An invalid spec fails its own sub-task with file:line:column; with --continue the others
still run, and no manifest is written for it.

  $ printf 'name: broken\nimage: busybox:1.36\nrestartPolicy: Sometimes\n' > specs/broken.yaml
  $ doit --continue generate
  -- prune
  .  generate:broken.yaml
  TaskFailed - taskid:generate:broken.yaml
  specs/broken.yaml:3:16: restartPolicy: expected one of Always, OnFailure, Never, found 'Sometimes' (hint: use one of Always, OnFailure, Never)
  
  -- generate:cache.yaml
  -- generate:nightly-report.yaml
  -- generate:web.yaml
  UnmetDependency - taskid:_kustomization
  generate:broken.yaml
  
  UnmetDependency - taskid:generate
  generate:broken.yaml _kustomization
  
  ########################################
  generate:broken.yaml <stdout>:
  
  [2]
  $ ls manifests/default 2>&1
  ls: cannot access 'manifests/default': No such file or directory
  [2]
  $ rm specs/broken.yaml

doit list shows what each task does; doit clean removes every generated manifest.

  $ doit list | grep -E '^(generate|prune|validate) '
  generate   render every spec into its Pod manifest (one sub-task per spec)
  prune      remove manifests this tool wrote for specs that were deleted or renamed
  validate   check every spec (schema, Kubernetes rules, collisions); lists every problem
  $ doit clean
  _kustomization - removing file 'manifests/kustomization.yaml'
  generate:web.yaml - removing file 'manifests/shop/web.yaml'
  generate:nightly-report.yaml - removing file 'manifests/shop/nightly-report.yaml'
  generate:cache.yaml - removing file 'manifests/shop/session-cache.yaml'
  prune - executing 'Python: function clean_stale'
  prune - removing empty folder 'manifests/shop'
  prune - removing empty folder 'manifests'
  $ ls manifests 2>&1
  ls: cannot access 'manifests': No such file or directory
  [2]
