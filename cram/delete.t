Deleting is confirmed like applying: refused without --yes, done with it, and audited.

  $ mkdir specs
  $ cp "$TESTDIR/../samples/valid/minimal.yaml" specs/hello.yaml
  $ cp "$TESTDIR/../samples/valid/no-apply.yaml" specs/canary.yaml
  $ cp "$TESTDIR/../dodo.py" dodo.py
  $ doit apply --yes > /dev/null
  specs/canary.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  specs/canary.yaml:4:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/canary.yaml:4:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  specs/hello.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  specs/hello.yaml:4:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/hello.yaml:4:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" pods
  default/hello

  $ doit delete
  -- generate:canary.yaml
  -- generate:hello.yaml
  .  delete
  default/canary (specs/canary.yaml): skipped (apply: false in the spec)
  TaskFailed - taskid:delete
  refusing to delete without confirmation (no terminal to ask on); nothing was changed.
  Delete 1 Pod(s) in context 'fake', namespace(s): default
    default: hello
    hint: run `doit delete --yes` to confirm without a prompt
  
  [1]
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" pods
  default/hello

  $ doit delete --yes
  -- generate:canary.yaml
  -- generate:hello.yaml
  .  delete
  default/canary (specs/canary.yaml): skipped (apply: false in the spec)
  default/hello (specs/hello.yaml): deleted
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" pods
  $ sentinel audit
  TIME +USER +OP      CONTEXT  POD            RESULT   SPEC              SHA256 (re)
  \S+ +\S+ +apply   fake     default/hello  created  specs/hello\.yaml  [0-9a-f]{12} (re)
  \S+ +\S+ +delete  fake     default/hello  deleted  specs/hello\.yaml  [0-9a-f]{12} (re)
