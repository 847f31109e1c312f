# kube-sentinel pipeline: `doit list` shows the tasks (see README "Pipeline")
from sentinel.pipeline.dodo import *  # noqa: F401,F403
