"""The emitters behave as Node's EventEmitter where pyee differs (NOTES.md lists how).

These run in the test process: an emitter is a plain object, no process involved.
"""

from __future__ import annotations

import warnings

import pytest

import cluster
from cluster._emitter import EventEmitter, MaxListenersExceededWarning


def test_a_function_added_twice_is_called_twice() -> None:
    emitter, calls = EventEmitter(), []
    listener = calls.append
    emitter.on("data", listener)
    emitter.on("data", listener)
    emitter.emit("data", 1)
    assert calls == [1, 1]
    assert emitter.listener_count("data") == 2


def test_off_removes_the_most_recently_added_copy_only() -> None:
    emitter, calls = EventEmitter(), []
    first, second = (lambda x: calls.append(("first", x))), (lambda x: calls.append(("second", x)))
    emitter.on("data", first)
    emitter.on("data", second)
    emitter.on("data", first)
    emitter.off("data", first)
    assert emitter.listeners("data") == [first, second]
    emitter.emit("data", 2)
    assert calls == [("first", 2), ("second", 2)]


def test_prepend_listener_runs_first_and_once_runs_once() -> None:
    emitter, calls = EventEmitter(), []
    emitter.on("e", lambda: calls.append("on"))
    emitter.prepend_listener("e", lambda: calls.append("prepended"))
    emitter.once("e", lambda: calls.append("once"))
    emitter.prepend_once_listener("e", lambda: calls.append("prepended once"))
    emitter.emit("e")
    emitter.emit("e")
    assert calls == ["prepended once", "prepended", "on", "once", "prepended", "on"]


def test_once_listener_removed_by_off_before_it_fires_never_runs() -> None:
    emitter, calls = EventEmitter(), []
    listener = calls.append
    emitter.once("e", listener)
    emitter.off("e", listener)
    assert not emitter.emit("e", 1)
    assert calls == []


def test_listeners_and_event_names_are_ordered_lists() -> None:
    emitter = EventEmitter()
    emitter.on("b", print)
    emitter.on("a", print)
    assert emitter.event_names() == ["b", "a"]
    emitter.remove_all_listeners("b")
    assert emitter.event_names() == ["a"]
    emitter.remove_all_listeners()
    assert emitter.event_names() == []


def test_listeners_changed_during_an_emit_take_effect_at_the_next_one() -> None:
    """Node's emit calls the listeners registered when it began (it copies the array)."""
    emitter, calls = EventEmitter(), []

    def first(n: int) -> None:
        calls.append(("first", n))
        emitter.off("e", second)
        emitter.on("e", third)

    def second(n: int) -> None:
        calls.append(("second", n))

    def third(n: int) -> None:
        calls.append(("third", n))

    emitter.on("e", first)
    emitter.on("e", second)
    assert emitter.emit("e", 1) is True
    assert calls == [("first", 1), ("second", 1)]
    calls.clear()
    emitter.off("e", first)
    emitter.emit("e", 2)
    assert calls == [("third", 2)]
    assert emitter.emit("nobody", 3) is False


def test_error_without_a_listener_raises_and_with_one_is_delivered() -> None:
    emitter = EventEmitter()
    with pytest.raises(ValueError, match="boom"):
        emitter.emit("error", ValueError("boom"))
    seen: list[BaseException] = []
    emitter.on("error", seen.append)
    error = ValueError("handled")
    assert emitter.emit("error", error)
    assert seen == [error]


def test_an_exception_in_a_listener_propagates_and_stops_later_listeners() -> None:
    emitter, calls = EventEmitter(), []

    def broken() -> None:
        raise RuntimeError("listener failed")

    emitter.on("e", broken)
    emitter.on("e", lambda: calls.append("later"))
    with pytest.raises(RuntimeError, match="listener failed"):
        emitter.emit("e")
    assert calls == []


def test_more_listeners_than_the_limit_warn_once() -> None:
    emitter = EventEmitter().set_max_listeners(2)
    assert emitter.get_max_listeners() == 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(4):
            emitter.on("e", print)
    assert [w.category for w in caught] == [MaxListenersExceededWarning]
    with pytest.raises(ValueError, match="non-negative"):
        emitter.set_max_listeners(-1)


def test_new_listener_is_emitted_before_the_listener_is_added() -> None:
    emitter, seen = EventEmitter(), []
    emitter.on("new_listener", lambda event, f: seen.append((event, emitter.listener_count(event))))
    emitter.on("data", print)
    assert seen == [("data", 0)]


def test_the_module_worker_and_process_are_such_emitters() -> None:
    assert isinstance(cluster.process, EventEmitter)
    assert issubclass(cluster.Worker, EventEmitter)
    assert cluster.on.__self__ is cluster.once.__self__
    assert isinstance(cluster.on.__self__, EventEmitter)
