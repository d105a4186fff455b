"""gevent's and eventlet's servers in a worker, routed through the primary like any other.

Neither library's socket is a ``socket.socket``, monkey-patched or not, so the routing
that ``_listen`` puts on ``socket.socket`` never sees their ``bind()``:

- gevent's socket wraps a ``gevent._socket3._wrefsocket`` (a subclass of the C
  ``_socket.socket``) and calls its ``bind``, ``listen`` and ``_accept`` directly; its
  servers (``StreamServer``, ``pywsgi.WSGIServer``) wrap the descriptor that
  ``_accept()`` returns in a new socket object.
- eventlet's ``GreenSocket`` wraps an instance of its own copy of the standard
  library's ``socket.socket`` (``eventlet.patcher.original("socket")``), and
  ``eventlet.listen()`` sets ``SO_REUSEPORT``, which the cluster leaves alone.

So, in a worker, those inner classes are taught the routed methods as soon as their
modules are imported (now, or later by an import hook), and ``eventlet.listen()`` leaves
``SO_REUSEPORT`` off unless asked (``reuse_port=True`` keeps eventlet's own balancing,
unrouted, as an ``SO_REUSEPORT`` socket always is).
"""

from __future__ import annotations

import _socket
import functools
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from . import _listen


def _route_gevent_sockets(module: ModuleType) -> None:
    """gevent's inner socket: routed binds, descriptors from the primary's pair."""
    create = _socket.socket.__init__

    def init(self: Any, family: int = -1, kind: int = -1, proto: int = -1, fileno: Any = None) -> None:  # noqa: E501
        create(self, family, kind, proto, fileno)
        if fileno is not None:
            _listen.adopt_connection(self, fileno)

    def close(self: Any) -> None:
        _listen.closing(self)
        _socket.socket.close(self)

    _listen.route_class(
        module._wrefsocket,
        {"__init__": init, "_accept": _listen.accept_descriptor, "close": close},
    )


def _route_eventlet_sockets(module: ModuleType) -> None:
    """eventlet's copy of ``socket.socket``: the same routed methods as the real one."""
    _listen.route_class(module._original_socket)


def _routed_listen(listen: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(listen)
    def routed(*args: Any, **kwargs: Any) -> Any:
        if len(args) < 5 and kwargs.get("reuse_port") is None:
            kwargs["reuse_port"] = False  # eventlet's default would be True: unrouted
        return listen(*args, **kwargs)

    routed.__cluster_routed__ = True  # type: ignore[attr-defined]
    return routed


def _route_eventlet_listen(module: ModuleType) -> None:
    listen = module.__dict__["listen"]
    if not getattr(listen, "__cluster_routed__", False):
        listen = _routed_listen(listen)
        module.__dict__["listen"] = listen
    eventlet = sys.modules.get("eventlet")
    if eventlet is not None and "listen" in eventlet.__dict__:
        eventlet.__dict__["listen"] = listen  # imported already: its name for the function


_HOOKS: dict[str, Callable[[ModuleType], None]] = {
    "gevent._socket3": _route_gevent_sockets,
    "eventlet.greenio.base": _route_eventlet_sockets,
    "eventlet.convenience": _route_eventlet_listen,
}


class _HookedLoader(importlib.abc.Loader):
    """Runs a module as its own loader would, then the hook for it."""

    def __init__(self, loader: Any, hook: Callable[[ModuleType], None]) -> None:
        self._loader = loader
        self._hook = hook

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)  # type: ignore[no-any-return]

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        self._hook(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class _AfterImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: wraps the loader that the other finders give the hooked
    modules."""

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        hook = _HOOKS.get(name)
        if hook is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _HookedLoader(spec.loader, hook)
                return spec
        return None


def install() -> None:
    """Route gevent's and eventlet's servers: those imported already, and those to come."""
    for name, hook in _HOOKS.items():
        module = sys.modules.get(name)
        if module is not None:
            hook(module)
    sys.meta_path.insert(0, _AfterImport())
