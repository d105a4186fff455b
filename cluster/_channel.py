"""The IPC channel between the primary and one worker: framed messages on a socketpair.

A frame is a 6-byte header (payload length, kind, number of file descriptors) and the
payload. The kind byte keeps user and cluster messages apart: a user message that looks
like an internal one is still a user message. File descriptors ride with the first
byte of their frame (SCM_RIGHTS), so they arrive before the frame is complete.

Writes never block the calling thread: whatever the socket does not take at once is
queued and written by the event loop when the socket is writable again. Queued frames
without descriptors are written together (one ``sendmsg`` for many frames).
"""

from __future__ import annotations

import array
import errno
import socket
import struct
from collections import deque
from collections.abc import Callable, Sequence
from selectors import EVENT_READ, EVENT_WRITE
from typing import Any

from . import _real
from ._loop import loop

HEADER = struct.Struct("!IBB")
KIND_JSON = 0  # a user message, JSON
KIND_PICKLE = 1  # a user message, pickle ("advanced" serialization)
KIND_INTERNAL = 2  # a cluster message, JSON
KINDS = (KIND_JSON, KIND_PICKLE, KIND_INTERNAL)
HEADER_SIZE = HEADER.size
_unpack_header = HEADER.unpack_from

MAX_FDS = 253  # Linux's SCM_MAX_FD
MAX_PAYLOAD = 1 << 30
READ_SIZE = 1 << 18
MAX_IOV = 512
FLUSH_EVERY = 1 << 16
ANC_SIZE = socket.CMSG_SPACE(MAX_FDS * array.array("i").itemsize)
_MSG_CTRUNC = int(socket.MSG_CTRUNC)  # a plain int: IntFlag's & is slow on a hot path

WriteCallback = Callable[[BaseException | None], Any]
Payload = bytes | bytearray  # a received frame's payload: a slice of the read buffer


class ChannelClosedError(OSError):
    """The channel is closed (Node's ``ERR_IPC_CHANNEL_CLOSED``)."""

    code = "ERR_IPC_CHANNEL_CLOSED"

    def __init__(self, message: str = "Channel closed") -> None:
        super().__init__(errno.EPIPE, message)

    def __str__(self) -> str:
        return str(self.strerror)


class ProtocolError(Exception):
    """A frame arrived that this side cannot read."""


# Reads land here before they are copied to their channel (reads happen on the loop's
# thread only, one at a time): kept, because a fresh 256 KiB object per read would cost
# an mmap and page faults every time, and one per channel would cost memory per worker.
_READ_BUFFER = memoryview(bytearray(READ_SIZE))


class _Outgoing:
    """Queued bytes: one frame, or many frames sent back to back (see ``send_frame``).
    ``fds`` ride with the first byte; ``written`` runs once the last byte is sent."""

    __slots__ = ("data", "fds", "written")

    def __init__(self, data: bytes, fds: Sequence[int], written: WriteCallback | None) -> None:
        self.data = bytearray(data)
        self.fds = fds
        self.written = written


class Channel:
    """One end of a worker's channel, driven by the event loop."""

    def __init__(
        self,
        sock: socket.socket,
        on_frame: Callable[[int, Payload, list[socket.socket]], None],
        on_close: Callable[[BaseException | None], None],
    ) -> None:
        sock.setblocking(False)
        self._sock = sock
        #: Called with each frame (the link swaps it while frames must wait).
        self.on_frame = on_frame
        self._on_close = on_close
        self._lock = _real.Lock()
        self._out: deque[_Outgoing] = deque()
        self._out_bytes = 0
        self._inbuf = bytearray()
        self._parsed = 0  # bytes of _inbuf already dispatched
        self._fds: deque[int] = deque()
        self._closing = False  # no more sends; close once the queue is written
        self._closed = False
        self._watching_writes = False
        self._watched_events = 0
        self._flush_scheduled = False
        self._flush_mark = FLUSH_EVERY  # queued bytes at which a send flushes at once
        self._direct_tick = -1  # the loop's turn in which the loop last wrote at once

    def start(self) -> None:
        """Begin reading (once whoever handles the frames is ready for them)."""
        loop.call_soon(self._watch)

    @property
    def connected(self) -> bool:
        return not (self._closing or self._closed)

    # -- writing ----------------------------------------------------------------

    def send_frame(
        self,
        kind: int,
        payload: bytes,
        fds: Sequence[int] = (),
        written: WriteCallback | None = None,
    ) -> int:
        """Queue one frame; ``written(None)`` runs on the loop once it is sent. Returns
        the bytes queued behind the socket now (Node's backpressure hint)."""
        if len(payload) > MAX_PAYLOAD:
            raise ValueError(f"message too large: {len(payload)} bytes (at most {MAX_PAYLOAD})")
        if len(fds) > MAX_FDS:
            raise ValueError(f"too many file descriptors in one message: {len(fds)}")
        frame = HEADER.pack(len(payload), kind, len(fds)) + payload
        with self._lock:
            if self._closing or self._closed:
                raise ChannelClosedError()
            if not (self._out or fds or written) and self._may_write_now():
                frame = self._write_now(frame)  # the common case: one send(), no queue
                if not frame:
                    return self._out_bytes
            self._out_bytes += len(frame)
            if not fds and self._out and self._out[-1].written is None:
                # Appended to the bytes already queued: no object per frame (100,000
                # queued objects make every garbage collection walk them all).
                self._out[-1].data += frame
                self._out[-1].written = written
            else:
                self._out.append(_Outgoing(frame, fds, written))
            if self._out_bytes >= self._flush_mark:
                # Many sends in one callback: write what the socket takes now, so that
                # the peer reads while the rest is produced (Node writes each at once).
                self._flush_locked()
            # One flush (or the wait for the socket to drain) covers every frame queued
            # until the queue is empty again.
            schedule = not self._flush_scheduled
            self._flush_scheduled = True
            queued = self._out_bytes
        if schedule:
            # Frames sent from the loop (or behind others) go out together when the
            # current callback returns: one sendmsg for many.
            loop.call_soon(self._flush_from_loop)
        return queued

    def _may_write_now(self) -> bool:
        """Other threads write at once. The loop writes the first frame of each turn at
        once (a reply goes out without waiting for the callback to end), and queues the
        rest, to go out together when the callback returns: one sendmsg for many."""
        if not loop.in_loop_thread():
            return True
        if self._direct_tick == loop.tick:
            return False
        self._direct_tick = loop.tick
        return True

    def _write_now(self, frame: bytes) -> bytes:
        """Write what the socket takes at once; return the rest. Caller holds the lock."""
        try:
            sent = self._sock.send(frame)
        except (BlockingIOError, InterruptedError):
            return frame
        except OSError as exc:
            loop.call_soon(self._fail, exc)
            return b""
        return frame[sent:]

    def _flush_from_loop(self) -> None:
        with self._lock:
            self._flush_locked()
        self._watch()

    def _flush_locked(self) -> None:
        """Write queued frames until the socket would block. Caller holds the lock."""
        try:
            self._write_queue()
        finally:
            self._flush_mark = self._out_bytes + FLUSH_EVERY

    def _write_queue(self) -> None:
        while self._out and not self._closed:
            buffers, fds = self._next_batch()
            ancillary = (
                [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
            )
            try:
                sent = self._sock.sendmsg(buffers, ancillary)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                loop.call_soon(self._fail, exc)
                return
            self._consume(sent)

    def _next_batch(self) -> tuple[list[bytearray], Sequence[int]]:
        """The head frame and the descriptor-less frames after it: one ``sendmsg``."""
        head = self._out[0]
        buffers = [head.data]
        for item in self._out:
            if item is head:
                continue
            if item.fds or len(buffers) >= MAX_IOV:
                break
            buffers.append(item.data)
        return buffers, head.fds

    def _consume(self, sent: int) -> None:
        self._out_bytes -= sent
        while sent:
            head = self._out[0]
            head.fds = ()  # they went with the first byte
            if sent < len(head.data):
                del head.data[:sent]  # O(1): a bytearray moves its start
                return
            sent -= len(head.data)
            self._out.popleft()
            if head.written is not None:
                loop.call_soon(head.written, None)

    def _watch(self) -> None:
        """(Re)register with the loop for what this channel waits for."""
        if self._closed:
            return
        with self._lock:
            self._watching_writes = bool(self._out)
            # Until the queue is empty, the writer watch (or a scheduled flush) covers it.
            self._flush_scheduled = bool(self._out)
            close_now = self._closing and not self._out
        if close_now:
            self._finish_close(None)
            return
        events = EVENT_READ | (EVENT_WRITE if self._watching_writes else 0)
        if events != self._watched_events:
            self._watched_events = events
            loop.watch(self._sock, events, self._on_ready)

    # -- reading ----------------------------------------------------------------

    def _on_ready(self, mask: int) -> None:
        if mask & EVENT_WRITE:
            with self._lock:
                self._flush_locked()
            self._watch()
        if mask & EVENT_READ and not self._closed:
            self._read()

    def _read(self) -> None:
        view = _READ_BUFFER
        for _ in range(16):  # then let the other channels have a turn
            try:
                size, ancdata, flags, _ = self._sock.recvmsg_into(
                    [view], ANC_SIZE, socket.MSG_CMSG_CLOEXEC
                )
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                self._fail(exc)
                return
            if ancdata:
                self._take_fds(ancdata)
            if flags & _MSG_CTRUNC:
                self._fail(ProtocolError("file descriptors were dropped (MSG_CTRUNC)"))
                return
            if not size:
                self._finish_close(None)
                return
            self._inbuf += view[:size]
            if not self._parse_frames():
                return
            if size < READ_SIZE:
                return

    def _take_fds(self, ancdata: list[tuple[int, int, bytes]]) -> None:
        for level, kind, payload in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds = array.array("i")
                fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
                self._fds.extend(fds)

    def _parse_frames(self) -> bool:
        """Dispatch every complete frame; False once the channel has failed.

        Each frame is consumed before it is dispatched, so that a listener that reads
        the channel again (:meth:`pump`) continues after it instead of seeing it twice.
        """
        inbuf = self._inbuf
        try:
            while len(inbuf) - self._parsed >= HEADER_SIZE:
                start = self._parsed
                length, kind, nfds = _unpack_header(inbuf, start)
                if kind not in KINDS or length > MAX_PAYLOAD:
                    raise ProtocolError(f"corrupt frame header (kind {kind}, length {length})")
                end = start + HEADER_SIZE + length
                if len(inbuf) < end:
                    break
                handles: list[socket.socket] = []
                if nfds:
                    if nfds > len(self._fds):
                        raise ProtocolError(
                            f"frame announces {nfds} descriptors, {len(self._fds)} came"
                        )
                    handles = [
                        _real.socket(fileno=self._fds.popleft()) for _ in range(nfds)
                    ]
                self._parsed = end
                self.on_frame(kind, inbuf[start + HEADER_SIZE : end], handles)
                if self._closed:
                    return False
        except ProtocolError as exc:
            self._fail(exc)
            return False
        del self._inbuf[: self._parsed]
        self._parsed = 0
        return True

    def pump(self, done: Callable[[], bool]) -> None:
        """Read and write right here, blocking, until ``done()`` (loop thread only)."""
        while not done() and not self._closed:
            with self._lock:
                self._flush_locked()
                writing = bool(self._out)
            _real.select([self._sock], [self._sock] if writing else [], [])
            self._read()

    # -- closing ----------------------------------------------------------------

    def close(self) -> None:
        """Stop sending; the channel closes once queued frames are written."""
        with self._lock:
            if not self.connected:
                return
            self._closing = True
        loop.call_soon(self._watch)

    def drain_and_close(self) -> None:
        """The peer has exited: dispatch what it sent, then close (loop thread)."""
        while not self._closed:
            before = len(self._inbuf), len(self._fds)
            self._read()
            if not self._closed and (len(self._inbuf), len(self._fds)) == before:
                self._finish_close(None)  # nothing more will come (a descendant holds its end)

    def _fail(self, exc: BaseException) -> None:
        """The channel broke (peer gone, corrupt stream): close it now."""
        self._finish_close(exc)

    def _finish_close(self, exc: BaseException | None) -> None:
        if self._closed:
            return
        with self._lock:
            self._closed = True
            self._closing = True
            pending = list(self._out)
            self._out.clear()
            self._out_bytes = 0
        loop.unwatch(self._sock)
        self._sock.close()
        while self._fds:
            _real.socket(fileno=self._fds.popleft()).close()
        error = ChannelClosedError()
        for item in pending:
            if item.written is not None:
                item.written(error)
        self._on_close(exc if isinstance(exc, ProtocolError) else None)
