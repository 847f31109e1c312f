Render one spec: the manifest goes to stdout, secure by default (restricted profile).

  $ sentinel render "$TESTDIR/../samples/valid/minimal.yaml"
  apiVersion: v1
  kind: Pod
  metadata:
    name: hello
    namespace: default
    labels:
      app.kubernetes.io/name: hello
      app.kubernetes.io/managed-by: kube-sentinel
  spec:
    containers:
    - name: hello
      image: nginxinc/nginx-unprivileged:1.27
      securityContext:
        allowPrivilegeEscalation: false
        capabilities:
          drop:
          - ALL
    automountServiceAccountToken: false
    securityContext:
      runAsNonRoot: true
      seccompProfile:
        type: RuntimeDefault

Rendering is deterministic: the same spec gives the same bytes.

  $ sentinel render "$TESTDIR/../samples/valid/resources.yaml" > first.yaml
  $ sentinel render "$TESTDIR/../samples/valid/resources.yaml" | cmp - first.yaml

An invalid spec prints its problems and no manifest (exit 1).

  $ printf 'name: web\nimage: busybox:1.36\nrestartPolicy: Sometimes\n' > bad.yaml
  $ sentinel render bad.yaml
  bad.yaml:3:16: restartPolicy: expected one of Always, OnFailure, Never, found 'Sometimes' (hint: use one of Always, OnFailure, Never)
  bad.yaml: invalid, no manifest written
  [1]

A folder is not a spec file (exit 2).

  $ mkdir specs
  $ sentinel render specs
  error: specs is a folder; render takes one spec file
    hint: run 'sentinel validate specs' to check a folder
  [2]
