"""Servers in workers: listen routing, shared ports, round-robin and SCHED_NONE, bind
errors, closing servers, UDP, Unix sockets; and the worker lifecycle with a listening
server.

Ports of Node's ``test-cluster-*`` tests of the ``servers`` area of
/work/shared/NODE-TESTS.md, and of the ``life`` tests whose worker listens. Each test runs
a real primary (``tests/programs/servers_*.py``) that forks real workers, whose servers
are plain stdlib code (``socket.create_server``, ``http.server``, ``socketserver``,
``asyncio``) routed through the primary; every program checks itself and exits 0.
"""

from __future__ import annotations

import socket

import pytest

from support import assert_ok, free_port, run_program

TIMEOUT = 15


def run_ok(name: str, *args: str) -> list[str]:
    return assert_ok(run_program(name, *args, timeout=TIMEOUT))


def free_port_on_both_stacks() -> int:
    """A port free (right now) for IPv6 and for IPv4 alike."""
    with socket.socket(socket.AF_INET6) as sock:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(("::", 0))
        return int(sock.getsockname()[1])


def port_42_is_privileged() -> bool:
    try:
        with open("/proc/sys/net/ipv4/ip_unprivileged_port_start") as start:
            return int(start.read()) > 42
    except FileNotFoundError:
        return True


# -- listening: ports and addresses ------------------------------------------------------


def test_listening_event_carries_the_real_port_for_port_zero() -> None:
    """Ports test-cluster-listening-port.js: a worker listening on port 0 makes the
    primary's 'listening' carry the real port, a positive int."""
    lines = run_ok("servers_listening_port.py")
    assert lines[0].startswith("listening on port ")


def test_listen_without_an_address_works_in_a_worker() -> None:
    """Ports test-cluster-net-listen.js: a worker's socket that listens without being
    bound, or bound to ("", 0), listens, and the worker exits 0."""
    run_ok("servers_listen_unbound.py")


def test_worker_backlog_reaches_the_primary_listening_socket() -> None:
    """Ports test-cluster-net-listen-backlog.js: under round-robin the primary listens
    with the backlog the worker gave to listen()."""
    run_ok("servers_listen_backlog.py")


def test_dual_stack_workers_share_a_port_reachable_over_ipv4() -> None:
    """Ports test-cluster-net-listen-ipv6only-false.js: workers listening dual-stack on ::
    port 0 share one port and address, and an IPv4 client reaches it."""
    run_ok("servers_dual_stack.py")


@pytest.mark.parametrize("policy", ["none", "rr"])
def test_v6only_workers_leave_the_ipv4_side_of_their_port_free(policy: str) -> None:
    """Ports sequential/test-cluster-net-listen-ipv6only-none.js (``none``) and
    sequential/test-cluster-net-listen-ipv6only-rr.js (``rr``): workers on :: with
    IPV6_V6ONLY all report (::, port, 6), and the primary can still bind 0.0.0.0 there."""
    run_ok("servers_ipv6only.py", policy, str(free_port_on_both_stacks()))


# -- bind errors ---------------------------------------------------------------------------


@pytest.mark.parametrize("policy", ["rr", "none"])
def test_listen_on_a_privileged_port_fails_with_eacces(policy: str) -> None:
    """Ports test-cluster-bind-privileged-port.js (``rr``) and
    test-cluster-shared-handle-bind-privileged-port.js (``none``): without the right to
    bind low ports, a worker's listen on port 42 raises EACCES; the worker exits 0."""
    if not port_42_is_privileged():
        pytest.skip("port 42 is not privileged on this host (ip_unprivileged_port_start)")
    lines = run_ok("servers_bind_privileged_port.py", policy)
    assert lines == ["worker: EACCES"]


def test_second_cluster_binding_a_taken_port_gets_eaddrinuse() -> None:
    """Ports test-cluster-bind-twice.js: of two clusters under one supervisor, the second
    one's worker listening on the port the first one's worker serves gets EADDRINUSE."""
    lines = run_ok("servers_bind_twice.py", str(free_port()))
    assert lines == ["supervisor: done"]


def test_bind_error_under_sched_none_reaches_the_worker() -> None:
    """Ports test-cluster-shared-handle-bind-error.js: under SCHED_NONE, a port the
    primary's own server holds gives the worker EADDRINUSE; it exits 0."""
    run_ok("servers_bind_in_use_none.py")


def test_listen_succeeds_on_retry_once_the_port_is_released() -> None:
    """Ports test-cluster-eaddrinuse.js: a worker's listen on a port the primary holds
    fails with EADDRINUSE, and succeeds on that port once the primary lets it go."""
    run_ok("servers_retry_after_in_use.py")


def test_unix_path_in_use_error_reaches_the_primary_with_its_errno() -> None:
    """Ports test-cluster-eaccess.js: a worker listening on a Unix path that its own child
    process holds gets EADDRINUSE, and the OSError sent to the primary keeps its errno."""
    lines = run_ok("servers_unix_in_use.py")
    assert lines == ["primary got EADDRINUSE"]


def test_worker_disconnects_from_its_listen_error_handler() -> None:
    """Ports test-cluster-worker-disconnect-on-error.js: under SCHED_NONE, a worker whose
    listen fails (the primary's own server has the port) disconnects itself from the
    error handler and exits 0."""
    run_ok("servers_disconnect_on_error.py")


# -- closing and reopening servers ---------------------------------------------------------


def test_worker_reopening_tcp_servers_on_port_zero_keeps_its_servers_apart() -> None:
    """Ports test-cluster-child-index-net.js: a worker closing and reopening TCP servers on
    port 0 gets every one bound and announced, and exits 0."""
    run_ok("servers_child_index.py", "tcp")


def test_worker_rebinding_udp_sockets_on_port_zero_keeps_its_sockets_apart() -> None:
    """Ports test-cluster-child-index-dgram.js: a worker closing and rebinding UDP sockets
    on port 0 gets every one bound and announced, and exits 0."""
    run_ok("servers_child_index.py", "udp")


@pytest.mark.parametrize("policy", ["none", "rr"])
def test_worker_closes_and_listens_again_while_another_listens(policy: str) -> None:
    """Ports test-cluster-server-restart-none.js (``none``) and
    test-cluster-server-restart-rr.js (``rr``): a second worker closes its server and
    listens on port 0 again (getting the first worker's port each time); both exit 0."""
    run_ok("servers_restart.py", policy)


def test_closing_the_last_round_robin_server_closes_the_primary_socket() -> None:
    """Ports test-cluster-rr-handle-close.js: once a worker closes its only round-robin
    server, the primary's socket on that port is closed too; the worker exits 0."""
    run_ok("servers_rr_close.py")


def test_asyncio_server_close_completes_under_round_robin() -> None:
    """Ports test-cluster-rr-ref.js: a worker's asyncio server closes and wait_closed()
    returns; the primary then kills the worker."""
    run_ok("servers_rr_asyncio_close.py")


def test_connection_handed_to_a_server_closed_before_taking_it_is_dropped() -> None:
    """Ports test-cluster-worker-handle-close.js: a connection handed to a worker whose
    server then closes without taking it is closed (no other worker can take it)."""
    run_ok("servers_closed_server_drops.py")


def test_accept_failure_in_the_primary_drops_only_that_connection() -> None:
    """Ports test-cluster-accept-fail.js: when the primary's accept() fails, the client's
    connection is dropped, nothing reaches the worker, and its server closes normally."""
    run_ok("servers_accept_fail.py")


# -- connections spread over workers --------------------------------------------------------


def test_worker_declining_a_connection_passes_it_to_another() -> None:
    """Ports test-cluster-net-server-drop-connection.js: over a Unix socket, workers that
    decline connections past their limit (0, 1, 9) by closing their server leave them to
    the others: of 10 connections they take exactly 0, 1 and 9."""
    run_ok("servers_decline_connection.py")


def test_disconnecting_workers_with_a_client_connected_leaves_nothing_behind() -> None:
    """Ports test-cluster-shared-leak.js: under SCHED_NONE, disconnecting a listening worker
    and a newly forked one while a client is connected ends with both exiting 0."""
    run_ok("servers_shared_leak.py")


# -- UDP -------------------------------------------------------------------------------------


def test_workers_share_one_udp_socket_and_split_the_datagrams() -> None:
    """Ports test-cluster-dgram-1.js: four workers binding UDP port 0 share one socket, and
    of 40 datagrams each worker handles exactly 10."""
    lines = run_ok("servers_dgram_shared.py")
    assert lines == ["exit 0 None"] * 4


def test_workers_udp_sockets_bound_through_the_cluster_send_to_the_primary() -> None:
    """Ports test-cluster-dgram-2.js: workers' explicitly bound UDP sockets (one shared
    port) deliver 40 datagrams to the primary, which then disconnects them all."""
    result = run_program("servers_dgram_send.py", timeout=TIMEOUT)
    assert "primary received 40 packets" in assert_ok(result)
    # Counted in the whole output: lines that workers write at once may interleave.
    assert result.stdout.count("sends 10 packets") == 4, result.stdout


def test_udp_socket_of_the_primary_handed_to_workers_is_read_by_all() -> None:
    """Ports test-cluster-dgram-bind-fd.js: a UDP socket the primary bound and sent to four
    workers is read by all of them, 10 datagrams each."""
    run_ok("servers_dgram_bind_fd.py")


def test_v6only_and_ipv4_udp_sockets_share_a_port_in_a_worker() -> None:
    """Ports test-cluster-dgram-ipv6only.js: a worker binds a v6-only UDP socket on :: and
    a UDP socket on 0.0.0.0 to the same port."""
    run_ok("servers_dgram_ipv6only.py")


def test_two_reuseaddr_udp_sockets_share_a_port_in_a_worker() -> None:
    """Ports test-cluster-dgram-reuse.js: a worker binds two SO_REUSEADDR UDP sockets to
    the same port."""
    run_ok("servers_dgram_reuse.py")


# -- Unix sockets ------------------------------------------------------------------------------


def test_http_server_on_a_unix_socket_serves_over_its_path() -> None:
    """Ports test-cluster-http-pipe.js: a worker's HTTP server on a Unix socket path answers
    a request made over that path, whose connection has no peer address."""
    run_ok("servers_http_unix.py")


def test_worker_unix_socket_file_can_be_opened_to_everyone() -> None:
    """Ports test-cluster-listen-pipe-readable-writable.js: the socket file of a worker's
    Unix server can be made mode 0777, and is removed once the server is gone."""
    run_ok("servers_unix_mode.py")


def test_relative_unix_path_too_long_when_absolute_still_listens() -> None:
    """Ports test-cluster-net-listen-relative-path.js: a worker listens on a relative Unix
    path whose absolute form exceeds sun_path; the socket is made in its working
    directory and removed when the worker exits."""
    run_ok("servers_unix_relative_path.py")


# -- the worker's life with a listening server ---------------------------------------------------


def test_cluster_disconnect_tears_down_servers_and_a_second_round_works() -> None:
    """Ports test-cluster-disconnect.js: eight workers with two echo servers each answer on
    both ports; cluster.disconnect(callback) ends them all, and a second round on the same
    ports works again."""
    lines = run_ok("servers_disconnect_rounds.py", str(free_port()), str(free_port()))
    assert lines[-1] == "results {'start': 2, 'test': 2, 'disconnect': 2}"


def test_cluster_disconnect_right_after_forking_a_listening_worker() -> None:
    """Ports test-cluster-disconnect-leak.js: under SCHED_NONE, cluster.disconnect() right
    after fork() still gives the worker's 'disconnect' and 'exit' and the module's 'exit'."""
    lines = run_ok("servers_disconnect_leak.py")
    assert lines == ["exit 0 None"]


def test_forking_while_disconnecting_a_listening_worker() -> None:
    """Ports test-cluster-disconnect-race.js: under SCHED_NONE, a worker forked while the
    listening first one is disconnected, and disconnected once online, exits 0, as the
    first does."""
    run_ok("servers_disconnect_race.py")


def test_disconnecting_an_idle_worker_then_the_cluster_with_a_tcp_server() -> None:
    """Ports test-cluster-disconnect-unshared-tcp.js: with NODE_CLUSTER_SCHED_POLICY=none,
    disconnecting a never-listening worker and then the cluster (a worker listening on
    TCP) lets every worker exit 0."""
    run_ok("servers_disconnect_unshared.py", "tcp")


def test_disconnecting_an_idle_worker_then_the_cluster_with_a_udp_socket() -> None:
    """Ports test-cluster-disconnect-unshared-udp.js: the same, with a worker bound to a
    UDP socket."""
    run_ok("servers_disconnect_unshared.py", "udp")


def test_worker_disconnect_waits_for_open_connections_to_end() -> None:
    """Ports test-cluster-worker-wait-server-close.js: a disconnected worker's 'disconnect'
    comes only after the connection it holds has been closed by the client."""
    lines = run_ok("servers_wait_server_close.py")
    assert lines == ["got data from client"]


@pytest.mark.parametrize("policy", ["none", "rr"])
def test_disconnecting_worker_takes_no_new_connection_while_it_drains(policy: str) -> None:
    """Ports test-cluster-worker-wait-server-close.js, extended to servers that go on
    accepting: a worker disconnected while it holds a connection gets no new connection,
    even in a thread blocked in accept(), and that thread gets no error; the other
    worker serves all ten new clients."""
    run_ok("servers_disconnect_stops_accepting.py", policy)


def test_listening_worker_that_disconnects_its_process_exits_normally() -> None:
    """Ports test-cluster-process-disconnect.js: a listening worker calling
    cluster.process.disconnect() exits with code 0 and no signal."""
    run_ok("servers_process_disconnect.py")


def test_listening_worker_exit_code_reaches_both_exit_events() -> None:
    """Ports test-cluster-worker-exit.js: a worker exiting with 42 once its HTTP server
    listens gives one 'disconnect' and one 'exit' on worker and module, code 42."""
    lines = run_ok("servers_worker_exit.py")
    assert lines == ["checked"]


def test_listening_worker_stays_alive_after_its_script_returns() -> None:
    """Ports test-cluster-rr-handle-keep-loop-alive.js: a worker whose script returns while
    its server runs keeps serving until the primary kills it."""
    run_ok("servers_rr_keep_alive.py")


def test_worker_exiting_while_listening_lets_the_primary_end() -> None:
    """Ports test-cluster-rr-handle-ref-unref.js: a worker may exit while its round-robin
    server listens; the primary's handle goes with it, and the primary ends by itself."""
    lines = run_ok("servers_rr_exit_while_listening.py")
    assert lines == ["worker exited"]
