"""``python -m ttnc_pipeline.sandbox``: see :func:`ttnc_pipeline.sandbox.cli.main`."""

from __future__ import annotations

import sys

from ttnc_pipeline.sandbox.cli import main

if __name__ == "__main__":
    sys.exit(main())
