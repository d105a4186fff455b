"""Running test programs: real primaries, each in its own process, with real workers."""

from __future__ import annotations

import contextlib
import http.client
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

PROGRAMS = Path(__file__).parent / "programs"
ROOT = Path(__file__).parent.parent


def run_program(
    name: str,
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 30,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``tests/programs/<name>`` as a primary; return its exit status and output."""
    path = name if os.path.isabs(name) else str(PROGRAMS / name)
    return subprocess.run(
        [sys.executable, "-u", path, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )


def assert_ok(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The program exited 0; return its stdout lines."""
    assert result.returncode == 0, (
        f"exit status {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )
    return result.stdout.splitlines()


class Running:
    """A program running in the background in its own session, read line by line."""

    def __init__(
        self,
        path: str,
        *args: str,
        env: dict[str, str] | None = None,
        merge_stderr: bool = False,
        launcher: Sequence[str] = (),
        stdin: bool = False,
    ) -> None:
        """``launcher``: a command that runs Python's (``systemd-socket-activate -l ...``);
        ``stdin``: a pipe the test writes commands to (:meth:`send`)."""
        import queue
        import threading

        self.proc = subprocess.Popen(
            [*launcher, sys.executable, "-u", path, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            text=True,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()
        if not merge_stderr:
            threading.Thread(target=self._pump_stderr, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def _pump_stderr(self) -> None:
        assert self.proc.stderr is not None
        self._stderr.extend(self.proc.stderr)

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    @property
    def output(self) -> str:
        """Every line read so far, and stderr."""
        return "\n".join(self.lines) + "\n" + self.stderr

    def wait_for(
        self,
        predicate: Callable[[str], bool],
        count: int = 1,
        timeout: float = 20,
        new_only: bool = False,
    ) -> list[str]:
        """The first ``count`` lines (seen so far, unless ``new_only``, or coming) that
        satisfy ``predicate``."""
        import queue
        import time

        deadline = time.monotonic() + timeout
        matched = [] if new_only else [line for line in self.lines if predicate(line)]
        while len(matched) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"timed out waiting; output so far: {self.lines}\n{self.stderr}"
                )
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"program ended early: {self.lines}\n{self.stderr}")
            self.lines.append(line)
            if predicate(line):
                matched.append(line)
        return matched[:count]

    def send(self, line: str) -> None:
        """One line to the program's stdin (``stdin=True``)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def signal_group(self, signum: int) -> None:
        os.killpg(self.proc.pid, signum)

    def finish(self, timeout: float = 20) -> int:
        """Close its stdin, wait for the program to end; returns its exit status (all
        output read)."""
        if self.proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                self.proc.stdin.close()
        code = self.proc.wait(timeout=timeout)
        while True:
            line = self._queue.get(timeout=timeout)
            if line is None:
                break
            self.lines.append(line)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 9)
            self.proc.wait()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(port: int, path: str = "/", host: str = "127.0.0.1", timeout: float = 10) -> str:
    import urllib.request

    with urllib.request.urlopen(f"http://{host}:{port}{path}", timeout=timeout) as response:
        return str(response.read().decode())


def raw_get(port: int, path: str = "/", timeout: float = 10) -> str:
    """One HTTP/1.0 request on a fresh connection; the body (the server closes)."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(f"GET {path} HTTP/1.0\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.0 200"):
        raise OSError(f"bad response: {head[:40]!r}")
    return body.decode()


class Load:
    """Steady load: ``clients`` threads, each sending requests on fresh connections
    until ``total`` are done (or :meth:`stop`). Counts answers by body, and failures."""

    def __init__(self, port: int, clients: int = 8, total: int = 10_000) -> None:
        import collections
        import threading

        self.port = port
        self.answers: collections.Counter[str] = collections.Counter()
        self.failures: list[str] = []
        self._left = total
        self.lock = self._lock = threading.Condition()  # notified at every finished request
        self._stopped = threading.Event()
        self._threads = [threading.Thread(target=self._client, daemon=True) for _ in range(clients)]
        for thread in self._threads:
            thread.start()

    @property
    def done(self) -> int:
        with self._lock:
            return self._done()

    def _done(self) -> int:
        return sum(self.answers.values()) + len(self.failures)

    def _take(self) -> bool:
        with self._lock:
            if self._stopped.is_set() or self._left <= 0:
                return False
            self._left -= 1
            return True

    def _client(self) -> None:
        while self._take():
            try:
                body = raw_get(self.port).strip()
            except OSError as exc:
                with self._lock:
                    self.failures.append(repr(exc))
                    self._lock.notify_all()
                continue
            with self._lock:
                self.answers[body] += 1
                self._lock.notify_all()

    def wait_done(self, at_least: int, timeout: float = 30) -> None:
        """Block until ``at_least`` requests have finished (answered or failed)."""
        with self._lock:
            if not self._lock.wait_for(lambda: self._done() >= at_least, timeout):
                raise AssertionError(f"only {self._done()} requests done in {timeout}s")

    def finish(self, timeout: float = 60) -> None:
        """Wait for every request (or until :meth:`stop`) to finish."""
        for thread in self._threads:
            thread.join(timeout)

    def stop(self) -> None:
        self._stopped.set()
        self.finish()


def cluster_cli(
    *args: str, env: dict[str, str] | None = None, launcher: Sequence[str] = ()
) -> Running:
    """``python -m cluster ARGS`` in the background, its log (stderr) and the workers'
    output read as one stream of lines."""
    return Running("-m", "cluster", *args, env=env, merge_stderr=True, launcher=launcher)


def fetch_pids(host: str, port: int, path: str = "/", timeout: float = 10) -> tuple[int, int]:
    """One GET on a new connection, answered 200 with ``worker PID handler PID`` (the
    framework test programs' answer); the (worker pid, handler pid) that answered."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Connection": "close"})
        response = connection.getresponse()
        body = response.read().decode()
    finally:
        connection.close()
    assert response.status == 200, (response.status, body)
    word, worker, word2, handler = body.split()
    assert (word, word2) == ("worker", "handler"), body
    return int(worker), int(handler)
