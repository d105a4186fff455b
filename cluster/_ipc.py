"""Messages over a :class:`~cluster._channel.Channel`: serialization, handles, replies.

This is Node's ``lib/internal/cluster/utils.js`` (``sendHelper``/``internal``) together
with the part of ``child_process`` that sends user messages: one :class:`Link` per
channel end, used by the primary's ``Worker`` and by the worker's ``process`` alike.
"""

from __future__ import annotations

import errno
import itertools
import json
import json.scanner
import os
import pickle
import socket
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from . import _real
from ._channel import (
    KIND_INTERNAL,
    KIND_JSON,
    KIND_PICKLE,
    Channel,
    ChannelClosedError,
    Payload,
)
from ._loop import Deferred, UndeliverableError, loop

SERIALIZATIONS = ("json", "advanced")
QUEUED_BYTES_HIGH = 1 << 16  # send() returns False beyond this (Node's backpressure hint)

SendCallback = Callable[[BaseException | None], Any]
Reply = Callable[[dict[str, Any], "socket.socket | None"], Any]


def _make_encoder() -> Callable[..., Iterable[str]]:
    """The json module's C encoder, made once: ``json.dumps`` makes one per call,
    which costs more than encoding a small message. No circular-reference bookkeeping
    (a circular value fails as a RecursionError, reported as such by encode_user)."""
    c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
    if c_make_encoder is None:  # not CPython
        return json.JSONEncoder(separators=(",", ":"), check_circular=False).iterencode
    encoder: Callable[..., Iterable[str]] = c_make_encoder(
        None, json.JSONEncoder().default, json.encoder.encode_basestring_ascii,
        None, ":", ",", False, False, True,
    )  # fmt: skip
    return encoder


_encode_chunks = _make_encoder()
# The C scanner, called directly: json.loads adds a regex and an encoding check per call.
_scan = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]  # typeshed


def to_json(value: Any) -> bytes:
    """``json.dumps(value, separators=(",", ":")).encode()``, faster."""
    return "".join(_encode_chunks(value, 0)).encode()


def from_json(payload: Payload) -> Any:
    """``json.loads(payload)``, faster for what :func:`to_json` wrote."""
    text = payload.decode()
    try:
        value, end = _scan(text, 0)
    except (StopIteration, ValueError):
        end = -1
    if end != len(text):
        return json.loads(text)  # raises the full parser's error (or allows whitespace)
    return value


def encode_user(message: Any, serialization: str) -> tuple[int, bytes]:
    """Serialize a user message; a clear ``TypeError`` names what cannot be sent."""
    if serialization == "advanced":
        try:
            return KIND_PICKLE, pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            raise TypeError(
                f"cannot send a message containing {_culprit(exc, message)}: "
                f"it cannot be pickled ({exc})"
            ) from exc
    try:
        return KIND_JSON, to_json(message)
    except RecursionError as exc:
        raise TypeError(
            "cannot send a circular reference (or a value nested too deeply) with "
            "serialization='json'"
        ) from exc
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"cannot send {_culprit(exc, message)} with serialization='json' ({exc}); "
            "send JSON values only, or set serialization='advanced' (pickle)"
        ) from exc


def _culprit(exc: BaseException, message: Any) -> str:
    text = str(exc)
    if text.startswith("Object of type "):
        return "a " + text.split()[3]
    return f"a {type(message).__name__}"


def decode(kind: int, payload: Payload) -> Any:
    if kind == KIND_PICKLE:
        return pickle.loads(payload)
    return from_json(payload)


def handle_fd(handle: Any) -> int:
    """The descriptor of something sendable: a socket, or an object with ``fileno()``."""
    fileno = getattr(handle, "fileno", None)
    if fileno is None:
        raise TypeError(
            f"send_handle must be a socket (or have fileno()), not {type(handle).__name__}"
        )
    fd = fileno()
    if not isinstance(fd, int) or fd < 0:
        raise ValueError(f"send_handle is closed: {handle!r}")
    return fd


def _is_connection(handle: Any) -> bool:
    """A connected stream socket: Node closes the sender's copy unless keep_open."""
    if not isinstance(handle, socket.socket) or handle.type != socket.SOCK_STREAM:
        return False
    try:
        handle.getpeername()
    except OSError:
        return False
    return True


def _keep_open(options: Mapping[str, Any] | None) -> bool:
    if options is None:
        return False
    if not isinstance(options, Mapping):
        raise TypeError(f"options must be a mapping, not {type(options).__name__}")
    unknown = set(options) - {"keep_open", "keepOpen"}
    if unknown:
        raise ValueError(f"unknown send option(s): {', '.join(sorted(unknown))}")
    return bool(options.get("keep_open", options.get("keepOpen", False)))


class Link:
    """User and internal messaging over one channel end."""

    def __init__(
        self,
        sock: socket.socket,
        serialization: str,
        on_message: Callable[[Any, socket.socket | None], None],
        on_internal: Callable[[dict[str, Any], socket.socket | None], None],
        on_disconnect: Callable[[], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        self.serialization = serialization
        self._on_message = on_message
        self._on_internal = on_internal
        self._on_disconnect = on_disconnect
        self._on_error = on_error
        self._seq = itertools.count(1)
        self._replies: dict[int, Reply] = {}
        self.waiting = 0  # requests whose answer a thread is waiting for
        # User messages each way, for the metrics (plain increments: the hot path).
        self.messages_sent = 0
        self.messages_received = 0
        self._holding = False  # a request is being answered on the loop thread
        self._held: deque[tuple[int, Payload, list[socket.socket]]] = deque()
        self.channel = Channel(sock, self._dispatch, self._on_close)

    @property
    def connected(self) -> bool:
        return self.channel.connected

    # -- user messages ----------------------------------------------------------

    def send(
        self,
        message: Any,
        send_handle: Any = None,
        options: Mapping[str, Any] | None = None,
        callback: SendCallback | None = None,
    ) -> bool:
        """Node's ``subprocess.send``: refuse bad input here, report a closed channel."""
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable, not {type(callback).__name__}")
        keep_open = _keep_open(options)
        kind, payload = encode_user(message, self.serialization)
        self.messages_sent += 1
        fds: list[int] = []
        written = callback  # the common case (no handle) needs no wrapper
        if send_handle is not None:
            # A copy of the descriptor travels, so that closing or reusing the original
            # while the message waits in the queue cannot change what is sent.
            fds.append(os.dup(handle_fd(send_handle)))
            close_after = None if keep_open or not _is_connection(send_handle) else send_handle
            written = self._after_handle_sent(fds[0], close_after, callback)
        try:
            queued = self.channel.send_frame(kind, payload, fds, written)
        except ChannelClosedError as exc:
            loop.call_soon(written or self._on_error, exc)
            return False
        except Exception:  # refused before the channel took the frame: the copy is ours
            for fd in fds:
                os.close(fd)
            raise
        return queued < QUEUED_BYTES_HIGH

    def _after_handle_sent(
        self, fd: int, close_after: Any, callback: SendCallback | None
    ) -> SendCallback:
        """What runs once a message with a handle is written (or has failed): the copy
        of the descriptor closes, and so does a sent connection (Node's default)."""

        def written(error: BaseException | None) -> None:
            os.close(fd)
            if close_after is not None and error is None:
                close_after.close()
            if callback is not None:
                callback(error)
            elif error is not None:
                self._on_error(error)

        return written

    # -- cluster messages -------------------------------------------------------

    def send_internal(
        self,
        message: dict[str, Any],
        handle: Any = None,
        reply: Reply | None = None,
        written: SendCallback | None = None,
    ) -> bool:
        """Send a cluster message; ``reply`` gets the answer that carries its ``ack``."""
        if reply is not None:
            seq = next(self._seq)
            self._replies[seq] = reply
            message = {**message, "seq": seq}
        fds = [handle_fd(handle)] if handle is not None else []
        payload = to_json(message)
        try:
            self.channel.send_frame(KIND_INTERNAL, payload, fds, written)
        except ChannelClosedError:
            return False
        return True

    def request(
        self, message: dict[str, Any], handle: Any = None
    ) -> tuple[dict[str, Any], socket.socket | None]:
        """Send a cluster message and wait for its answer, from any thread.

        On the loop's own thread (a server started inside a cluster callback) the
        channel is read right here; frames that are not the answer wait, in order,
        until the callback that asked has returned.
        """
        self.waiting += 1
        try:
            return self._request(message, handle)
        finally:
            self.waiting -= 1

    def _request(
        self, message: dict[str, Any], handle: Any
    ) -> tuple[dict[str, Any], socket.socket | None]:
        answer: list[tuple[dict[str, Any], socket.socket | None]] = []
        arrived = _real.Event()

        def reply(message: dict[str, Any], handle: socket.socket | None) -> None:
            answer.append((message, handle))
            arrived.set()

        if not self.send_internal(message, handle, reply=reply):
            raise ChannelClosedError()
        if loop.in_loop_thread():
            self._holding = True
            self.channel.on_frame = self._hold_frame
            try:
                self.channel.pump(arrived.is_set)
            finally:
                self._holding = False
                if self._held:
                    loop.call_soon(self._release_held)
                else:
                    self.channel.on_frame = self._dispatch
        else:
            arrived.wait()
        if not answer:
            raise ChannelClosedError()
        return answer[0]

    def _hold_frame(self, kind: int, payload: Payload, handles: list[socket.socket]) -> None:
        """The channel's frame handler from a request on the loop thread until the
        frames that waited meanwhile are dispatched (the rest of the time: _dispatch)."""
        if self._holding and self._is_awaited_answer(kind, payload):
            self._dispatch(kind, payload, handles)
        else:
            self._held.append((kind, payload, handles))

    def _dispatch(self, kind: int, payload: Payload, handles: list[socket.socket]) -> None:
        handle = None
        if handles:
            handle = handles[0]
            for extra in handles[1:]:
                extra.close()
        if kind == KIND_PICKLE:
            self.messages_received += 1
            # Unpickled when delivered while the script runs (it may not have defined
            # its classes yet), and at once after it.
            message = Deferred(lambda: self._decode_user(kind, payload, handle))
            if loop.script_done:
                try:
                    message = message.value()
                except UndeliverableError:
                    return
            self._on_message(message, handle)
            return
        try:
            message = from_json(payload)
        except ValueError as exc:
            self._unreadable(exc, handle)
            return
        if kind == KIND_JSON:
            self.messages_received += 1
            self._on_message(message, handle)
        elif isinstance(message, dict) and message.get("ack") in self._replies:
            self._replies.pop(message["ack"])(message, handle)
        elif isinstance(message, dict):
            self._on_internal(message, handle)

    def _decode_user(self, kind: int, payload: Payload, handle: socket.socket | None) -> Any:
        try:
            return decode(kind, payload)
        except Exception as exc:  # noqa: BLE001 - a bad payload is that worker's error
            self._unreadable(exc, handle)
            raise UndeliverableError() from exc

    def _unreadable(self, exc: BaseException, handle: socket.socket | None) -> None:
        if handle is not None:
            handle.close()
        self._on_error(ValueError(f"could not read a message from the channel: {exc}"))

    def _is_awaited_answer(self, kind: int, payload: Payload) -> bool:
        if kind != KIND_INTERNAL:
            return False
        message = from_json(payload)
        return isinstance(message, dict) and message.get("ack") in self._replies

    def _release_held(self) -> None:
        """Dispatch the frames that arrived while a request was answered in the loop."""
        while self._held and not self._holding:
            self._dispatch(*self._held.popleft())
        if not (self._held or self._holding):
            self.channel.on_frame = self._dispatch

    def _on_close(self, error: BaseException | None) -> None:
        replies = list(self._replies.values())
        self._replies.clear()
        if error is not None:
            self._on_error(error)
        self._on_disconnect()
        for reply in replies:  # nobody will answer now: wake whoever waits
            reply({"errno": errno.EPIPE, "error": "channel closed"}, None)

    def disconnect(self) -> None:
        self.channel.close()
