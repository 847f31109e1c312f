The lifecycle of a Pod: create, update in place, recreate, prune. A project id (written by
`sentinel init`) labels every Pod, so orphans can be told from Pods the project never made.

  $ mkdir specs
  $ cp "$TESTDIR/../dodo.py" dodo.py
  $ echo 'project = "demo-0123abcd"' > sentinel.toml
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" namespace demo
  $ spec() { printf 'name: %s\nnamespace: demo\nimage: nginxinc/nginx-unprivileged:1.27\n' "$1"; }
  $ spec fe > specs/fe.yaml; printf 'labels:\n  v: one\n' >> specs/fe.yaml
  $ spec wk > specs/wk.yaml; printf 'env:\n  LEVEL: info\n' >> specs/wk.yaml
  $ spec same > specs/same.yaml
  $ spec old > specs/old.yaml
  $ spec off > specs/off.yaml; echo 'apply: false' >> specs/off.yaml
  $ doit apply --yes > /dev/null
  specs/fe.yaml:3:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/fe.yaml:3:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  specs/off.yaml:3:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/off.yaml:3:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  specs/old.yaml:3:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/old.yaml:3:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  specs/same.yaml:3:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/same.yaml:3:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  specs/wk.yaml:3:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/wk.yaml:3:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)

A Pod made by hand is not the project's: it is never listed or touched.

  $ kubectl run byhand --image=busybox:1.36 -n demo
  pod/byhand created

Now change the specs: a label (a Pod takes it in place), an env value (it cannot), a new spec,
and a deleted one. `doit plan` says what apply would do, Pod by Pod, and changes nothing.

  $ sed -i 's/v: one/v: two/' specs/fe.yaml
  $ sed -i 's/LEVEL: info/LEVEL: debug/' specs/wk.yaml
  $ spec new > specs/new.yaml
  $ rm specs/old.yaml
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" clear-requests
  $ doit plan
  .  generate:fe.yaml
  specs/fe.yaml:3:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/fe.yaml:3:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  .  generate:new.yaml
  specs/new.yaml:3:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/new.yaml:3:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  -- generate:off.yaml
  -- generate:same.yaml
  .  generate:wk.yaml
  specs/wk.yaml:3:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/wk.yaml:3:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  .  plan
  demo/fe (specs/fe.yaml): update: labels
  demo/new (specs/new.yaml): create
  demo/off (specs/off.yaml): skipped (apply: false)
  demo/old: delete (orphan: no spec maps to it)
  demo/same (specs/same.yaml): unchanged
  demo/wk (specs/wk.yaml): recreate: env changes (a Pod cannot change it in place)
  plan for context 'fake': 1 to create, 1 to update, 1 to recreate, 1 to delete, 1 unchanged, 1 skipped, 0 error(s)
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" requests --writes
  PATCH /api/v1/namespaces/demo/pods/fe dryRun 200
  PATCH /api/v1/namespaces/demo/pods/new dryRun 201
  PATCH /api/v1/namespaces/demo/pods/same dryRun 200
  PATCH /api/v1/namespaces/demo/pods/wk dryRun 422
  PATCH /api/v1/namespaces/demo/pods/fe dryRun 200
  PATCH /api/v1/namespaces/demo/pods/new dryRun 201
  PATCH /api/v1/namespaces/demo/pods/same dryRun 200

`doit status` lists the orphan as such.

  $ doit status
  .  status
  POD        PHASE    READY  RESTARTS  REASON
  demo/fe    Pending  no     0         ContainerCreating
  demo/new   -        -      -         not found
  demo/off   -        -      -         not found (apply: false)
  demo/same  Pending  no     0         ContainerCreating
  demo/wk    Pending  no     0         ContainerCreating
  demo/old   Pending  no     0         orphan: no spec maps to it (doit apply --prune deletes it)
  1 orphan Pod(s): this project's, but no spec applies them; `doit apply --prune` deletes them

The prompt is the plan: every change by kind, with the context and namespaces. Refused, it
changes nothing.

  $ python "$TESTDIR/../tests/fakes/on_tty.py" n doit apply --prune
  -- generate:fe.yaml
  -- generate:new.yaml
  -- generate:off.yaml
  -- generate:same.yaml
  -- generate:wk.yaml
  .  apply
  demo/fe (specs/fe.yaml): update: labels
  demo/new (specs/new.yaml): create
  demo/off (specs/off.yaml): skipped (apply: false)
  demo/old: delete (orphan: no spec maps to it)
  demo/same (specs/same.yaml): unchanged
  demo/wk (specs/wk.yaml): recreate: env changes (a Pod cannot change it in place)
  plan for context 'fake': 1 to create, 1 to update, 1 to recreate, 1 to delete, 1 unchanged, 1 skipped, 0 error(s)
  Apply to context 'fake' \(http://127\.0\.0\.1:\d+\), namespace\(s\): demo (re)
    create 1 Pod: demo/new
    update (in place) 1 Pod: demo/fe \xe2\x80\x94 labels (esc)
    recreate 1 Pod (delete, then create): demo/wk \xe2\x80\x94 env changed (esc)
    delete 1 Pod (prune): demo/old \xe2\x80\x94 orphan: no spec maps to it (esc)
  Proceed? [y/N] n
  TaskFailed - taskid:apply
  apply not confirmed; nothing was changed
    hint: run `doit apply --prune --yes` to confirm without a prompt
  
  [1]
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" pods
  demo/byhand
  demo/fe
  demo/old
  demo/same
  demo/wk

Answered `y`, it recreates wk (delete, wait until it is gone, create), updates fe, creates new
and prunes old. The hand-made Pod stays.

  $ python "$TESTDIR/../tests/fakes/on_tty.py" y doit apply --prune
  -- generate:fe.yaml
  -- generate:new.yaml
  -- generate:off.yaml
  -- generate:same.yaml
  -- generate:wk.yaml
  .  apply
  demo/fe (specs/fe.yaml): update: labels
  demo/new (specs/new.yaml): create
  demo/off (specs/off.yaml): skipped (apply: false)
  demo/old: delete (orphan: no spec maps to it)
  demo/same (specs/same.yaml): unchanged
  demo/wk (specs/wk.yaml): recreate: env changes (a Pod cannot change it in place)
  plan for context 'fake': 1 to create, 1 to update, 1 to recreate, 1 to delete, 1 unchanged, 1 skipped, 0 error(s)
  Apply to context 'fake' \(http://127\.0\.0\.1:\d+\), namespace\(s\): demo (re)
    create 1 Pod: demo/new
    update (in place) 1 Pod: demo/fe \xe2\x80\x94 labels (esc)
    recreate 1 Pod (delete, then create): demo/wk \xe2\x80\x94 env changed (esc)
    delete 1 Pod (prune): demo/old \xe2\x80\x94 orphan: no spec maps to it (esc)
  Proceed? [y/N] y
  demo/fe (specs/fe.yaml): configured (labels changed)
  demo/new (specs/new.yaml): created
  demo/wk (specs/wk.yaml): recreated (env changed)
  demo/old: deleted (pruned, orphan: no spec maps to it)
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" pods
  demo/byhand
  demo/fe
  demo/new
  demo/same
  demo/wk
  $ doit plan | tail -n 1
  plan for context 'fake': 0 to create, 0 to update, 0 to recreate, 0 to delete, 4 unchanged, 1 skipped, 0 error(s)

Every change is audited with its action.

  $ sentinel audit | tail -n +5 | sed -E 's/^[0-9T:+-]+ +//; s/^[^ ]+ +(apply|delete) /\1 /'
  apply   fake     demo/wk    created     specs/wk.yaml    2b2b87ed36a3
  apply   fake     demo/fe    configured  specs/fe.yaml    7c3f4021f3b5
  apply   fake     demo/new   created     specs/new.yaml   eb77e9c5c524
  apply   fake     demo/wk    recreated   specs/wk.yaml    3eb9ee71101f
  delete  fake     demo/old   deleted
  demo/fe: labels changed
  demo/wk: env changed
  demo/old: pruned, orphan: no spec maps to it

Without a project id there is no safe way to tell orphans: `--prune` is refused.

  $ rm sentinel.toml
  $ doit apply --yes --prune
  .  generate:fe.yaml
  specs/fe.yaml:3:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/fe.yaml:3:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  .  generate:new.yaml
  specs/new.yaml:3:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/new.yaml:3:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  .  generate:off.yaml
  specs/off.yaml:3:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/off.yaml:3:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  .  generate:same.yaml
  specs/same.yaml:3:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/same.yaml:3:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  .  generate:wk.yaml
  specs/wk.yaml:3:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/wk.yaml:3:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  .  apply
  TaskFailed - taskid:apply
  --prune needs a project id: without one, Pods of deleted specs cannot be told from Pods this project never made; nothing was changed
    hint: add `project = "<name>-<8 hex digits>"` to sentinel.toml (new projects get one from `sentinel init`)
  
  [1]
