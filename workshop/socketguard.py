"""What a socket may cost before and after it says who it is, enforced at the Engine.IO level.

The Socket.IO connect handler (`realtime.on_connect`) only runs once a client sends its connect
packet, and an event handler only once a message has been decoded and dispatched with a Flask
request context. Both are too late for an attacker on the venue Wi-Fi: thousands of sockets that
upgrade and then send nothing hold the worker's connections, and a tight loop of event frames
keeps the worker from ever yielding. So the guard sits on python-engineio's own `connect`,
`message` and `disconnect` hooks (the ones python-socketio registers on its Engine.IO server):

- An address holds at most `PENDING_PER_ADDRESS` sockets (polling or WebSocket) that have not
  authenticated yet: a new handshake beyond that closes the address's oldest unauthenticated
  socket. New handshakes are never refused, so a phone behind the same NAT as an attacker still
  gets a socket and authenticates it within milliseconds, while the attacker's sockets cost the
  worker no more than this many connections.
- An address holds at most `OPEN_PER_ADDRESS` sockets in all; beyond that a handshake is refused
  (401), so one address cannot fill the worker with sockets it did authenticate (walls are
  public) and lock out every other address.
- A socket that has not completed the Socket.IO connect within `AUTH_TIMEOUT` seconds is closed;
  so is a polling handshake that never polls, which frees its memory.
- An authenticated socket's messages spend its budget (`ratelimit.socket_events`, per participant)
  before they are decoded. An over-budget event costs a token-bucket lookup, is answered with the
  `rate_limited` error ack built from the raw frame's ack id, and yields to the loop; after
  `ratelimit.socket_strikes` refusals the transport is closed, at once.
- Under gevent, the WebSocket reader stops reading while the handler is behind (backpressure) and
  yields after every read, so a flooding client waits on its own TCP buffer instead of filling the
  server's memory and starving the loop (and gunicorn's heartbeat, whose miss kills the worker).
"""

import json
import time
from collections import Counter, OrderedDict

from . import ratelimit

# Seconds a socket has from the Engine.IO handshake to a successful Socket.IO connect. A phone
# sends its connect packet right after the handshake; 10 s leaves room for a busy server.
AUTH_TIMEOUT = 10.0
# Sockets per address that have not authenticated (yet). A room of phones reconnecting at once
# authenticates each socket within milliseconds, so far fewer than this are ever pending; a
# script holding sockets open without authenticating gets no more than this. Well below the
# worker's capacity (app.py, WORKER_CONNECTIONS).
PENDING_PER_ADDRESS = 200
# Sockets per address in all, authenticated or not: the stretch target of 2,000 phones behind one
# NAT, their walls, and stale sockets of phones that reconnected before the old one timed out.
OPEN_PER_ADDRESS = 3000
# Frames an unauthenticated socket may send (its connect packet, and a few retries of it).
PENDING_MESSAGES = 10


class SocketGuard:
    def __init__(self, server, proxy_hops: int = 0):
        self.eio = server.eio
        self.proxy_hops = proxy_hops
        self.next = dict(self.eio.handlers)  # python-socketio's own handlers, called after ours
        # eio sid -> [address, deadline, frames]; insertion order is deadline order.
        self.pending: OrderedDict[str, list] = OrderedDict()
        # address -> its pending eio sids, oldest first
        self.pending_by_address: dict[str, OrderedDict] = {}
        self.open_by_address: Counter = Counter()
        self.address: dict[str, str] = {}  # eio sid -> address, while it is open
        # eio sid -> (budget key, error message of a refused event, in the client's language)
        self.budgets: dict[str, tuple] = {}
        self.sweeper = None
        self.eio.on("connect", self.on_connect)
        self.eio.on("message", self.on_message)
        self.eio.on("disconnect", self.on_disconnect)
        self.eio.aantafel_guard = self
        if self.eio.async_mode == "gevent":
            from .cooperative_websocket import install

            install(self.eio)

    # --- before authentication ---------------------------------------------------------------

    def on_connect(self, eio_sid, environ):
        address = self.address_of(environ)
        if self.open_by_address[address] >= OPEN_PER_ADDRESS:
            return False  # engineio answers 401; the client retries with its backoff
        waiting = self.pending_by_address.setdefault(address, OrderedDict())
        while len(waiting) >= PENDING_PER_ADDRESS:
            oldest = next(iter(waiting))
            self.forget_pending(oldest)
            self.close(oldest)
        self.pending[eio_sid] = [address, time.monotonic() + AUTH_TIMEOUT, 0]
        self.pending_by_address.setdefault(address, OrderedDict())[eio_sid] = None
        self.address[eio_sid] = address
        self.open_by_address[address] += 1
        socket = self.eio.sockets.get(eio_sid)
        if socket is not None:
            # No ping timer until it authenticates (`authenticated` starts it): engineio's timer
            # is a greenlet that sleeps a ping interval and keeps even a closed socket in memory
            # that long, and an unauthenticated socket is closed before its first ping is due.
            socket.last_ping = None
        if self.sweeper is None:
            self.sweeper = self.eio.start_background_task(self.sweep)
        return self.next["connect"](eio_sid, environ)

    def authenticated(self, eio_sid, key, refusal_message: str) -> None:
        """The Socket.IO connect succeeded: from now on the socket spends `key`'s budget."""
        self.forget_pending(eio_sid)
        self.budgets[eio_sid] = (key, refusal_message)
        socket = self.eio.sockets.get(eio_sid)
        if socket is not None and socket.last_ping is None:
            socket.last_ping = time.time()
            socket.schedule_ping()

    def sweep(self) -> None:
        """Close sockets past their deadline (one task per server; deadlines are in order)."""
        while True:
            self.eio.sleep(0.5)
            try:
                self.close_expired(time.monotonic())
            except Exception:  # noqa: BLE001 (the sweeper must outlive any one socket)
                self.eio.logger.exception("closing unauthenticated sockets failed")

    def close_expired(self, now: float) -> None:
        while self.pending:
            eio_sid, (_address, deadline, _frames) = next(iter(self.pending.items()))
            if deadline > now:
                return
            self.forget_pending(eio_sid)
            self.close(eio_sid)

    # --- every message -----------------------------------------------------------------------

    def on_message(self, eio_sid, data):
        budget = self.budgets.get(eio_sid)
        if budget is None:
            pending = self.pending.get(eio_sid)
            if pending is None:
                return None  # closed, cut off or expired: frames still buffered are dropped
            pending[2] += 1
            if pending[2] > PENDING_MESSAGES:
                self.forget_pending(eio_sid)
                self.close(eio_sid)
                return None
            return self.deliver(eio_sid, data)
        key, message = budget
        wait = ratelimit.socket_events.take(key)
        if not wait:
            return self.deliver(eio_sid, data)
        ack = ack_prefix(data)
        if ack:
            error = {"code": "rate_limited", "message": message}
            error["retry_after"] = ratelimit.retry_after(wait)
            self.eio.send(eio_sid, ack + json.dumps([{"ok": False, "error": error}]))
        if ratelimit.socket_strikes.take(key):
            self.budgets.pop(eio_sid, None)
            self.close(eio_sid)
        self.eio.sleep(0)  # a refusal always lets the others run
        return None

    def deliver(self, eio_sid, data):
        """Hand a frame to python-socketio; one it cannot decode closes the socket quietly.

        python-socketio raises while decoding a frame such as `4²` (ValueError) or an event nested
        some thousands deep (RecursionError), and engineio would log a traceback for each: one
        per frame, which anyone can send. Handlers themselves never raise (they answer an error
        ack), so these two come from decoding.
        """
        try:
            return self.next["message"](eio_sid, data)
        except (ValueError, RecursionError) as error:
            self.eio.logger.info(
                "Closing %s: a frame that is not Socket.IO (%s)", eio_sid, type(error).__name__
            )
            self.forget_pending(eio_sid)
            self.budgets.pop(eio_sid, None)
            self.close(eio_sid)
            return None

    def on_disconnect(self, eio_sid, reason):
        self.forget_pending(eio_sid)
        self.budgets.pop(eio_sid, None)
        address = self.address.pop(eio_sid, None)
        if address is not None:
            self.open_by_address[address] -= 1
            if self.open_by_address[address] <= 0:
                del self.open_by_address[address]
        return self.next["disconnect"](eio_sid, reason)

    # --- helpers -----------------------------------------------------------------------------

    def forget_pending(self, eio_sid) -> None:
        pending = self.pending.pop(eio_sid, None)
        if pending is not None:
            waiting = self.pending_by_address.get(pending[0])
            if waiting is not None:
                waiting.pop(eio_sid, None)
                if not waiting:
                    del self.pending_by_address[pending[0]]

    def close(self, eio_sid) -> None:
        """Close the transport now, without waiting for the client to read anything.

        `eio.disconnect` would wait for the socket's queue to drain, which for a polling
        handshake that never polls is forever.
        """
        socket = self.eio.sockets.pop(eio_sid, None)
        if socket is not None:
            socket.close(wait=False, abort=True, reason=self.eio.reason.SERVER_DISCONNECT)

    def address_of(self, environ) -> str:
        """The client's address, as `ratelimit.client_address` sees it behind the same proxies."""
        address = environ.get("REMOTE_ADDR") or "-"
        if self.proxy_hops and "werkzeug.proxy_fix.orig" not in environ:
            forwarded = [a.strip() for a in environ.get("HTTP_X_FORWARDED_FOR", "").split(",")]
            if len(forwarded) >= self.proxy_hops and forwarded[-self.proxy_hops]:
                address = forwarded[-self.proxy_hops]
        return address


def ack_prefix(data) -> str | None:
    """The start of the ack for a raw Socket.IO EVENT frame (`2[/ns,]<id>[...]`), or None.

    Read from the frame without decoding its JSON: a refusal must cost next to nothing.
    """
    if not isinstance(data, str) or not data.startswith("2"):
        return None
    start = 1
    namespace = ""
    if data.startswith("/", start):
        comma = data.find(",", start, start + 200)
        if comma < 0:
            return None
        namespace, start = data[start : comma + 1], comma + 1
    end = start
    while end < len(data) and end - start < 16 and "0" <= data[end] <= "9":
        end += 1
    return f"3{namespace}{data[start:end]}" if end > start else None


def guard_of(server) -> SocketGuard | None:
    return getattr(server.eio, "aantafel_guard", None)
