"""Socket.IO clients for tests: one that records events, one that resyncs as static/js/live.js."""

import asyncio
import threading
import time


class SocketClient:
    """A real python-socketio client that records every event it receives."""

    def __init__(self, url: str, auth: dict, headers: dict | None = None):
        import socketio

        self.events: list[tuple[str, object]] = []
        self.condition = threading.Condition()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("*", self._record)
        self.sio.connect(
            url, auth=auth, transports=["websocket"], headers=headers or {}, wait_timeout=10
        )

    def _record(self, event, data=None):
        with self.condition:
            self.events.append((event, data))
            self.condition.notify_all()

    def received(self, event: str) -> list:
        with self.condition:
            return [data for name, data in self.events if name == event]

    def wait_for(self, event: str, predicate=lambda data: True, timeout: float = 5.0):
        deadline = time.monotonic() + timeout
        with self.condition:
            while True:
                for name, data in self.events:
                    if name == event and predicate(data):
                        return data
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"no {event} matching within {timeout}s; got {self.events!r}"
                    )
                self.condition.wait(remaining)

    def call(self, event: str, data=None, timeout: float = 5.0):
        return self.sio.call(event, data, timeout=timeout)

    def close(self):
        self.sio.disconnect()


def refusal(url: str, auth: dict) -> dict:
    """Connect with `auth` and return why the server refused it: `{"code", "message"}`."""
    import socketio

    reasons = []
    client = socketio.Client(reconnection=False)
    client.on("connect_error", lambda data=None: reasons.append(data))
    try:
        client.connect(url, auth=auth, transports=["websocket"], wait_timeout=10)
    except socketio.exceptions.ConnectionError:
        pass
    else:
        client.disconnect()
        raise AssertionError(f"the server accepted {auth!r}")
    assert reasons, "refused without a reason"
    return reasons[0]["data"]


class InsightMirror:
    """What static/js/live.js keeps: each insight's latest state, applied once per (id, seq).

    tests/e2e/test_live_events.py runs live.js's own apply() on the same events and compares, so
    the two cannot drift apart unnoticed.

    Tests drive it with live events and resync answers and check that nothing is missed, nothing
    comes back from the dead, and no change is applied twice.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.versions: dict[int, tuple[int, bool]] = {}
        self.insights: dict[int, dict] = {}
        self.last_seq = 0
        self.confirmed_seq = 0  # only a resync answer moves it, as in live.js
        self.applied: list[tuple[int, int]] = []  # (id, seq) of every change applied
        self.skipped = 0  # payloads recognised as already seen or stale

    def apply(self, payload) -> bool:
        if not isinstance(payload, dict) or not isinstance(payload.get("id"), int):
            return False
        with self.lock:
            seq, stub = payload.get("seq") or 0, "text" not in payload
            self.last_seq = max(self.last_seq, seq)
            known = self.versions.get(payload["id"])
            if known and (seq < known[0] or (seq == known[0] and not (known[1] and not stub))):
                self.skipped += 1
                return False
            self.versions[payload["id"]] = (seq, stub)
            self.applied.append((payload["id"], seq))
            if stub:  # hidden from this client, or withdrawn by its author
                self.insights.pop(payload["id"], None)
            else:
                self.insights[payload["id"]] = {**self.insights.get(payload["id"], {}), **payload}
            return True

    def since(self) -> int:
        return self.confirmed_seq

    def resynced(self, answer: dict) -> int:
        """Apply a resync answer; return how many payloads it held."""
        for payload in answer["insights"]:
            self.apply(payload)
        self.confirmed_seq = max(self.confirmed_seq, answer["seq"])
        return len(answer["insights"])

    def duplicates(self) -> int:
        """Changes applied more than once: must stay 0."""
        return len(self.applied) - len(set(self.applied))

    def visible(self) -> dict[int, dict]:
        return {i: p for i, p in self.insights.items() if p.get("status") == "visible"}


class ResyncingSocket:
    """A python-socketio Client that reconnects by itself and resyncs from its last seq, as live.js."""

    def __init__(self, url: str, auth: dict):
        import socketio

        self.mirror = InsightMirror()
        self.connects = 0
        self.resyncs = 0
        self.sio = socketio.Client(reconnection=True, reconnection_delay=0.2)
        self.sio.on("connect", self._on_connect)
        for event in ("insight:new", "insight:update", "insight:remove"):
            self.sio.on(event, self.mirror.apply)
        self.sio.connect(url, auth=auth, transports=["websocket"], wait_timeout=10)

    def _on_connect(self):
        self.connects += 1
        self.sio.start_background_task(self.resync)

    def resync(self):
        try:
            answer = self.sio.call("resync", {"since": self.mirror.since()}, timeout=10)
        except Exception:  # dropped again: the next connect resyncs
            return
        self.mirror.resynced(answer)
        self.resyncs += 1

    def wait_until(self, predicate, timeout: float = 15.0):
        deadline = time.monotonic() + timeout
        while not predicate(self):
            if time.monotonic() > deadline:
                raise AssertionError(f"not reached within {timeout}s: {self.mirror.insights!r}")
            time.sleep(0.05)

    def close(self):
        self.sio.disconnect()


def run_async(coroutine):
    """asyncio.run in a thread of its own: Playwright's sync API keeps a loop in the main thread."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
