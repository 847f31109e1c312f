Import an existing Pod manifest (here a Pod example of the Kubernetes documentation): the spec
goes to stdout, with a comment saying what was dropped and what kube-sentinel adds.

  $ C="$TESTDIR/../tests/corpus/kubernetes-website"
  $ sentinel import "$C/pods/probe/tcp-liveness-readiness.yaml"
  # Imported by 'sentinel import' from Pod/goproxy (line 1).
  # security: baseline, because as written it would not pass restricted:
  #   spec.containers[0]: no evidence it runs as non-root (image registry.k8s.io/goproxy:0.1): set runAsNonRoot: true or a non-zero runAsUser to import it as restricted
  # Capabilities: kube-sentinel drops ALL, so these containers, which may run as root, keep the
  # container runtime's default capabilities that baseline allows in capabilities.add (images
  # that start as root and switch user, like nginx or redis, need SETUID, SETGID, CHOWN, ...;
  # NET_RAW, also a runtime default, is not allowed under baseline).
  # Trim each list to what the image needs:
  #   spec.containers[0] (goproxy)
  # Dropped (added by the server, or a Kubernetes default):
  #   spec.containers[0].livenessProbe.periodSeconds (Kubernetes default 10)
  #   spec.containers[0].readinessProbe.periodSeconds (Kubernetes default 10)
  # kube-sentinel adds when rendering:
  #   metadata.labels["app.kubernetes.io/managed-by"]: 'kube-sentinel' (kube-sentinel's label, by which it finds its Pods)
  #   metadata.namespace: 'default' (the namespace made explicit)
  #   spec.containers[0].ports[0].protocol: 'TCP' (the default protocol (TCP) made explicit)
  #   spec.containers[0].securityContext.allowPrivilegeEscalation: false (hardening: no privilege escalation)
  #   spec.containers[0].securityContext.capabilities.add: [AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT] (the container runtime's default capabilities that baseline allows, which the container had: kept, since kube-sentinel drops ALL)
  #   spec.containers[0].securityContext.capabilities.drop: [ALL] (hardening: every capability dropped)
  #   spec.automountServiceAccountToken: false (no service-account token unless the spec names an account)
  #   spec.securityContext.seccompProfile.type: 'RuntimeDefault' (hardening: RuntimeDefault seccomp profile)
  name: goproxy
  image: registry.k8s.io/goproxy:0.1
  ports:
  - containerPort: 8080
  probes:
    liveness:
      tcp:
        port: 8080
      initialDelaySeconds: 15
    readiness:
      tcp:
        port: 8080
      initialDelaySeconds: 15
  securityContext:
    capabilities:
      add:
      - AUDIT_WRITE
      - CHOWN
      - DAC_OVERRIDE
      - FOWNER
      - FSETID
      - KILL
      - MKNOD
      - NET_BIND_SERVICE
      - SETFCAP
      - SETGID
      - SETPCAP
      - SETUID
      - SYS_CHROOT
  security: baseline

With -o the spec is written atomically; it loads and renders like any hand-written spec, and
import never overwrites.

  $ sentinel import "$C/pods/probe/tcp-liveness-readiness.yaml" -o specs/goproxy.yaml
  wrote specs/goproxy.yaml
  $ sentinel validate specs/goproxy.yaml
  specs/goproxy.yaml:22:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  specs/goproxy.yaml:23:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/goproxy.yaml:23:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  all 1 spec valid (3 warnings)
  $ sentinel render specs/goproxy.yaml | grep -A4 readinessProbe
      readinessProbe:
        tcpSocket:
          port: 8080
        initialDelaySeconds: 15
      livenessProbe:
  $ sentinel import "$C/pods/probe/tcp-liveness-readiness.yaml" -o specs/goproxy.yaml
  error: specs/goproxy.yaml already exists
  nothing written; remove it or choose another path (import never overwrites)
  [1]

--explain shows what the round trip changes: what was dropped, and the hardening added.

  $ sentinel import --explain "$C/pods/storage/pv-pod.yaml"
  Pod/task-pv-pod (line 1) -> spec 'task-pv-pod', security: baseline
    why baseline:
      spec.containers[0]: no evidence it runs as non-root (image nginx): set runAsNonRoot: true or a non-zero runAsUser to import it as restricted
    capabilities.add keeps the container runtime's defaults that baseline allows (they may run as root; kube-sentinel drops ALL):
      spec.containers[0] (task-pv-container)
    added by kube-sentinel when rendering:
      metadata.namespace: 'default' (the namespace made explicit)
      metadata.labels["app.kubernetes.io/name"]: 'task-pv-pod' (kube-sentinel's label, by which it finds its Pods)
      metadata.labels["app.kubernetes.io/managed-by"]: 'kube-sentinel' (kube-sentinel's label, by which it finds its Pods)
      spec.containers[0].ports[0].protocol: 'TCP' (the default protocol (TCP) made explicit)
      spec.containers[0].securityContext.allowPrivilegeEscalation: false (hardening: no privilege escalation)
      spec.containers[0].securityContext.capabilities.add: [AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT] (the container runtime's default capabilities that baseline allows, which the container had: kept, since kube-sentinel drops ALL)
      spec.containers[0].securityContext.capabilities.drop: [ALL] (hardening: every capability dropped)
      spec.automountServiceAccountToken: false (no service-account token unless the spec names an account)
      spec.securityContext.seccompProfile.type: 'RuntimeDefault' (hardening: RuntimeDefault seccomp profile)
    round trip: rendering the spec gives back this Pod, except what is listed above

A field no spec key holds is never lost silently: the import names it and fails (exit 1), and
writes nothing.

  $ cp "$C/pods/pod-nginx-specific-node.yaml" node.yaml
  $ sentinel import node.yaml -o specs/nginx.yaml
  node.yaml: Pod/nginx (line 2): cannot be imported without loss:
    spec.nodeName: not expressible in a spec (was 'foo-node')
  nothing written; run with --allow-loss to import it anyway (the lost fields are listed in the spec's comment)
  [1]
  $ ls specs
  goproxy.yaml

--allow-loss imports it anyway, with the lost field in the comment.

  $ sentinel import --allow-loss node.yaml -o specs/nginx.yaml
  warning: node.yaml: Pod/nginx (line 2): 1 field(s) not imported, listed in the spec's comment
  wrote specs/nginx.yaml
  $ sed -n '/NOT IMPORTED/,/^#   spec.nodeName/p' specs/nginx.yaml
  # NOT IMPORTED as written (a spec cannot express them; imported with --allow-loss):
  #   spec.nodeName: not expressible in a spec (was 'foo-node')
  $ sentinel validate specs
  specs/goproxy.yaml:22:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  specs/goproxy.yaml:23:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/goproxy.yaml:23:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  specs/nginx.yaml:21:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  specs/nginx.yaml:22:1: warning: image: image 'nginx' has no tag (means :latest); the same spec can run different code [W104] (hint: pin a version tag (e.g. :1.27) or a digest (@sha256:...))
  specs/nginx.yaml:22:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  specs/nginx.yaml:22:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  all 2 specs valid (7 warnings)

Order is part of what a Pod does: init containers run one after the other. A spec renders its
init containers first, then its sidecars, so a native sidecar listed before a plain init
container cannot keep its place, and the import says so.

  $ cat > sidecar-first.yaml <<'EOF'
  > apiVersion: v1
  > kind: Pod
  > metadata:
  >   name: app
  > spec:
  >   securityContext:
  >     runAsUser: 1000
  >   initContainers:
  >   - name: proxy
  >     image: envoyproxy/envoy:v1.31.0
  >     restartPolicy: Always
  >   - name: migrate
  >     image: example.com/app:1.0
  >   containers:
  >   - name: app
  >     image: example.com/app:1.0
  > EOF
  $ sentinel import sidecar-first.yaml
  sidecar-first.yaml: Pod/app (line 1): cannot be imported without loss:
    spec.initContainers[0]: a sidecar listed before init container 'migrate': a spec renders init containers first, then sidecars
  nothing written; run with --allow-loss to import it anyway (the lost fields are listed in the spec's comment)
  [1]

A workload imports its Pod template; several documents import every Pod into a folder, and
other kinds are skipped by name.

  $ sentinel import "$C/controllers/nginx-deployment.yaml" | head -6
  # Imported by 'sentinel import' from Deployment/nginx-deployment (line 1, spec.template).
  # Workload fields left out (a spec describes the Pod):
  #   metadata.labels (the workload's own: the spec keeps the Pod template's metadata)
  #   spec.replicas
  #   spec.selector
  #   metadata.name: named 'nginx' after the template's app.kubernetes.io/name label
  $ { cat "$C/pods/pod-rs.yaml"; echo ---; cat "$C/application/web/web.yaml"; } > several.yaml
  $ sentinel import --allow-loss several.yaml -o imported/
  several.yaml: Service/nginx (document 3, line 36): not a Pod or a workload with a Pod template, skipped
  warning: several.yaml: StatefulSet/web (document 4, line 50, spec.template): 1 field(s) not imported, listed in the spec's comment
  wrote imported/pod1.yaml
  wrote imported/pod2.yaml
  wrote imported/web.yaml
  $ ls imported
  pod1.yaml
  pod2.yaml
  web.yaml

Bad input: not YAML or no Pod (exit 1), a missing file (exit 2); never a traceback.

  $ printf 'kind: Pod\nmetadata: [oops\n' | sentinel import -
  <stdin>:3:1: not valid YAML: did not find expected ',' or ']' (hint: check the indentation and quoting around this line)
  <stdin>: not imported, nothing written
  [1]
  $ printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n' | sentinel import -
  <stdin>: no Pod or workload Pod template found (ConfigMap/c (line 1): not a Pod or a workload with a Pod template, skipped) (hint: give a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or CronJob manifest, or the output of 'kubectl get pod NAME -o yaml')
  <stdin>: not imported, nothing written
  [1]
  $ sentinel import missing.yaml
  error: missing.yaml: no such file
    hint: give the path of a manifest
  [2]

What `kubectl get pod -o yaml` returns (here from the loopback test API) imports too: status and
the server's bookkeeping are dropped and listed, and the spec is the one that was applied.

  $ sentinel render specs/goproxy.yaml | kubectl apply --server-side --field-manager kube-sentinel -f - >/dev/null
  $ kubectl get pod goproxy -o yaml | sentinel import - > from-cluster.yaml
  $ grep -E '^#   (status|metadata\.(uid|resourceVersion|managedFields|creationTimestamp))' from-cluster.yaml
  #   status (set by the server)
  #   metadata.uid (set by the server)
  #   metadata.resourceVersion (set by the server)
  #   metadata.creationTimestamp (set by the server)
  $ diff <(sed '/^#/d' from-cluster.yaml) <(sed '/^#/d' specs/goproxy.yaml)
