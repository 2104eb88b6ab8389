"""WebSocket frames that are not Engine.IO at all are refused quietly.

python-engineio decodes a frame's first character as the packet type outside its own error
handling: a frame such as "x" (or an empty one) raises out of the transport, and the WSGI server
logs a full traceback for it, one per connection, which anyone can send. Such a frame closes the
connection instead, with one line in the Engine.IO log (silent unless `engineio_logger` is on).
"""

import base64
import binascii

PACKET_TYPES = "0123456"  # open, close, ping, pong, message, upgrade, noop
NOOP = "6"


def is_engineio_frame(data) -> bool:
    """Whether python-engineio can decode this frame (bytes are binary messages: always)."""
    if not isinstance(data, str):
        return True
    if data[:1] == "b":
        try:
            base64.b64decode(data[1:], validate=True)
        except (binascii.Error, ValueError):
            return False
        return True
    return data[:1] in PACKET_TYPES and data != ""


def refusing_websocket(base: type, logger) -> type:
    """A subclass of engineio's WebSocket wrapper that closes on a frame it cannot decode."""

    class RefusingWebSocket(base):
        def wait(self):
            data = super().wait()
            if data is None or is_engineio_frame(data):
                return data
            logger.info("Closing a WebSocket that sent a frame that is not Engine.IO: %.20r", data)
            self.close()
            # A no-op packet: during an upgrade it fails the probe check quietly, afterwards it is
            # ignored, and the next wait finds the connection closed.
            return NOOP

    RefusingWebSocket.__name__ = f"Refusing{base.__name__}"
    return RefusingWebSocket


def install(eio_server) -> None:
    """Make an engineio server refuse undecodable WebSocket frames (see the module docstring)."""
    websocket = eio_server._async.get("websocket")
    if websocket is not None and not getattr(websocket, "refuses_bad_frames", False):
        refusing = refusing_websocket(websocket, eio_server.logger)
        refusing.refuses_bad_frames = True
        eio_server._async = {**eio_server._async, "websocket": refusing}
