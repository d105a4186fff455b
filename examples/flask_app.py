"""A Flask application in every worker, started with ``app.run()`` as usual.

Run it, then ``curl http://localhost:8000``.
"""

import os

from flask import Flask

import cluster

process = cluster.process
port = int(os.environ.get("PORT", 8000))
app = Flask(__name__)


@app.get("/")
def hello():
    return f"Hello from worker {process.pid}\n"


if cluster.is_primary:
    print(f"Primary {process.pid} is running")
    for _ in range(cluster.available_parallelism()):
        cluster.fork()
    cluster.on("listening", lambda worker, address: print(f"worker {worker.id} on {address.port}"))
else:
    app.run(host="127.0.0.1", port=port)
