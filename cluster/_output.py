"""Workers' output, line by line, each line prefixed with the worker's id and pid.

The supervisor starts workers with their stdout and stderr on pipes when asked to
prefix (as PM2 does); a thread of its own copies each whole line to the primary's
stdout or stderr as ``[worker 3 pid 4242] line``. It is a thread apart from the
cluster's, so that a slow terminal or log pipe never delays the hand-off of
connections. Partial lines wait for their end (up to ``MAX_LINE`` bytes), so lines
of different workers never mix.
"""

from __future__ import annotations

import os
import selectors
import sys
import threading
from typing import IO, Any

MAX_LINE = 64 * 1024


class _Pipe:
    def __init__(self, fd: int, prefix: bytes, target: IO[bytes]) -> None:
        self.fd = fd
        self.prefix = prefix
        self.target = target
        self.partial = b""

    def feed(self, data: bytes) -> None:
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        if len(self.partial) >= MAX_LINE:
            lines.append(self.partial)
            self.partial = b""
        self.write(lines)

    def write(self, lines: list[bytes]) -> None:
        if lines:
            self.target.write(b"".join(self.prefix + line + b"\n" for line in lines))
            self.target.flush()

    def finish(self) -> None:
        if self.partial:
            self.write([self.partial])
            self.partial = b""


class PrefixedOutput:
    """Copies the piped stdout/stderr of workers to this process's, line by line."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        self._lock = threading.Lock()
        self._added: list[_Pipe] = []
        self._thread: threading.Thread | None = None

    def attach(self, worker: Any) -> None:
        """Copy ``worker.process.stdout``/``stderr`` (pipes) from now on."""
        prefix = f"[worker {worker.id} pid {worker.process.pid}] ".encode()
        targets = ((worker.process.stdout, sys.stdout), (worker.process.stderr, sys.stderr))
        with self._lock:
            for pipe, stream in targets:
                if pipe is not None:
                    fd = os.dup(pipe.fileno())
                    pipe.close()
                    os.set_blocking(fd, False)
                    self._added.append(_Pipe(fd, prefix, stream.buffer))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="cluster-output", daemon=True
                )
                self._thread.start()
        os.write(self._wake_w, b"\0")

    def _run(self) -> None:
        while True:
            for key, _ in self._selector.select():
                if key.fd == self._wake_r:
                    self._take_new()
                else:
                    self._read(key.data)

    def _take_new(self) -> None:
        while True:
            try:
                if not os.read(self._wake_r, 4096):
                    break
            except BlockingIOError:
                break
        with self._lock:
            added, self._added = self._added, []
        for pipe in added:
            self._selector.register(pipe.fd, selectors.EVENT_READ, pipe)

    def _read(self, pipe: _Pipe) -> None:
        try:
            data = os.read(pipe.fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            pipe.feed(data)
            return
        pipe.finish()
        self._selector.unregister(pipe.fd)
        os.close(pipe.fd)
