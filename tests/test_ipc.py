"""Messages between the primary and its workers: payloads, serialization, order,
errors, and sockets sent along with a message.

Ports of Node's ``ipc`` tests (see /work/shared/NODE-TESTS.md) plus SPEC.md's rules for
messages. Each test runs a program from tests/programs as a real primary with real
workers; the program checks its own expectations and exits 0 when they all hold.
Sockets sent as handles come from a ``socket.create_server`` owned by the primary.
"""

from __future__ import annotations

import json

import pytest

from cluster._ipc import from_json, to_json
from support import assert_ok, run_program

# -- ports of Node's tests ------------------------------------------------------------


@pytest.mark.parametrize("how", ["setup", "settings"])
def test_advanced_serialization_round_trips_a_self_referencing_object(how: str) -> None:
    """Ports test-cluster-advanced-serialization.js: with serialization='advanced'
    (pickle), set by setup_primary() or by assigning into cluster.settings before the
    first fork, a self-referencing dict (and tuples, sets, bytes) goes primary ->
    worker -> primary intact."""
    assert assert_ok(run_program("ipc_advanced_serialization.py", how, timeout=20)) == [
        "round trip intact"
    ]


def test_advanced_serialization_round_trips_a_class_from_main() -> None:
    """Ports test-cluster-advanced-serialization.js, Python's side of it: an instance
    of a class defined in the program's __main__ (after ``import cluster``) round-trips
    too, even when it reaches the worker while the worker's script is still starting."""
    assert assert_ok(run_program("ipc_advanced_serialization.py", "main-class", timeout=20)) == [
        "round trip intact"
    ]


def test_user_message_shaped_like_an_internal_one_is_delivered_untouched() -> None:
    """Ports test-cluster-invalid-message.js, with SPEC.md's rule: messages such as
    {'cmd': 'NODE_CLUSTER', 'ack': -1} or {'cmd': 'NODE_CLUSTER', 'act': 'disconnect'}
    are ordinary user messages both ways; the cluster does not act on them (no second
    'online', no 'listening', no disconnect) and the worker exits 0 when disconnected."""
    assert assert_ok(run_program("ipc_invalid_message.py", timeout=20)) == [
        "fake internal messages delivered untouched both ways"
    ]


def test_exception_after_disconnect_in_a_worker_listener_is_uncaught() -> None:
    """Ports test-cluster-ipc-throw.js (partly): a worker listener that calls
    disconnect() and then raises sends the exception to sys.excepthook and the worker
    ends with status 1; the primary still gets 'disconnect' and 'exit'."""
    result = run_program("ipc_throw.py", timeout=20)
    assert assert_ok(result) == ["worker exit 1 None"]
    assert "worker excepthook: RuntimeError: thrown after disconnect" in result.stderr


def test_messages_reach_every_listener_on_both_sides() -> None:
    """Ports test-cluster-message.js: the worker's 'message', the module's
    'message'(worker, message, handle), and in the worker both process and
    cluster.worker 'message' get the right payloads (checked over a TCP side channel)."""
    assert assert_ok(run_program("ipc_message.py", timeout=20)) == ["all three checks passed"]


def test_worker_sends_a_connected_socket_to_the_primary() -> None:
    """Ports test-cluster-net-send.js over the cluster's channel: a worker sends one end
    of a socket pair with a message (its own copy closed, keep_open being False), and the
    primary reads from the socket it received what the worker writes on the other end."""
    assert assert_ok(run_program("ipc_net_send.py", timeout=20)) == ["read hello"]


def test_sockets_sent_both_ways_at_once_do_not_deadlock() -> None:
    """Ports test-cluster-send-deadlock.js: two accepted sockets go primary -> worker
    and straight back worker -> primary at the same time; the worker's clients see
    their connections end and the worker exits 0."""
    assert assert_ok(run_program("ipc_send_deadlock.py", timeout=20)) == [
        "both handles went round; worker exit 0 None"
    ]


def test_worker_sends_the_same_socket_twice() -> None:
    """Ports test-cluster-send-handle-twice.js: a worker sends the same connected
    socket to the primary twice in a row without error, and exits cleanly."""
    assert assert_ok(run_program("ipc_send_handle_twice.py", timeout=20)) == [
        "got send-handle-1 send-handle-2"
    ]


def test_same_socket_sent_twice_arrives_twice_even_when_queued() -> None:
    """Ports test-cluster-send-handle-twice.js under back-pressure: with a large
    message before each send, the second send of the socket is still queued when the
    first has been written (and the sender's copy closed, keep_open being False); both
    still arrive and the channel keeps working."""
    assert assert_ok(run_program("ipc_send_handle_twice.py", "queued", timeout=30)) == [
        "got send-handle-1 send-handle-2"
    ]


def test_large_payload_with_a_socket_goes_there_and_back_intact() -> None:
    """Ports sequential/test-cluster-send-handle-large-payload.js: an ~800 KB message
    carrying a connected socket goes primary -> worker -> primary; the payload is
    intact and the socket is the same connection (data still flows on it)."""
    assert assert_ok(run_program("ipc_send_handle_large_payload.py", timeout=20)) == [
        "payload and handle intact"
    ]


def test_message_reaches_process_and_worker_listeners_alike() -> None:
    """Ports test-cluster-worker-events.js (without Node's process 'error' forwarding):
    one message to a worker reaches process 'message' and cluster.worker 'message'
    once each with equal payloads; worker.send() returns True; the worker's own exit
    code reaches the primary."""
    assert assert_ok(run_program("ipc_worker_events.py", timeout=20)) == ["worker exit 2"]


def test_message_sent_on_online_reaches_cluster_worker() -> None:
    """Ports test-cluster-worker-init.js: cluster.worker listens early enough that a
    message sent from the primary's 'online' listener reaches it; the primary's
    worker.disconnect() returns the worker."""
    assert assert_ok(run_program("ipc_worker_init.py", timeout=20)) == ["worker exit 0 None"]


# -- SPEC.md's rules for messages ---------------------------------------------------------


def test_order_is_kept_for_ten_thousand_messages_each_way() -> None:
    """SPEC.md: message order between two processes is preserved; 10,000 numbered
    messages sent each way at the same time all arrive, in order."""
    assert assert_ok(run_program("ipc_order.py", timeout=30)) == ["in order both ways: 10000"]


def test_order_is_kept_for_messages_sent_from_listeners() -> None:
    """SPEC.md: the same from the event thread, where the first message of a turn goes
    out at once and the rest are queued and written in 64 KiB runs: 30,000 messages
    each way from a listener, some with a socket or a callback, arrive in order."""
    lines = assert_ok(run_program("ipc_order_from_listener.py", timeout=40))
    assert lines == ["in order both ways from listeners: 30000"]


def test_order_is_kept_while_a_listener_starts_a_server() -> None:
    """SPEC.md: order is kept while a 'message' listener waits for the primary's
    answer to listen() on the event thread (the messages arriving meanwhile wait, in
    order), also when a second server starts while those messages are delivered."""
    lines = assert_ok(run_program("ipc_listen_in_listener.py", timeout=20))
    assert lines == ["in order while serving: 2000"]


def test_messages_arriving_before_the_worker_listens_are_all_kept() -> None:
    """SPEC.md: no message is lost and order is kept; 20,000 messages that reach a
    worker while its script is still starting up are all delivered, in order, once
    it adds its 'message' listener."""
    assert assert_ok(run_program("ipc_early_messages.py", timeout=30)) == [
        "all early messages delivered: 20000"
    ]


def test_listener_hears_messages_while_the_primary_main_thread_is_busy() -> None:
    """SPEC.md ('an event is held only while nobody listens to it'): a 'message'
    listener added right after fork() is called while the primary's main thread is
    still busy, even though nobody listens to 'online' or 'fork'."""
    assert assert_ok(run_program("ipc_listener_while_busy.py", timeout=20)) == ["heard while busy"]


@pytest.mark.parametrize("serialization", ["json", "advanced"])
def test_unserializable_message_raises_typeerror_and_the_channel_keeps_working(
    serialization: str,
) -> None:
    """SPEC.md: a message that cannot be serialized (a set or bytes under json, a lock
    or a lambda under pickle) raises TypeError at send() naming the culprit, on both
    sides; nothing is sent and the worker keeps working."""
    lines = assert_ok(run_program("ipc_unserializable.py", serialization, timeout=20))
    if serialization == "json":
        culprits = ["set", "set", "Thing", "bytes", "circular"]
    else:
        culprits = ["lock", "lambda"]
    expected = [f"refused {name}:" for name in culprits] * 2  # primary, then worker
    assert [line.split(":")[0] + ":" for line in lines] == expected


def test_send_on_a_closed_channel_reports_channel_closed_error() -> None:
    """SPEC.md / Node 20: send(callback) reports success with None; after the worker
    has exited send() returns False and a ChannelClosedError (ERR_IPC_CHANNEL_CLOSED)
    goes to the callback, or to the worker's 'error' event without one."""
    lines = assert_ok(run_program("ipc_closed_channel.py", "busy", timeout=20))
    assert lines[0] == "callback(None) after a good send"
    assert sorted(lines[1:]) == [
        "'error' event got ChannelClosedError Channel closed",
        "callback got ChannelClosedError Channel closed",
    ]


def test_channel_closed_callbacks_run_before_the_primary_exits() -> None:
    """Node 20 (FINDINGS.md scenario 18): the ChannelClosedError callback and 'error'
    event of a send() made in the last worker's 'exit' listener still run; the primary
    does not exit before them."""
    lines = assert_ok(run_program("ipc_closed_channel.py", "last", timeout=20))
    assert len(lines) == 3


@pytest.mark.parametrize("serialization", ["json", "advanced"])
def test_eight_megabyte_message_arrives_intact(serialization: str) -> None:
    """SPEC.md: a large (8 MB) message goes primary -> worker -> primary intact."""
    assert assert_ok(run_program("ipc_large_message.py", serialization, timeout=30)) == [
        "8 MB intact both ways"
    ]


def test_slow_reader_does_not_block_the_sender() -> None:
    """SPEC.md (writes never block): while a worker does not read, the primary queues
    32 MB with send() returning promptly (False once the backlog is large), and all of
    it arrives once the worker reads again."""
    lines = assert_ok(run_program("ipc_slow_reader.py", timeout=30))
    assert len(lines) == 1 and lines[0].startswith("32 MB queued in ")


@pytest.mark.parametrize(
    "value",
    [
        {"t": "d", "p": "x" * 16},
        [1, -2.5, 10**30, None, True, False, "", "é ✓ \u2028", {"nested": [[], {}]}],
        "a string",
        float("inf"),
    ],
)
def test_the_json_codec_reads_and_writes_what_the_json_module_does(value: object) -> None:
    """The channel's JSON (the C encoder and scanner called directly) is json's."""
    payload = to_json(value)
    assert payload == json.dumps(value, separators=(",", ":")).encode()
    assert from_json(payload) == json.loads(payload)
    assert from_json(bytearray(payload)) == json.loads(payload)


def test_the_json_codec_accepts_whitespace_and_names_bad_input() -> None:
    assert from_json(b' {"a": [1, 2]} ') == {"a": [1, 2]}
    for bad in (b"", b"{", b'{"a": 1} extra', b"\xff"):
        with pytest.raises(ValueError):
            from_json(bad)
