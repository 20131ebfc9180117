"""``python -m ttnc_pipeline``: the ``ttnc`` command line (see :mod:`ttnc_pipeline.cli`)."""

from __future__ import annotations

import sys

from ttnc_pipeline.cli import main

if __name__ == "__main__":
    sys.exit(main())
