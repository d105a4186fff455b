"""Port of test-cluster-net-listen-ipv6only-false.js: three workers listen on :: port 0
dual-stack (IPV6_V6ONLY off, Node's default); they share one port and report the same
address, and an IPv4 client reaches it through 127.0.0.1. The primary then disconnects
the workers, which exit 0."""

import socket
import threading

import cluster
from must import in_thread, must_call

WORKERS = 3

if cluster.is_primary:
    addresses = []
    workers = []
    all_listening = threading.Event()

    def watch(worker):
        def on_listening(address):
            addresses.append(address)
            assert address == addresses[0], addresses
            if len(addresses) == WORKERS:
                all_listening.set()

        def on_exit(code, signal):
            assert (code, signal) == (0, None), (code, signal)

        worker.on("listening", must_call(on_listening))
        worker.on("exit", must_call(on_exit))
        workers.append(worker)

    def connect_over_ipv4():
        assert all_listening.wait(20), "the workers did not all listen"
        assert addresses[0].address_type == 6, addresses[0]
        with socket.create_connection(("127.0.0.1", addresses[0].port), timeout=10):
            pass
        for worker in workers:
            worker.disconnect()

    for _ in range(WORKERS):
        watch(cluster.fork())
    in_thread(connect_over_ipv4)
else:
    server = socket.create_server(("::", 0), family=socket.AF_INET6, dualstack_ipv6=True)
