Production advice: a valid spec can still do things that hurt in production. Each piece of advice
is a warning with a stable code (W100-W106, see the README), the line it is about and a hint;
it never fails validate (unless --strict) and never changes the manifest.

  $ cat > api.yaml <<'YAML'
  > name: api
  > image: nginx
  > ports:
  >   - name: http
  >     containerPort: 8080
  > env:
  >   DB_PASSWORD:
  >     secretKeyRef:
  >       name: api-db
  >       key: password
  > YAML
  $ sentinel validate api.yaml
  api.yaml:1:1: warning: namespace: the Pod goes to the 'default' namespace [W105] (hint: set namespace: to a namespace of its own (quotas, RBAC and clean-up per app))
  api.yaml:2:1: warning: image: image 'nginx' has no tag (means :latest); the same spec can run different code [W104] (hint: pin a version tag (e.g. :1.27) or a digest (@sha256:...))
  api.yaml:2:1: warning: resources.limits.memory: the main container has no memory limit [W102] (hint: set resources.limits.memory so a leak cannot starve the node)
  api.yaml:2:1: warning: resources.requests: the main container requests no cpu or memory [W101] (hint: set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler reserves room for it)
  api.yaml:3:1: warning: probes.readiness: the main container has ports but no readiness probe [W103] (hint: add probes.readiness so traffic only reaches it once it is ready)
  api.yaml:7:3: warning: env.DB_PASSWORD: Secret 'api-db' is passed as environment (DB_PASSWORD) [W106] (hint: mount the Secret as a file (a secret volume): env leaks into logs, crash dumps and child processes)
  all 1 spec valid (6 warnings)

--json carries each warning's code.

  $ sentinel validate --json api.yaml | python3 -c 'import json, sys; print([(p["code"], p["line"], p["field"]) for f in json.load(sys.stdin)["files"] for p in f["problems"]])'
  [('W105', 1, 'namespace'), ('W104', 2, 'image'), ('W102', 2, 'resources.limits.memory'), ('W101', 2, 'resources.requests'), ('W103', 3, 'probes.readiness'), ('W106', 7, 'env.DB_PASSWORD')]

--strict (or the strict setting, SENTINEL_STRICT) makes warnings fail like errors.

  $ sentinel validate --strict api.yaml 2>&1 | tail -n 1
  1 spec invalid, 0 valid (6 warnings; strict: warnings fail)
  $ sentinel validate --strict api.yaml 2>/dev/null
  [1]
  $ SENTINEL_STRICT=true sentinel validate api.yaml 2>/dev/null
  [1]

Fixing what is worth fixing and silencing the rest with ignore: makes the spec pass, strict too.

  $ cat > api.yaml <<'YAML'
  > name: api
  > namespace: shop
  > image: nginx:1.27
  > ports:
  >   - name: http
  >     containerPort: 8080
  > probes:
  >   readiness:
  >     http:
  >       path: /healthz
  >       port: http
  > resources:
  >   requests:
  >     memory: 64Mi
  >   limits:
  >     memory: 128Mi
  > env:
  >   DB_PASSWORD:
  >     secretKeyRef:
  >       name: api-db
  >       key: password
  > ignore:
  >   - W106
  > YAML
  $ sentinel validate --strict api.yaml
  all 1 spec valid

An unknown code in ignore: is an error, with a did-you-mean.

  $ printf 'name: w\nnamespace: jobs\nimage: busybox:1.36\nignore:\n  - W016\n' > typo.yaml
  $ sentinel validate typo.yaml
  typo.yaml:5:5: ignore[0]: unknown advice code 'W016' in ignore (hint: did you mean 'W106'? (secret-in-env))
  1 spec invalid, 0 valid
  [1]

In CI, --format github prints the advice as GitHub Actions warning annotations, titled with
the code.

  $ printf 'name: w\nnamespace: jobs\nimage: busybox\nresources:\n  requests:\n    cpu: 10m\n  limits:\n    memory: 32Mi\n' > w.yaml
  $ sentinel validate --format github w.yaml
  ::warning file=w.yaml,line=3,col=1,title=W104::image: image 'busybox' has no tag (means :latest); the same spec can run different code (hint: pin a version tag (e.g. :1.27) or a digest (@sha256:...))
  all 1 spec valid (1 warning)
