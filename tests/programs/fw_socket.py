"""``socket.create_server`` with a plain accept loop, in two workers that share one port
(``fw_socket.py <v4|v6|dualstack>``): IPv4 on 127.0.0.1, IPv6 on ::1, and a dual-stack
IPv6 socket on ``("::", 0)`` (IPV6_V6ONLY off) that IPv4 clients reach too."""

import socket
import sys

from fw_common import http_answer, read_http_request, run_primary

import cluster

if cluster.is_primary:
    run_primary()
else:
    mode = sys.argv[1]
    if mode == "v4":
        server = socket.create_server(("127.0.0.1", 0))
    elif mode == "v6":
        server = socket.create_server(("::1", 0), family=socket.AF_INET6)
    else:
        server = socket.create_server(("::", 0), family=socket.AF_INET6, dualstack_ipv6=True)
    while True:
        conn, _ = server.accept()
        with conn, conn.makefile("rb") as rfile:
            read_http_request(rfile)
            conn.sendall(http_answer())
