"""The worker's servers (placeholder until server sharing lands)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any


def on_internal(message: dict[str, Any], handle: socket.socket | None) -> None:
    if handle is not None:
        handle.close()


def close_all(done: Callable[[], None]) -> None:
    done()
