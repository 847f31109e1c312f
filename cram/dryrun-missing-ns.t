A dry run into a namespace that does not exist: that Pod fails with a message naming the spec
file and the Pod and saying how to fix it; the Pod in an existing namespace still passes.

  $ mkdir specs
  $ cp "$TESTDIR/../samples/valid/minimal.yaml" specs/hello.yaml
  $ printf 'name: refunds\nnamespace: payments\nimage: ghcr.io/example/refunds:3.1.0\n' > specs/refunds.yaml
  $ cp "$TESTDIR/../dodo.py" dodo.py

  $ doit dryrun
  .  generate:hello.yaml
  specs/hello.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  specs/hello.yaml:4:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/hello.yaml:4:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  .  generate:refunds.yaml
  specs/refunds.yaml:3:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/refunds.yaml:3:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  .  dryrun:hello.yaml
  default/hello (specs/hello.yaml): create (server dry run)
  .  dryrun:refunds.yaml
  TaskFailed - taskid:dryrun:refunds.yaml
  specs/refunds.yaml: Pod payments/refunds: namespace "payments" does not exist
    hint: create it (kubectl create namespace payments) or change 'namespace' in the spec
  
  [1]

Only the failed Pod is tried again; the one that passed is up to date.

  $ doit dryrun
  -- generate:hello.yaml
  -- generate:refunds.yaml
  -- dryrun:hello.yaml
  .  dryrun:refunds.yaml
  TaskFailed - taskid:dryrun:refunds.yaml
  specs/refunds.yaml: Pod payments/refunds: namespace "payments" does not exist
    hint: create it (kubectl create namespace payments) or change 'namespace' in the spec
  
  [1]

Once the namespace exists, it passes.

  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" namespace payments
  $ doit dryrun
  -- generate:hello.yaml
  -- generate:refunds.yaml
  -- dryrun:hello.yaml
  .  dryrun:refunds.yaml
  payments/refunds (specs/refunds.yaml): create (server dry run)
