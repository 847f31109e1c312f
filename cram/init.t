sentinel init starts a project: example specs, a commented sentinel.toml, the two-line dodo.py.

  $ sentinel init shop
  wrote shop/specs/web.yaml
  wrote shop/specs/worker.yaml
  wrote shop/dodo.py
  wrote shop/sentinel.toml
  next:
    cd shop && sentinel validate    check the specs
    cd shop && doit generate        write their manifests under manifests/
    cd shop && doit list            every pipeline task (dryrun, apply, status, ...)
  $ cat shop/dodo.py
  # kube-sentinel pipeline: `doit list` shows the tasks (see README "Pipeline")
  from sentinel.pipeline.dodo import *  # noqa: F401,F403
  $ grep -A1 'specs_dir' shop/sentinel.toml
  # specs_dir = "specs"
  

The starter project works as it is.

  $ cd shop
  $ sentinel validate
  specs/worker.yaml:14:3: warning: env.DATABASE_URL: Secret 'order-db' is passed as environment (DATABASE_URL) [W106] (hint: mount the Secret as a file (a secret volume): env leaks into logs, crash dumps and child processes)
  all 2 specs valid (1 warning)
  $ doit generate
  -- prune
  .  generate:web.yaml
  .  generate:worker.yaml
  specs/worker.yaml:14:3: warning: env.DATABASE_URL: Secret 'order-db' is passed as environment (DATABASE_URL) [W106] (hint: mount the Secret as a file (a secret volume): env leaks into logs, crash dumps and child processes)
  $ find manifests -type f | sort
  manifests/kustomization.yaml
  manifests/shop/order-worker.yaml
  manifests/shop/web.yaml

Running it again refuses to overwrite anything (exit 1) and writes nothing...

  $ echo '# my notes' >> specs/web.yaml
  $ sentinel init
  error: specs/web.yaml already exists
  error: specs/worker.yaml already exists
  error: dodo.py already exists
  error: sentinel.toml already exists
  nothing written; use --force to overwrite these files
  [1]
  $ tail -n 1 specs/web.yaml
  # my notes

...unless told to with --force.

  $ sentinel init --force
  wrote specs/web.yaml
  wrote specs/worker.yaml
  wrote dodo.py
  wrote sentinel.toml
  next:
    sentinel validate    check the specs
    doit generate        write their manifests under manifests/
    doit list            every pipeline task (dryrun, apply, status, ...)
  $ tail -n 1 specs/web.yaml
      mountPath: /tmp
