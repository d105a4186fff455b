"""Bad input gets a clear exception at the call, or an 'error' on that worker only."""

from __future__ import annotations

from support import assert_ok, run_program


def test_a_corrupt_frame_is_an_error_on_that_worker_only() -> None:
    """A worker that writes garbage into its channel: the primary emits 'error' on that
    worker, closes its channel (the worker exits), and the other worker carries on."""
    lines = assert_ok(run_program("bad_corrupt_frame.py"))
    assert "error on the corrupt worker: ProtocolError" in lines
    assert "healthy worker exited 0" in lines
    assert "corrupt worker exited 0" in lines
