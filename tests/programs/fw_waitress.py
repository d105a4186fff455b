"""waitress, unchanged, in two workers that share one port (``fw_waitress.py <host>``)."""

import sys

from fw_common import identity, run_primary

import cluster

if cluster.is_primary:
    run_primary()
else:
    import waitress

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [identity().encode()]

    waitress.serve(app, host=sys.argv[1], port=0, threads=2, _quiet=True)
