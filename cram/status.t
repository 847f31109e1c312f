doit status shows each spec's live Pod: phase, readiness, restarts, and why it is not running.

  $ mkdir specs
  $ cp "$TESTDIR/../samples/valid/minimal.yaml" specs/hello.yaml
  $ cp "$TESTDIR/../samples/valid/http-probes.yaml" specs/api.yaml
  $ cp "$TESTDIR/../samples/valid/no-apply.yaml" specs/canary.yaml
  $ cp "$TESTDIR/../dodo.py" dodo.py
  $ doit apply --yes > /dev/null
  specs/api.yaml:2:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  specs/api.yaml:3:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/api.yaml:3:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  specs/canary.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  specs/canary.yaml:4:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/canary.yaml:4:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  specs/hello.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  specs/hello.yaml:4:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/hello.yaml:4:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" pod-status default hello --phase Running --ready
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" pod-status default api --phase Running --restarts 5 --reason CrashLoopBackOff --message "back-off 2m40s restarting failed container=api"

  $ doit status
  .  status
  POD             PHASE    READY  RESTARTS  REASON
  default/api     Running  no     5         CrashLoopBackOff: back-off 2m40s restarting failed container=api
  default/canary  -        -      -         not found (apply: false)
  default/hello   Running  yes    0

--wait polls until every Pod that apply manages is Ready; on timeout it fails naming the Pods
that are not.

  $ doit status --wait --timeout 1 --interval 0.2
  .  status
  POD             PHASE    READY  RESTARTS  REASON
  default/api     Running  no     5         CrashLoopBackOff: back-off 2m40s restarting failed container=api
  default/canary  -        -      -         not found (apply: false)
  default/hello   Running  yes    0
  TaskFailed - taskid:status
  1 Pod(s) not Ready after 1s:
  specs/api.yaml: Pod default/api: CrashLoopBackOff: back-off 2m40s restarting failed container=api
  
  [1]

  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" pod-status default api --phase Running --ready --restarts 5
  $ doit status --wait --timeout 10
  .  status
  POD             PHASE    READY  RESTARTS  REASON
  default/api     Running  yes    5
  default/canary  -        -      -         not found (apply: false)
  default/hello   Running  yes    0
  all 2 applied Pod(s) Ready
