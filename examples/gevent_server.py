"""A gevent WSGI server in every worker, monkey-patched first, as gevent's docs say.

Run it, then ``curl http://localhost:8000``.
"""

from gevent import monkey

monkey.patch_all()

import os  # noqa: E402 - after the patch, as gevent asks

from gevent.pywsgi import WSGIServer  # noqa: E402

import cluster  # noqa: E402

port = int(os.environ.get("PORT", 8000))


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"Hello from worker {os.getpid()}\n".encode()]


if cluster.is_primary:
    print(f"Primary {os.getpid()} is running")
    for _ in range(cluster.available_parallelism()):
        cluster.fork()
    cluster.on("listening", lambda worker, address: print(f"worker {worker.id} on {address.port}"))
else:
    WSGIServer(("127.0.0.1", port), app, log=None).serve_forever()
