"""simple-websocket's server with backpressure, for python-engineio's gevent driver.

simple-websocket reads a connection in a greenlet of its own and appends every message to an
unbounded list. gevent's `recv` returns at once while data is waiting, so a client writing frames
in a tight loop kept that greenlet running without ever yielding: the worker froze, memory grew
with the queued frames, and gunicorn's arbiter killed the worker for a missed heartbeat
(`WORKER TIMEOUT`), dropping every phone and wall. Here the reader yields after every read and
stops reading while `QUEUED` messages wait for the Engine.IO loop; the flooding client then
waits on its own TCP buffer.
"""

import gevent
import gevent.event
import simple_websocket
from engineio.async_drivers import gevent as gevent_driver
from wsproto.connection import ConnectionState

# Messages read ahead of the Engine.IO loop before the reader pauses.
QUEUED = 32


class BackpressureServer(simple_websocket.Server):
    def __init__(self, *args, **kwargs):
        self.drained = gevent.event.Event()  # before super(): it starts the reader
        self.drained.set()
        super().__init__(*args, **kwargs)

    def _handle_events(self):
        keep_going = super()._handle_events()
        gevent.sleep(0)
        while keep_going and self.connected and len(self.input_buffer) >= QUEUED:
            self.drained.clear()
            self.drained.wait(timeout=1)
        return keep_going

    def receive(self, timeout=None):
        data = super().receive(timeout)
        if len(self.input_buffer) < QUEUED:
            self.drained.set()
        return data

    def close(self, reason=None, message=None):
        """Close from the server's side and let the Engine.IO loop finish now, without waiting for
        a client that may never answer the close frame (the worker's connection is freed when it
        finishes)."""
        try:
            # A second close (the Engine.IO writer closes again after a refused frame closed it)
            # finds the WebSocket already closed: nothing left to send.
            if self.connected and self.ws.state is ConnectionState.OPEN:
                super().close(reason, message)
            self.connected = False
        finally:
            self.input_buffer.clear()  # frames of a socket the server closed are not handled
            self.drained.set()
            self.event.set()


class WebSocketWSGI(gevent_driver.WebSocketWSGI):
    """engineio's gevent WebSocket adapter, built on `BackpressureServer`."""

    def __call__(self, environ, start_response):
        self.ws = BackpressureServer(environ, **self.server_args)
        result = self.app(self)
        if self.ws.mode == "gunicorn":
            raise StopIteration()
        if self.ws.mode == "werkzeug":
            raise ConnectionError()
        return result


def install(eio) -> None:
    """Use it for this Engine.IO server only (engineio shares its driver table between servers)."""
    if gevent_driver.SimpleWebSocketWSGI is not None:  # not when gevent-websocket is installed
        eio._async = {**eio._async, "websocket": WebSocketWSGI}
