"""Real server code, unchanged, in real workers: the standard library's servers and the
popular frameworks share their ports through the primary, as Node's ``net`` servers do.

No Node test ports these directly: they prove SPEC.md's "Sharing server ports" (any TCP
server that listens in a worker is routed without code changes) for the servers Python
users run, in the spirit of test-cluster-basic.js, test-cluster-http-pipe.js and
test-cluster-net-listen-ipv6only-false.js. Each test runs ``tests/programs/fw_*.py`` as a
primary with two workers (tests/programs/fw_common.py): the primary reports the port it
got in its 'listening' events, the test sends real HTTP requests from 127.0.0.1 or ::1
(a new connection each) until both workers have answered, and then tells the primary to
call ``cluster.disconnect()``; the program must exit 0 by itself, every worker having
exited 0 with ``exited_after_disconnect``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass

import psutil
import pytest

from support import PROGRAMS, fetch_pids

MAX_REQUESTS = 40  # enough for both workers to answer, even under SCHED_NONE
READY_TIMEOUT = 10.0


def _ipv6_works() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


IPV6 = _ipv6_works()
needs_ipv6 = pytest.mark.skipif(not IPV6, reason="this machine has no IPv6 loopback")


def hosts(*names: str) -> list[object]:
    """Bind hosts to parametrize over; "::" needs IPv6."""
    return [pytest.param(name, marks=needs_ipv6) if ":" in name else name for name in names]


@dataclass
class Served:
    lines: list[str]  # the primary's stdout (its workers' too)
    stderr: str
    workers: set[int]  # the workers' pids
    answers: list[tuple[int, int]]  # (worker pid, handler pid) for each request


def client_host_for(bind_host: str) -> str:
    return "::1" if bind_host == "::" else "127.0.0.1"


def has_family(lines: list[str], client_host: str) -> bool:
    """Some 'listening' line is of the client's own address family."""
    wanted = "6" if ":" in client_host else "4"
    return any(line.startswith("listening ") and line.split()[4] == wanted for line in lines)


def port_for(lines: list[str], client_host: str) -> int:
    """The port of a 'listening' address the client can reach (its own family first)."""
    listening = [line.split() for line in lines if line.startswith("listening ")]
    assert listening, lines
    wanted = "6" if ":" in client_host else "4"
    for _, _, _, port, address_type in listening:
        if address_type == wanted:
            return int(port)
    return int(listening[0][3])  # a dual-stack IPv6 socket reached over IPv4


def fetch(host: str, port: int) -> tuple[int, int]:
    """One GET on a new connection; the (worker pid, handler pid) that answered."""
    return fetch_pids(host, port, timeout=5)


def serve(
    program: str,
    *args: str,
    client_host: str = "127.0.0.1",
    env: dict[str, str] | None = None,
    timeout: float = 30,
) -> Served:
    """Run ``program`` as a primary, fetch from its workers until both have answered,
    then let it disconnect them; it must end with status 0 by itself."""
    stderr = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(
        [sys.executable, "-u", str(PROGRAMS / program), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env={**os.environ, **(env or {})},
    )
    watchdog = threading.Timer(timeout, proc.kill)  # the workers follow their primary
    watchdog.start()
    try:
        lines: list[str] = []
        ready = threading.Timer(READY_TIMEOUT, proc.kill)
        ready.start()
        try:
            assert proc.stdout is not None
            # Host "" makes a server bind one socket per family, and each announces
            # itself: wait past "ready" for the client's own family too.
            per_family = "" in args
            for line in proc.stdout:
                lines.append(line.rstrip("\n"))
                if "ready" in lines and (not per_family or has_family(lines, client_host)):
                    break
        finally:
            ready.cancel()
        if "ready" not in lines:
            proc.kill()
            proc.wait()
            stderr.seek(0)
            pytest.fail(f"the workers never all listened\n{lines}\n{stderr.read()}")
        workers = {int(line.split()[1]) for line in lines if line.startswith("worker ")}
        assert len(workers) == 2, lines
        port = port_for(lines, client_host)
        answers: list[tuple[int, int]] = []
        while len(answers) < MAX_REQUESTS and {w for w, _ in answers} != workers:
            answers.append(fetch(client_host, port))
        rest, _ = proc.communicate("done\n", timeout=timeout)
        lines += rest.splitlines()
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr.seek(0)
    result = Served(lines, stderr.read(), workers, answers)
    assert proc.returncode == 0, (
        f"exit status {proc.returncode}\n--- stdout\n{result.lines}\n--- stderr\n{result.stderr}"
    )
    assert "disconnected" in lines, lines
    assert {worker for worker, _ in answers} == workers, (
        f"both workers should answer: {answers} from {workers}"
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


# -- the standard library ---------------------------------------------------------------


@pytest.mark.parametrize("host", hosts("", "0.0.0.0", "127.0.0.1", "::"))
def test_socketserver_tcpserver_shares_its_port(host: str) -> None:
    """No Node test (SPEC.md, servers): socketserver.TCPServer bound to port 0 in two
    workers listens on one port chosen by the primary, and both workers serve it."""
    served = serve("fw_socketserver.py", "tcp", host, client_host=client_host_for(host))
    assert all(worker == handler for worker, handler in served.answers), served.answers


def test_socketserver_threading_tcpserver_shares_its_port() -> None:
    """No Node test (SPEC.md, servers): socketserver.ThreadingTCPServer in two workers
    on 0.0.0.0 port 0: both workers answer on the one port."""
    serve("fw_socketserver.py", "threading", "0.0.0.0")


def test_socketserver_forking_tcpserver_shares_its_port_and_leaves_no_child() -> None:
    """No Node test (SPEC.md, servers): socketserver.ForkingTCPServer in two workers:
    children forked by both workers answer, and every child is gone once the cluster
    has disconnected."""
    served = serve("fw_socketserver.py", "forking", "127.0.0.1")
    children = {handler for worker, handler in served.answers}
    assert not children & served.workers, "a forked child should answer each request"
    procs = []
    for pid in children:
        try:
            procs.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=5)
    assert not alive, f"forked children outlived their workers: {alive}"


@pytest.mark.parametrize(
    ("kind", "host"),
    [("http", "127.0.0.1"), pytest.param("http", "::", marks=needs_ipv6)]
    + [("threading", ""), ("threading", "0.0.0.0")],
)
def test_http_server_shares_its_port(kind: str, host: str) -> None:
    """No Node test (SPEC.md, servers; cf. test-cluster-http-pipe.js over TCP):
    http.server's HTTPServer and ThreadingHTTPServer in two workers serve one port."""
    serve("fw_http_server.py", kind, host, client_host=client_host_for(host))


@pytest.mark.parametrize("host", hosts("", "127.0.0.1", "::"))
def test_asyncio_start_server_shares_its_ports(host: str) -> None:
    """No Node test (SPEC.md, servers): asyncio.start_server under asyncio.run in two
    workers; with host "" asyncio binds one socket per family, and the workers share
    each one's port."""
    serve("fw_asyncio.py", "start_server", host, client_host=client_host_for(host))


@pytest.mark.parametrize("host", hosts("0.0.0.0", "::"))
def test_asyncio_loop_create_server_shares_its_port(host: str) -> None:
    """No Node test (SPEC.md, servers): loop.create_server on asyncio's default selector
    loop (run_until_complete + run_forever) in two workers serves one port."""
    serve("fw_asyncio.py", "create_server", host, client_host=client_host_for(host))


def test_socket_create_server_ipv4_shares_its_port() -> None:
    """No Node test (SPEC.md, servers): socket.create_server(('127.0.0.1', 0)) with a
    plain accept() loop in two workers serves one port."""
    serve("fw_socket.py", "v4")


@needs_ipv6
def test_socket_create_server_ipv6_shares_its_port() -> None:
    """No Node test (SPEC.md, servers): socket.create_server(('::1', 0), AF_INET6) with a
    plain accept() loop in two workers serves one IPv6 port."""
    served = serve("fw_socket.py", "v6", client_host="::1")
    assert any(line.endswith(" 6") for line in served.lines if line.startswith("listening"))


@pytest.mark.skipif(
    not (IPV6 and socket.has_dualstack_ipv6()), reason="this machine has no dual-stack IPv6"
)
def test_socket_create_server_dual_stack_is_reached_over_ipv4() -> None:
    """Like test-cluster-net-listen-ipv6only-false.js: socket.create_server(('::', 0),
    AF_INET6, dualstack_ipv6=True) in two workers is one IPV6_V6ONLY=0 socket in the
    primary, and an IPv4 client at 127.0.0.1 reaches both workers through it."""
    served = serve("fw_socket.py", "dualstack", client_host="127.0.0.1")
    listening = [line.split() for line in served.lines if line.startswith("listening")]
    assert {(fields[2], fields[4]) for fields in listening} == {("::", "6")}, listening


@pytest.mark.parametrize("host", ["", "127.0.0.1"])
def test_wsgiref_simple_server_shares_its_port(host: str) -> None:
    """No Node test (SPEC.md, servers): wsgiref.simple_server.make_server(host, 0, app)
    in two workers serves one port."""
    serve("fw_wsgiref.py", host)


# -- frameworks -----------------------------------------------------------------------------


@pytest.mark.parametrize("host", hosts("127.0.0.1", "::"))
def test_flask_development_server_shares_its_port(host: str) -> None:
    """No Node test (SPEC.md, servers): Flask's app.run(port=0) (werkzeug's threaded
    development server) in two workers serves one port."""
    serve("fw_flask.py", host, client_host=client_host_for(host))


@pytest.mark.parametrize(("kind", "host"), [("run_app", "0.0.0.0"), ("runner", "127.0.0.1")])
def test_aiohttp_shares_its_port(kind: str, host: str) -> None:
    """No Node test (SPEC.md, servers): aiohttp's web.run_app, and an AppRunner with a
    TCPSite, on port 0 in two workers serve one port."""
    serve("fw_aiohttp.py", kind, host)


@pytest.mark.parametrize("host", ["", "127.0.0.1"])
def test_tornado_shares_its_ports(host: str) -> None:
    """No Node test (SPEC.md, servers): tornado's app.listen(0, host) in two workers
    serves one port (with host "", one port for both 0.0.0.0 and [::])."""
    served = serve("fw_tornado.py", host)
    ports = {line.split()[3] for line in served.lines if line.startswith("listening")}
    assert len(ports) == 1, served.lines


def test_waitress_shares_its_port() -> None:
    """No Node test (SPEC.md, servers): waitress.serve(app, port=0) in two workers serves
    one port."""
    serve("fw_waitress.py", "0.0.0.0")


def test_uvicorn_on_asyncio_shares_its_port_round_robin() -> None:
    """No Node test (SPEC.md, servers): uvicorn.run(app, port=0, loop='asyncio') in two
    workers under SCHED_RR serves one port, the primary handing out connections."""
    served = serve("fw_uvicorn.py", "asyncio", "127.0.0.1")
    first = [worker for worker, _ in served.answers[:2]]
    assert len(set(first)) == 2, f"round-robin should alternate: {served.answers}"


def test_uvicorn_on_uvloop_shares_its_port_under_sched_none() -> None:
    """No Node test (SPEC.md, servers; SCHED_NONE as test-cluster-disconnect-leak.js):
    uvicorn with loop='uvloop' (which listens and accepts in C) in two workers under
    SCHED_NONE shares the primary's socket: 'listening' fires for each worker and both
    accept from it."""
    serve("fw_uvicorn.py", "uvloop", "127.0.0.1", env={"NODE_CLUSTER_SCHED_POLICY": "none"})
