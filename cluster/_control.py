"""The control socket: a Unix socket in the primary that speaks line-delimited JSON.

``{"cmd": "status"}``, ``{"cmd": "reload"}``, ``{"cmd": "scale", "workers": N}`` and
``{"cmd": "stop"}`` each get one JSON reply line. The socket is created 0600 in a
0700 directory, and each client's uid is checked again with ``SO_PEERCRED``. Bad
input gets an error reply or a close, never a dead primary. Runs on the cluster's
event thread.
"""

from __future__ import annotations

import json
import os
import socket
import struct
from collections.abc import Callable
from pathlib import Path
from selectors import EVENT_READ, EVENT_WRITE
from typing import Any

from . import _real
from ._loop import loop

MAX_LINE = 64 * 1024
_PEERCRED = struct.Struct("3i")


def control_dir() -> Path:
    """Where control sockets live: ``$XDG_RUNTIME_DIR/node-cluster`` or
    ``/tmp/node-cluster-<uid>`` (made 0700)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) / "node-cluster" if runtime else Path(f"/tmp/node-cluster-{os.getuid()}")
    base.mkdir(mode=0o700, exist_ok=True)
    return base


def default_path(pid: int | None = None) -> Path:
    return control_dir() / f"{pid or os.getpid()}.sock"


Handler = Callable[[dict[str, Any]], dict[str, Any]]


class ControlServer:
    """Serves the control protocol on ``path``; ``handle(request) -> reply``."""

    def __init__(self, path: str | os.PathLike[str], handle: Handler) -> None:
        self.path = str(path)
        self._handle = handle
        self._clients: dict[socket.socket, tuple[bytearray, bytearray]] = {}
        if os.path.exists(self.path):
            os.unlink(self.path)
        self._sock = _real.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            self._sock.bind(self.path)
        finally:
            os.umask(old)
        self._sock.listen(16)
        self._sock.setblocking(False)

    def start(self) -> None:
        loop.watch(self._sock, EVENT_READ, self._accept)

    def close(self) -> None:
        loop.unwatch(self._sock)
        self._sock.close()
        for client in list(self._clients):
            self._drop(client)
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass

    def _accept(self, _mask: int) -> None:
        try:
            client, _ = self._sock.accept()
        except OSError:
            return
        creds = client.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEERCRED.size)
        _pid, uid, _gid = _PEERCRED.unpack(creds)
        if uid != os.getuid():
            try:
                client.setblocking(False)
                client.send(_line({"ok": False, "error": f"refused: uid {uid} is not ours"}))
                client.recv(MAX_LINE)  # what it sent already: unread, it would reset the reply
            except OSError:
                pass
            client.close()
            return
        client.setblocking(False)
        self._clients[client] = (bytearray(), bytearray())
        loop.watch(client, EVENT_READ, lambda mask: self._on_ready(client, mask))

    def _on_ready(self, client: socket.socket, mask: int) -> None:
        if client not in self._clients:
            return
        inbox, outbox = self._clients[client]
        if mask & EVENT_WRITE and outbox:
            self._flush(client)
        if not mask & EVENT_READ:
            return
        try:
            data = client.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # closed or half-closed: answer what is complete, then close
            self._answer_lines(client, inbox)
            self._close_when_flushed(client)
            return
        inbox += data
        self._answer_lines(client, inbox)
        if len(inbox) > MAX_LINE:
            outbox += _line({"ok": False, "error": f"line longer than {MAX_LINE} bytes"})
            inbox.clear()
            self._close_when_flushed(client)

    def _answer_lines(self, client: socket.socket, inbox: bytearray) -> None:
        while (end := inbox.find(b"\n")) >= 0 and client in self._clients:
            line, inbox[: end + 1] = bytes(inbox[:end]), b""
            if line.strip():
                self._clients[client][1].extend(_line(self._reply(line)))
        self._flush(client)

    def _reply(self, line: bytes) -> dict[str, Any]:
        try:
            request = json.loads(line)
        except ValueError as exc:
            return {"ok": False, "error": f"bad JSON: {exc}"}
        if not isinstance(request, dict):
            return {"ok": False, "error": 'a request is an object: {"cmd": "status"}'}
        try:
            return self._handle(request)
        except (ValueError, TypeError) as exc:
            return {"ok": False, "error": str(exc)}

    def _flush(self, client: socket.socket) -> None:
        if client not in self._clients:
            return
        outbox = self._clients[client][1]
        try:
            sent = client.send(outbox) if outbox else 0
        except BlockingIOError:
            sent = 0
        except OSError:
            self._drop(client)
            return
        del outbox[:sent]
        events = EVENT_READ | (EVENT_WRITE if outbox else 0)
        loop.watch(client, events, lambda mask: self._on_ready(client, mask))

    def _close_when_flushed(self, client: socket.socket) -> None:
        if client in self._clients and not self._clients[client][1]:
            self._drop(client)
        # else: dropped by _flush on error, or left to finish (EVENT_WRITE is watched)

    def _drop(self, client: socket.socket) -> None:
        self._clients.pop(client, None)
        loop.unwatch(client)
        client.close()


def _line(reply: dict[str, Any]) -> bytes:
    return json.dumps(reply, separators=(",", ":")).encode() + b"\n"
