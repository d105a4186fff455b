"""A worker's entry point: ``python cluster/_bootstrap.py <script | -m module> [args]``.

Run as a file so that it needs no import path of its own: it puts the directory that
holds the ``cluster`` package first on ``sys.path`` (in place of this file's own
directory), imports the package, which connects to the primary, and runs the program.
"""

import os
import sys

_package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if sys.path and sys.path[0] == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]
sys.path.insert(0, _package_parent)

from cluster._child import run_worker  # noqa: E402

run_worker(sys.argv[1:])
