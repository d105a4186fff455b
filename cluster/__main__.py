"""``python -m cluster``: see :mod:`cluster._cli`."""

import sys

from ._cli import main

sys.exit(main())
