"""socketserver's TCPServer, ThreadingTCPServer and ForkingTCPServer, unchanged, in two
workers that share one port (``fw_socketserver.py <tcp|threading|forking> <host>``).

A forking server's children answer the requests; the worker closes its copy of each
connection at once, so a graceful disconnect does not wait for them, and each child
ends by itself after its one request.
"""

import socketserver
import sys

from fw_common import family_for, http_answer, read_http_request, run_primary

import cluster

if cluster.is_primary:
    run_primary()
else:
    kind, host = sys.argv[1], sys.argv[2]
    base = {
        "tcp": socketserver.TCPServer,
        "threading": socketserver.ThreadingTCPServer,
        "forking": socketserver.ForkingTCPServer,
    }[kind]

    class Server(base):
        address_family = family_for(host)
        allow_reuse_address = True

    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            read_http_request(self.rfile)
            self.wfile.write(http_answer())

    with Server((host, 0), Handler) as server:
        server.serve_forever()
