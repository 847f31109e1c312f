"""kube-sentinel: strictyaml Pod specs → validated, secure-by-default manifests → kubectl."""

from __future__ import annotations

__version__ = "0.1.0"

# Bumped whenever rendered output changes for the same spec; doit's up-to-date check keys on it,
# so upgrading the generator regenerates every manifest.
GENERATOR_VERSION = f"{__version__}+render1"
