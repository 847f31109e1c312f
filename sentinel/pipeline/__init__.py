"""The doit pipeline: task creators that turn spec files into manifests and manifests into Pods.

``sentinel.pipeline.dodo`` is what a project's ``dodo.py`` star-imports. Importing this package is
cheap on purpose (no strictyaml, pydantic or kubectl): doit imports it on every run, and the
no-op run must cost little more than doit itself.
"""
