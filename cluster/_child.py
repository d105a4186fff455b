"""The worker's side of the cluster (Node's ``lib/internal/cluster/child.js``).

A worker is started as ``python [exec_argv] cluster/_bootstrap.py <script | -m module>
[args]``: :func:`run_worker` sets the worker up, runs the primary's program as
``__main__``, and then keeps the process alive while the channel to the primary is open,
as Node's workers live on after their script ends.
"""

from __future__ import annotations

import builtins
import ctypes
import importlib.machinery
import io
import os
import runpy
import signal as _signal
import socket
import sys
import types
from collections.abc import Callable
from typing import Any

from . import _listen, _real
from ._ipc import Link
from ._loop import ClusterEmitter, exit_now, loop
from ._process import die_by_signal, process
from ._worker import Worker

PR_SET_PDEATHSIG = 1
PARENT_DEATH_SIGNAL = _signal.SIGRTMIN + 3
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_disconnected = _real.Event()

#: This process's Worker (``cluster.worker``), set by :func:`setup_worker`.
worker: ChildWorker | None = None
#: The module's emitter in a worker (Node's child-side ``cluster`` is one too).
emitter = ClusterEmitter()


def is_worker_environment() -> bool:
    return "NODE_UNIQUE_ID" in os.environ and "NODE_CHANNEL_FD" in os.environ


class ChildWorker(Worker):
    """``cluster.worker``: this process as a :class:`Worker`."""

    def disconnect(self) -> ChildWorker:
        """Close this worker's servers, then its channel; the primary sees
        ``exited_after_disconnect == True`` (Node's ``worker.disconnect()``)."""
        if self.state not in ("disconnecting", "destroying"):
            self.state = "disconnecting"
            self.exited_after_disconnect = True
            loop.call_soon(_disconnect, False)
        return self

    def destroy(self, signal: str | int = "SIGTERM") -> None:
        """End this worker at once, telling the primary it was deliberate."""
        loop.run_sync(self._destroy)

    def _destroy(self) -> None:
        if self.state == "destroying":
            return
        self.exited_after_disconnect = True
        if not self.is_connected():
            exit_now(0)
        self.state = "destroying"
        process.once("disconnect", lambda: exit_now(0))
        _link().send_internal(
            {"act": "exitedAfterDisconnect"}, reply=lambda *_: process.disconnect()
        )


def _link() -> Link:
    return process._require_link("send")


def setup_worker() -> ChildWorker:
    """Connect to the primary and say we are online (at ``import cluster``)."""
    global worker
    worker_id = int(os.environ.pop("NODE_UNIQUE_ID"))
    fd = int(os.environ.pop("NODE_CHANNEL_FD"))
    serialization = os.environ.pop("NODE_CHANNEL_SERIALIZATION_MODE", "json")
    os.set_inheritable(fd, False)  # the worker's own children must not hold the channel
    _die_with_primary()
    worker = ChildWorker(id=worker_id, process=process, state="online")
    link = Link(
        _real.socket(fileno=fd),
        serialization,
        on_message=_on_message,
        on_internal=_on_internal,
        on_disconnect=_on_disconnect,
        on_error=_on_error,
    )
    process.attach(link)
    worker._link = link
    _listen.install()
    link.channel.start()
    link.send_internal({"act": "online"})
    return worker


def _die_with_primary() -> None:
    """Second line of defence: the kernel signals us when the primary dies, even if
    the cluster thread is too busy to notice that the channel closed; like the channel's
    end-of-file, it ends the worker with status 0, as Node's workers end."""
    _signal.signal(PARENT_DEATH_SIGNAL, lambda signum, frame: exit_now(0))
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(PARENT_DEATH_SIGNAL), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _on_message(message: Any, handle: socket.socket | None) -> None:
    assert worker is not None
    loop.deliver_pair("message", worker, (message, handle), process, (message, handle))


def _on_error(exc: BaseException) -> None:
    assert worker is not None
    if process.listener_count("error"):
        process.emit("error", exc)
    worker.emit("error", exc)  # no listener: raises, as an uncaught error in Node


def _on_internal(message: dict[str, Any], handle: socket.socket | None) -> None:
    act = message.get("act")
    if act == "disconnect":
        when_settled(lambda: _disconnect(primary_initiated=True))
    elif act == "ping":  # a supervisor asks whether this process still answers
        _link().send_internal({"ack": message.get("seq")})
    else:
        _listen.on_internal(message, handle)


_unsettled: list[Callable[[], None]] | None = []


def when_settled(action: Callable[[], None]) -> None:
    """Run ``action`` once the script has settled: its top level has ended, or it
    serves (a routed server listens). Node handles no message before the script's
    first run is over; a disconnect that arrives while the worker is still starting
    waits so, instead of cutting the script short."""
    if _unsettled is None or process._require_link("disconnect").waiting:
        action()  # (a thread waits on the primary, in bind(): the script is not running)
    else:
        _unsettled.append(action)


def settled() -> None:
    """The script has ended or serves: run what :func:`when_settled` kept (loop thread)."""
    global _unsettled
    actions, _unsettled = _unsettled or [], None
    for action in actions:
        action()


def _disconnect(primary_initiated: bool) -> None:
    """Close every server, then the channel (Node's ``_disconnect`` in child.js)."""
    assert worker is not None
    worker.exited_after_disconnect = True

    def servers_closed() -> None:
        if primary_initiated:
            process.disconnect()
        else:
            _link().send_internal(
                {"act": "exitedAfterDisconnect"}, reply=lambda *_: process.disconnect()
            )

    _listen.close_all(servers_closed)


def _on_disconnect() -> None:
    assert worker is not None
    loop.deliver(worker, "disconnect")
    if not worker.exited_after_disconnect:
        exit_now(0)  # the primary went away, or the channel was closed under us
    loop.deliver(process, "disconnect")
    if process._link is not None and process._link.waiting:
        exit_now(0)  # a bind() the primary will not answer, as Node's listen() never completes
    _disconnected.set()  # once the script has ended, run_worker returns: a normal exit
    if not loop.script_done and _listen.served():
        # The main thread is in a server loop, which never returns by itself; the
        # servers are closed and their connections done: end the worker.
        loop.call_soon(exit_now, 0)


# -- running the program ----------------------------------------------------------------


def run_worker(argv: list[str]) -> None:
    """Run ``argv`` (``[script, *args]`` or ``["-m", module, *args]``) as ``__main__``,
    then live on while connected."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):  # one whole line per write, as console.log
            stream.reconfigure(line_buffering=True, write_through=False)
    try:
        # The primary starts workers with SIGINT blocked, so that a Ctrl+C during
        # start-up waits until here, where it ends the worker quietly.
        _signal.pthread_sigmask(_signal.SIG_UNBLOCK, {_signal.SIGINT})
        if argv[0] == "-m":
            _run_module(argv[1], argv[2:])
        else:
            _run_script(argv[0], argv[1:])
        loop.end_of_script()
        loop.run_sync(settled)
        _disconnected.wait()
    except KeyboardInterrupt:
        die_by_signal(_signal.SIGINT)  # Ctrl+C: quietly, as Node's workers die
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - reported as Python would, minus our frames
        note = _listen.unrouted_bind_note(exc)
        exc = exc.with_traceback(_user_traceback(exc.__traceback__))
        sys.excepthook(type(exc), exc, exc.__traceback__)
        if note is not None:
            print(note, file=sys.stderr)
        raise SystemExit(1) from None


def _run_script(path: str, args: list[str]) -> None:
    main = types.ModuleType("__main__")
    main.__dict__.update(
        __file__=path,
        __cached__=None,
        __builtins__=builtins,
        __loader__=importlib.machinery.SourceFileLoader("__main__", path),
    )
    sys.modules["__main__"] = main
    sys.argv[:] = [path, *args]
    _set_path_entry(os.path.dirname(os.path.abspath(path)))
    with io.open_code(path) as source:
        code = compile(source.read(), path, "exec", dont_inherit=True)
    exec(code, main.__dict__)


def _run_module(name: str, args: list[str]) -> None:
    sys.modules["__main__"] = types.ModuleType("__main__")
    sys.argv[:] = [name, *args]
    _set_path_entry(os.getcwd())
    runpy._run_module_as_main(name, alter_argv=True)  # type: ignore[attr-defined]


def _set_path_entry(directory: str) -> None:
    """Put ``directory`` where Python would have (the bootstrap's entry is first)."""
    if getattr(sys.flags, "safe_path", False):
        del sys.path[0]
    else:
        sys.path[0] = directory


def _user_traceback(tb: types.TracebackType | None) -> types.TracebackType | None:
    """Drop the bootstrap's own frames (and runpy's) from the top of a traceback."""
    while tb is not None and _is_bootstrap_frame(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    return tb


def _is_bootstrap_frame(filename: str) -> bool:
    return filename.startswith(_PACKAGE_DIR + os.sep) or filename == runpy.__file__
