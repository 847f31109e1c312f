"""What a project's ``dodo.py`` star-imports: every pipeline task creator plus ``DOIT_CONFIG``.

A project's ``dodo.py`` is two lines (``sentinel init`` writes it)::

    # kube-sentinel pipeline: `doit list` shows the tasks
    from sentinel.pipeline.dodo import *  # noqa: F401,F403

Keep this module a list of imports: each task module adds one import line here. There is no
``__all__`` on purpose, so a new import line is exported without a second edit; helpers are
imported under private names so they are not.
"""

from __future__ import annotations

from sentinel.pipeline.cluster import (  # noqa: F401
    dryrun_batch_tasks,
    task_apply,
    task_delete,
    task_diff,
    task_dryrun,
    task_plan,
    task_status,
)
from sentinel.pipeline.generate import task_generate, task_validate  # noqa: F401
from sentinel.pipeline.settings import doit_config as _doit_config
from sentinel.pipeline.settings import pipeline_settings as _pipeline_settings

DOIT_CONFIG = _doit_config(_pipeline_settings())
