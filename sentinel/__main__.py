"""``python -m sentinel`` runs the CLI."""

from __future__ import annotations

import sys

from sentinel.cli import main

sys.exit(main())
