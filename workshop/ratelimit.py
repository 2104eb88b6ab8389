"""Token buckets kept in memory, per participant, per connection and per address.

A venue's phones share one public IP behind NAT, so posts and votes are limited per participant,
and the per-address budget for joins is sized for a full room.
"""

import threading
import time

from .errors import RateLimited


class TokenBuckets:
    def __init__(self, burst: float, per_second: float, max_keys: int = 100_000):
        self.burst, self.per_second, self.max_keys = burst, per_second, max_keys
        self._buckets: dict = {}
        self._lock = threading.Lock()

    def take(self, key) -> float:
        """Spend one token for `key`; return 0 if allowed, else the seconds until one is free."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.per_second)
            if tokens >= 1:
                if len(self._buckets) >= self.max_keys:
                    self._buckets.clear()
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.per_second

    def check(self, key, message: str) -> None:
        wait = self.take(key)
        if wait:
            raise RateLimited(message, retry_after=max(1, round(wait + 0.5)))

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()


# DESIGN.md section 10: a burst of 30 posts and votes, then one per second.
participant_actions = TokenBuckets(burst=30, per_second=1)
# Joins per address: 1,000 per 10 s lets a full room behind one NAT in.
joins_per_address = TokenBuckets(burst=1000, per_second=100)
# Any socket event per connection: stops one client flooding the server with cheap events.
socket_events = TokenBuckets(burst=120, per_second=20)
