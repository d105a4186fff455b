"""The primary's server handles (placeholder until server sharing lands)."""

from __future__ import annotations

import socket
from typing import Any


def on_internal(worker: Any, message: dict[str, Any], handle: socket.socket | None) -> None:
    if handle is not None:
        handle.close()


def remove_worker(worker: Any) -> None:
    pass


def has_handles() -> bool:
    return False
