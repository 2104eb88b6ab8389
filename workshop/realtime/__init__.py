"""Live delivery: Socket.IO handlers (handlers), rooms and event names (rooms), and the publisher
that turns the domain's committed changes into events (publish)."""

from . import handlers, publish, rooms

__all__ = ["handlers", "publish", "rooms"]
