"""A worker without servers, for ``python -m cluster --ready online``: it only waits."""

import os
import threading

print(f"waiting {os.getpid()}", flush=True)
threading.Event().wait()
