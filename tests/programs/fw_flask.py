"""Flask's development server (``app.run``: werkzeug, threaded), unchanged, in two
workers that share one port (``fw_flask.py <host>``)."""

import logging
import sys

from fw_common import identity, run_primary

import cluster

if cluster.is_primary:
    run_primary()
else:
    from flask import Flask

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = Flask(__name__)

    @app.route("/")
    def index():
        return identity()

    app.run(host=sys.argv[1], port=0, debug=False, use_reloader=False)
