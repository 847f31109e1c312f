A spec with several mistakes: every problem is reported in one run, each with file:line:column,
the field and a fix hint; the summary comes last and the exit code is 1.

  $ cd "$TESTDIR/../samples"
  $ sentinel validate invalid/many-problems.yaml
  invalid/many-problems.yaml:2:7: name: 'checkout-' is not a valid DNS-1123 label (hint: use at most 63 lowercase letters, digits and '-', starting and ending alphanumeric)
  invalid/many-problems.yaml:3:12: namespace: 'Shop' is not a valid DNS-1123 label (hint: use at most 63 lowercase letters, digits and '-', starting and ending alphanumeric)
  invalid/many-problems.yaml:5:16: restartPolicy: expected one of Always, OnFailure, Never, found 'always' (hint: values are case-sensitive: write Always)
  invalid/many-problems.yaml:8:20: ports[0].containerPort: must be \xe2\x89\xa4 65535, found 80800 (hint: use a value \xe2\x89\xa4 65535) (esc)
  invalid/many-problems.yaml:9:11: ports[1].name: port name 'http' is used twice (hint: give each port its own name)
  invalid/many-problems.yaml:13:13: resources.requests.memory: request 2Gi (2147483648) is above the limit 1Gi (1073741824) (hint: lower the request or raise limits.memory to at least 2Gi)
  invalid/many-problems.yaml:20:23: probes.liveness.successThreshold: must be 1 for a liveness probe (hint: set successThreshold: 1 or remove it)
  invalid/many-problems.yaml:21:13: runAsGroup: must be \xe2\x89\xa5 0, found -5 (hint: use a value \xe2\x89\xa5 0) (esc)
  invalid/many-problems.yaml:23:5: volumes[0]: a volume needs exactly one of emptyDir, configMap, secret, persistentVolumeClaim, downwardAPI, projected, ephemeral, image, hostPath (found: none) (hint: keep exactly one of emptyDir, configMap, secret, persistentVolumeClaim, downwardAPI, projected, ephemeral, image, hostPath)
  1 spec invalid, 0 valid
  [1]

Valid and invalid files together: the invalid ones are listed, the valid ones counted.

  $ sentinel validate invalid/unknown-key-typo.yaml valid/minimal.yaml valid/resources.yaml
  invalid/unknown-key-typo.yaml:4:1: imagePullpolicy: unknown key 'imagePullpolicy' (hint: did you mean 'imagePullPolicy'?)
  invalid/unknown-key-typo.yaml:7:5: ports[0].contanerPort: unknown key 'contanerPort' (hint: did you mean 'containerPort'?)
  valid/minimal.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/minimal.yaml:4:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/minimal.yaml:4:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/resources.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  1 spec invalid, 2 valid (4 warnings)
  [1]

--json gives the same findings to programs; the exit code is the same.

  $ sentinel validate --json invalid/unknown-key-typo.yaml > "$CRAMTMP/report.json"
  [1]
  $ python -c 'import json, os; r = json.load(open(os.environ["CRAMTMP"] + "/report.json")); print(r["summary"]); print(r["files"][0]["problems"][0])'
  1 spec invalid, 0 valid
  {'column': 1, 'field': 'imagePullpolicy', 'file': 'invalid/unknown-key-typo.yaml', 'hint': "did you mean 'imagePullPolicy'?", 'line': 4, 'message': "unknown key 'imagePullpolicy'", 'severity': 'error'}

A warning is shown but does not fail validation.

  $ cd "$CRAMTMP"
  $ printf 'name: worker\nimage: busybox:1.36\nenv:\n  queue.name: orders\n' > worker.yaml
  $ sentinel validate worker.yaml
  worker.yaml:1:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  worker.yaml:2:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  worker.yaml:2:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  worker.yaml:4:3: warning: env['queue.name']: 'queue.name' is not a C identifier; older Kubernetes versions reject it [W100] (hint: use only letters, digits and '_', not starting with a digit)
  all 1 spec valid (4 warnings)

Two specs for the same Pod collide; both files are named.

  $ cp "$TESTDIR/../samples/valid/minimal.yaml" a.yaml
  $ cp "$TESTDIR/../samples/valid/minimal.yaml" b.yaml
  $ sentinel validate a.yaml b.yaml
  a.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  a.yaml:4:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  a.yaml:4:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  b.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  b.yaml:3:7: name: Pod default/hello is also defined by a.yaml (hint: rename the Pod in one of a.yaml and b.yaml)
  b.yaml:3:7: name: manifest default/hello.yaml is also written by a.yaml (hint: set a different output_path in a.yaml or b.yaml)
  b.yaml:4:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  b.yaml:4:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  1 spec invalid, 1 valid (6 warnings)
  [1]

Files that are not specs at all get one clear line each, never a traceback.

  $ : > empty.yaml
  $ head -c 64 /dev/zero > zeros.yaml
  $ sentinel validate empty.yaml zeros.yaml
  empty.yaml: file is empty (hint: write at least 'name: <pod name>' and 'image: <image>')
  zeros.yaml:1: binary file (contains NUL bytes), not a YAML spec (hint: spec files are UTF-8 text; check that this is the right file)
  2 specs invalid, 0 valid
  [1]
