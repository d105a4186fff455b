"""gevent's and eventlet's servers, unchanged, in two workers that share one port
(issue 13): ``green_server.py <server> <placement> <commands|signal>``.

``server``: ``gevent-pywsgi`` (``gevent.pywsgi.WSGIServer(...).serve_forever()``),
``gevent-stream`` (``gevent.server.StreamServer``) or ``eventlet-wsgi``
(``eventlet.wsgi.server(eventlet.listen(...), app)``). ``placement``: where the
library's monkey-patching runs: ``top`` (the program's first lines, before
``import cluster``: primary and workers both run it, as gevent's docs recommend),
``worker`` (only in the worker's branch, after ``import cluster``) or ``none`` (no
patching: the library's own socket classes). The primary's side and the last argument:
tests/programs/green_common.py.
"""

import sys

SERVER, PLACEMENT, MODE = sys.argv[1:4]
LIBRARY = SERVER.split("-")[0]

if PLACEMENT == "top":
    if LIBRARY == "gevent":
        from gevent import monkey

        monkey.patch_all()
    else:
        import eventlet

        eventlet.monkey_patch()

# After the patching, on purpose (green_common imports cluster too).
from green_common import patch, run_primary, serve  # noqa: E402

import cluster  # noqa: E402

if cluster.is_primary:
    run_primary(MODE)
else:
    if PLACEMENT == "worker":
        patch(LIBRARY)
    serve(SERVER)
