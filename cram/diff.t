After an edit, doit diff shows how the live Pod differs from the new manifest (and succeeds);
the cluster is not changed.

  $ mkdir specs
  $ cp "$TESTDIR/../samples/valid/minimal.yaml" specs/hello.yaml
  $ cp "$TESTDIR/../samples/valid/http-probes.yaml" specs/api.yaml
  $ cp "$TESTDIR/../dodo.py" dodo.py
  $ doit apply --yes > /dev/null
  specs/api.yaml:2:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  specs/api.yaml:3:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/api.yaml:3:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  specs/hello.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  specs/hello.yaml:4:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/hello.yaml:4:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  $ doit diff
  -- generate:api.yaml
  -- generate:hello.yaml
  .  diff
  default/api (specs/api.yaml): same
  default/hello (specs/hello.yaml): same

  $ sed -i 's/nginx-unprivileged:1.27/nginx-unprivileged:1.28/' specs/hello.yaml
  $ doit diff 2>&1 | sed -E 's#/tmp/[^ ]*/(LIVE|MERGED)-[0-9]+#\1#g; s#\t.*##'
  -- generate:api.yaml
  .  generate:hello.yaml
  specs/hello.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  specs/hello.yaml:4:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/hello.yaml:4:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  .  diff
  diff -u -N LIVE/v1.Pod.default.hello MERGED/v1.Pod.default.hello
  --- LIVE/v1.Pod.default.hello
  +++ MERGED/v1.Pod.default.hello
  @@ -12,7 +12,7 @@
   spec:
     automountServiceAccountToken: false
     containers:
  -  - image: nginxinc/nginx-unprivileged:1.27
  +  - image: nginxinc/nginx-unprivileged:1.28
       name: hello
       securityContext:
         allowPrivilegeEscalation: false
  default/api (specs/api.yaml): same
  default/hello (specs/hello.yaml): differs
  $ python "$TESTDIR/../tests/fakes/kube_ctl.py" requests --writes | tail -2
  PATCH /api/v1/namespaces/default/pods/api dryRun 200
  PATCH /api/v1/namespaces/default/pods/hello dryRun 200
