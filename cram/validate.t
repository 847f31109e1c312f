Validate the gallery of valid specs: every file passes, the summary comes last.

  $ cd "$TESTDIR/../samples"
  $ sentinel validate valid
  valid/apparmor.yaml:4:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/apparmor.yaml:5:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/apparmor.yaml:5:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/apparmor.yaml:13:5: warning: containers[0].resources.limits.memory: container 'writer' has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/apparmor.yaml:13:5: warning: containers[0].resources.requests: container 'writer' requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/baseline-profile.yaml:6:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/baseline-profile.yaml:7:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/baseline-profile.yaml:7:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/baseline-profile.yaml:15:1: warning: probes.readiness: the main container has ports but no readiness probe [W103] (hint: add probes.readiness so traffic only reaches it once it is ready)
  valid/certificates.yaml:8:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/certificates.yaml:8:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/certificates.yaml:11:1: warning: probes.readiness: the main container has ports but no readiness probe [W103] (hint: add probes.readiness so traffic only reaches it once it is ready)
  valid/command-args.yaml:5:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/command-args.yaml:5:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/custom-output.yaml:5:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/custom-output.yaml:5:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/env-refs.yaml:2:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/env-refs.yaml:3:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/env-refs.yaml:3:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/env-refs.yaml:7:3: warning: env.DB_PASSWORD: Secret 'billing-db' is passed as environment (DB_PASSWORD) [W106] (hint: mount the Secret as a file (a secret volume): env leaks into logs, crash dumps and child processes)
  valid/exec-probe.yaml:2:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/exec-probe.yaml:3:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/exec-probe.yaml:3:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/file-modes.yaml:7:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/file-modes.yaml:7:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/http-probes.yaml:2:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/http-probes.yaml:3:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/http-probes.yaml:3:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/image-volume.yaml:7:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/image-volume.yaml:7:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/image-volume.yaml:9:1: warning: probes.readiness: the main container has ports but no readiness probe [W103] (hint: add probes.readiness so traffic only reaches it once it is ready)
  valid/image-volume.yaml:19:5: warning: sidecars[0].resources.limits.memory: sidecar 'tokenizer' has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/image-volume.yaml:19:5: warning: sidecars[0].resources.requests: sidecar 'tokenizer' requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/minimal.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/minimal.yaml:4:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/minimal.yaml:4:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/mount-twice.yaml:6:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/mount-twice.yaml:6:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/mount-twice.yaml:7:1: warning: probes.readiness: the main container has ports but no readiness probe [W103] (hint: add probes.readiness so traffic only reaches it once it is ready)
  valid/no-apply.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/no-apply.yaml:4:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/no-apply.yaml:4:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/pid-limit.yaml:7:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/pid-limit.yaml:15:5: warning: sidecars[0].resources.requests: sidecar 'cache-proxy' requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/placement.yaml:8:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/placement.yaml:8:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/pod-resources.yaml:7:1: warning: probes.readiness: the main container has ports but no readiness probe [W103] (hint: add probes.readiness so traffic only reaches it once it is ready)
  valid/projected-volumes.yaml:11:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/resize-policy.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/resources.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/scheduling.yaml:5:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/scheduling.yaml:5:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/sidecars.yaml:8:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/sidecars.yaml:8:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/sidecars.yaml:26:5: warning: initContainers[0].resources.limits.memory: init container 'migrate' has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/sidecars.yaml:26:5: warning: initContainers[0].resources.requests: init container 'migrate' requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/sidecars.yaml:31:9: warning: initContainers[0].envFrom[0]: Secret 'shop-db' is passed as environment (envFrom) [W106] (hint: mount the Secret as a file (a secret volume) instead of envFrom)
  valid/sidecars.yaml:54:5: warning: containers[0].resources.limits.memory: container 'exporter' has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/sidecars.yaml:54:5: warning: containers[0].resources.requests: container 'exporter' requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/sidecars.yaml:59:5: warning: containers[0].probes.readiness: container 'exporter' has ports but no readiness probe [W103] (hint: add probes.readiness so traffic only reaches it once it is ready)
  valid/supplemental-groups.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/supplemental-groups.yaml:4:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/supplemental-groups.yaml:4:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/tcp-probe.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/tcp-probe.yaml:4:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/tcp-probe.yaml:4:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/tcp-probe.yaml:22:3: warning: env.POSTGRESQL_PASSWORD: Secret 'postgres' is passed as environment (POSTGRESQL_PASSWORD) [W106] (hint: mount the Secret as a file (a secret volume): env leaks into logs, crash dumps and child processes)
  valid/threshold-toleration.yaml:7:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/threshold-toleration.yaml:7:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/threshold-toleration.yaml:8:1: warning: probes.readiness: the main container has ports but no readiness probe [W103] (hint: add probes.readiness so traffic only reaches it once it is ready)
  valid/user-namespace.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/user-namespace.yaml:4:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/user-namespace.yaml:4:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/volumes.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/volumes.yaml:4:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/volumes.yaml:4:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  all 29 specs valid (76 warnings)

A folder and a file can be mixed; each spec is counted once.

  $ sentinel validate valid valid/minimal.yaml
  valid/apparmor.yaml:4:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/apparmor.yaml:5:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/apparmor.yaml:5:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/apparmor.yaml:13:5: warning: containers[0].resources.limits.memory: container 'writer' has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/apparmor.yaml:13:5: warning: containers[0].resources.requests: container 'writer' requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/baseline-profile.yaml:6:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/baseline-profile.yaml:7:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/baseline-profile.yaml:7:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/baseline-profile.yaml:15:1: warning: probes.readiness: the main container has ports but no readiness probe [W103] (hint: add probes.readiness so traffic only reaches it once it is ready)
  valid/certificates.yaml:8:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/certificates.yaml:8:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/certificates.yaml:11:1: warning: probes.readiness: the main container has ports but no readiness probe [W103] (hint: add probes.readiness so traffic only reaches it once it is ready)
  valid/command-args.yaml:5:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/command-args.yaml:5:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/custom-output.yaml:5:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/custom-output.yaml:5:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/env-refs.yaml:2:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/env-refs.yaml:3:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/env-refs.yaml:3:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/env-refs.yaml:7:3: warning: env.DB_PASSWORD: Secret 'billing-db' is passed as environment (DB_PASSWORD) [W106] (hint: mount the Secret as a file (a secret volume): env leaks into logs, crash dumps and child processes)
  valid/exec-probe.yaml:2:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/exec-probe.yaml:3:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/exec-probe.yaml:3:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/file-modes.yaml:7:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/file-modes.yaml:7:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/http-probes.yaml:2:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/http-probes.yaml:3:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/http-probes.yaml:3:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/image-volume.yaml:7:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/image-volume.yaml:7:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/image-volume.yaml:9:1: warning: probes.readiness: the main container has ports but no readiness probe [W103] (hint: add probes.readiness so traffic only reaches it once it is ready)
  valid/image-volume.yaml:19:5: warning: sidecars[0].resources.limits.memory: sidecar 'tokenizer' has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/image-volume.yaml:19:5: warning: sidecars[0].resources.requests: sidecar 'tokenizer' requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/minimal.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/minimal.yaml:4:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/minimal.yaml:4:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/mount-twice.yaml:6:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/mount-twice.yaml:6:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/mount-twice.yaml:7:1: warning: probes.readiness: the main container has ports but no readiness probe [W103] (hint: add probes.readiness so traffic only reaches it once it is ready)
  valid/no-apply.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/no-apply.yaml:4:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/no-apply.yaml:4:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/pid-limit.yaml:7:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/pid-limit.yaml:15:5: warning: sidecars[0].resources.requests: sidecar 'cache-proxy' requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/placement.yaml:8:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/placement.yaml:8:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/pod-resources.yaml:7:1: warning: probes.readiness: the main container has ports but no readiness probe [W103] (hint: add probes.readiness so traffic only reaches it once it is ready)
  valid/projected-volumes.yaml:11:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/resize-policy.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/resources.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/scheduling.yaml:5:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/scheduling.yaml:5:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/sidecars.yaml:8:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/sidecars.yaml:8:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/sidecars.yaml:26:5: warning: initContainers[0].resources.limits.memory: init container 'migrate' has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/sidecars.yaml:26:5: warning: initContainers[0].resources.requests: init container 'migrate' requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/sidecars.yaml:31:9: warning: initContainers[0].envFrom[0]: Secret 'shop-db' is passed as environment (envFrom) [W106] (hint: mount the Secret as a file (a secret volume) instead of envFrom)
  valid/sidecars.yaml:54:5: warning: containers[0].resources.limits.memory: container 'exporter' has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/sidecars.yaml:54:5: warning: containers[0].resources.requests: container 'exporter' requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/sidecars.yaml:59:5: warning: containers[0].probes.readiness: container 'exporter' has ports but no readiness probe [W103] (hint: add probes.readiness so traffic only reaches it once it is ready)
  valid/supplemental-groups.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/supplemental-groups.yaml:4:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/supplemental-groups.yaml:4:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/tcp-probe.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/tcp-probe.yaml:4:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/tcp-probe.yaml:4:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/tcp-probe.yaml:22:3: warning: env.POSTGRESQL_PASSWORD: Secret 'postgres' is passed as environment (POSTGRESQL_PASSWORD) [W106] (hint: mount the Secret as a file (a secret volume): env leaks into logs, crash dumps and child processes)
  valid/threshold-toleration.yaml:7:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/threshold-toleration.yaml:7:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/threshold-toleration.yaml:8:1: warning: probes.readiness: the main container has ports but no readiness probe [W103] (hint: add probes.readiness so traffic only reaches it once it is ready)
  valid/user-namespace.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/user-namespace.yaml:4:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/user-namespace.yaml:4:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  valid/volumes.yaml:3:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  valid/volumes.yaml:4:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  valid/volumes.yaml:4:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  all 29 specs valid (76 warnings)

--json prints a machine-readable report on stdout instead.

  $ sentinel validate --json valid/minimal.yaml valid/custom-output.yaml
  {
    "counts": {
      "files": 2,
      "invalid": 0,
      "valid": 2,
      "warnings": 5
    },
    "files": [
      {
        "file": "valid/custom-output.yaml",
        "problems": [
          {
            "code": "W102",
            "column": 1,
            "field": "resources.limits.memory",
            "file": "valid/custom-output.yaml",
            "hint": "set resources.limits.memory so a leak cannot starve the node",
            "line": 5,
            "message": "the main container has no memory limit",
            "severity": "warning"
          },
          {
            "code": "W101",
            "column": 1,
            "field": "resources.requests",
            "file": "valid/custom-output.yaml",
            "hint": "set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it",
            "line": 5,
            "message": "the main container requests no cpu or memory",
            "severity": "warning"
          }
        ],
        "valid": true
      },
      {
        "file": "valid/minimal.yaml",
        "problems": [
          {
            "code": "W105",
            "column": 1,
            "field": "namespace",
            "file": "valid/minimal.yaml",
            "hint": "set namespace: to a namespace of its own (quotas, RBAC and clean-up per app)",
            "line": 3,
            "message": "the Pod goes to the 'default' namespace",
            "severity": "warning"
          },
          {
            "code": "W102",
            "column": 1,
            "field": "resources.limits.memory",
            "file": "valid/minimal.yaml",
            "hint": "set resources.limits.memory so a leak cannot starve the node",
            "line": 4,
            "message": "the main container has no memory limit",
            "severity": "warning"
          },
          {
            "code": "W101",
            "column": 1,
            "field": "resources.requests",
            "file": "valid/minimal.yaml",
            "hint": "set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it",
            "line": 4,
            "message": "the main container requests no cpu or memory",
            "severity": "warning"
          }
        ],
        "valid": true
      }
    ],
    "summary": "all 2 specs valid (5 warnings)",
    "valid": true
  }

A path that does not exist is a usage error (exit 2), not a validation failure.

  $ sentinel validate valid/nope.yaml
  error: valid/nope.yaml: no such file or folder
    hint: check the path
  [2]
