"""Everything that talks to a cluster: running kubectl, mapping its outcomes, the audit log.

This is the only package that starts processes. ``kubectl`` finds and runs the binary,
``outcomes`` turns its output into per-manifest results and ``sentinel.errors`` classes,
``batch`` runs one kubectl per namespace, ``status`` reads live Pods, ``audit`` records changes.
"""
