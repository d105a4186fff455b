"""wsgiref.simple_server serving a WSGI app, unchanged, in two workers that share one
port (``fw_wsgiref.py <host>``)."""

import sys
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from fw_common import family_for, identity, run_primary

import cluster

if cluster.is_primary:
    run_primary()
else:
    host = sys.argv[1]

    class Server(WSGIServer):
        address_family = family_for(host)

    class Quiet(WSGIRequestHandler):
        def log_message(self, format, *args):
            pass

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [identity().encode()]

    make_server(host, 0, app, server_class=Server, handler_class=Quiet).serve_forever()
