"""systemd: socket activation and sd_notify, with the real tools.

Socket activation runs ``python -m cluster`` under Debian's ``systemd-socket-activate``,
which binds the address itself and starts the command only when the first connection
arrives, with the socket as descriptor 3 (``LISTEN_FDS=1``): that first connection,
made before the cluster existed, must be answered by a worker, and every request after
it goes through systemd's socket. sd_notify is read from a real ``NOTIFY_SOCKET``: a
datagram socket the test binds and passes, as systemd does for ``Type=notify`` units.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from support import PROGRAMS, Running, cluster_cli, free_port, raw_get

APP = str(PROGRAMS / "sup_app.py")
READY = re.compile(r"worker \d+ \(pid \d+\) is ready")


def socket_activated(address: str, *cli_args: str) -> Running:
    """``systemd-socket-activate -l ADDRESS python -m cluster CLI_ARGS``, listening."""
    activate = shutil.which("systemd-socket-activate")
    if activate is None:
        pytest.fail("needs systemd-socket-activate: apt-get install systemd (.ci/run does)")
    launcher = [activate, "-l", address, "-E", "PATH", "-E", "PYTHONPATH"]
    cli = cluster_cli(*cli_args, launcher=launcher)
    cli.wait_for(lambda line: line.startswith("Listening on"))
    return cli


def wait_until_serving(cli: Running, workers: int) -> None:
    cli.wait_for(lambda line: bool(READY.search(line)), count=workers)


def unix_get(path: str) -> str:
    """One HTTP/1.0 request over a Unix socket; the body."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(20)
        sock.connect(path)
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200"), head
    return body.decode()


def listening_fds(pid: int, port: int) -> list[int]:
    return [
        conn.fd
        for conn in psutil.Process(pid).net_connections(kind="tcp")
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port
    ]


def test_socket_activation_serves_on_systemds_socket_from_the_first_connection() -> None:
    """The first request starts the service (it waits in systemd's socket meanwhile)
    and is answered; the primary listens on descriptor 3 and nothing else, and both
    workers serve through it."""
    port = free_port()
    cli = socket_activated(f"127.0.0.1:{port}", "-w", "2", APP, str(port))
    try:
        first = raw_get(port, timeout=30)  # starts the cluster
        wait_until_serving(cli, 2)
        pids = {first} | {raw_get(port) for _ in range(20)}
        assert len(pids) == 2, pids
        assert listening_fds(cli.proc.pid, port) == [3]
        assert "on the socket systemd passed" in cli.output
        cli.proc.send_signal(signal.SIGTERM)
        assert cli.finish(timeout=30) == 0
    finally:
        cli.kill()


def test_socket_activation_of_a_unix_socket_leaves_its_file_to_systemd(tmp_path: Path) -> None:
    """A Unix socket systemd bound is served across a reload, and its file is still
    there after the cluster stops: it is systemd's to remove, not ours."""
    path = str(tmp_path / "app.sock")
    cli = socket_activated(path, "-w", "2", APP, path)
    try:
        first = unix_get(path)  # starts the cluster
        wait_until_serving(cli, 2)
        before = {first} | {unix_get(path) for _ in range(10)}
        cli.proc.send_signal(signal.SIGHUP)
        cli.wait_for(lambda line: "reload done" in line, timeout=30)
        after = {unix_get(path) for _ in range(10)}
        assert len(before) == 2 and len(after) == 2 and not before & after, (before, after)
        cli.proc.send_signal(signal.SIGTERM)
        assert cli.finish(timeout=30) == 0
        assert os.path.exists(path)
    finally:
        cli.kill()


class NotifySocket:
    """What systemd listens on for sd_notify: a datagram socket, read by a thread."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.messages: queue.Queue[dict[str, str]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                data = self.sock.recv(4096)
            except OSError:
                return
            fields = dict(line.split("=", 1) for line in data.decode().splitlines())
            self.messages.put(fields)

    def next(self, predicate: Callable[[dict[str, str]], bool], timeout: float = 20) -> Iterator[
        dict[str, str]
    ]:
        """The messages up to and including the first that satisfies ``predicate``,
        watchdog pings left out."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.messages.get(timeout=max(0.0, deadline - time.monotonic()))
            if message != {"WATCHDOG": "1"}:
                yield message
            if predicate(message):
                return

    def close(self) -> None:
        self.sock.close()


def test_sd_notify_ready_status_reloading_stopping_and_the_watchdog(tmp_path: Path) -> None:
    """READY=1 only once both workers listen (a request succeeds at once), with
    STATUS=; WATCHDOG=1 every half WATCHDOG_USEC; RELOADING=1 (with MONOTONIC_USEC)
    then READY=1 around a reload; STOPPING=1 at SIGTERM. The workers inherit none of
    systemd's variables."""
    notify = NotifySocket(tmp_path / "notify")
    port = free_port()
    env = {"NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"}
    cli = cluster_cli("-w", "2", APP, str(port), env=env)
    try:
        [*_, ready] = notify.next(lambda m: m.get("READY") == "1")
        assert raw_get(port, timeout=2)  # it is serving at the moment it says so
        assert ready["STATUS"] == "2 of 2 workers ready"
        pings = [notify.messages.get(timeout=5) for _ in range(3)]
        assert {"WATCHDOG": "1"} in pings

        workers = psutil.Process(cli.proc.pid).children()
        assert len(workers) == 2
        for worker in workers:
            assert not {"NOTIFY_SOCKET", "WATCHDOG_USEC"} & set(worker.environ())

        cli.proc.send_signal(signal.SIGHUP)
        around = list(notify.next(lambda m: m.get("READY") == "1"))
        reloading = [m for m in around if m.get("RELOADING") == "1"]
        assert reloading, around
        now_usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        assert 0 < now_usec - int(reloading[0]["MONOTONIC_USEC"]) < 30_000_000
        assert around.index(reloading[0]) < len(around) - 1  # READY=1 came after it

        cli.proc.send_signal(signal.SIGTERM)
        list(notify.next(lambda m: m.get("STOPPING") == "1"))
        assert cli.finish(timeout=30) == 0
    finally:
        cli.kill()
        notify.close()
