"""Rate-limit budgets: shared by every process through Redis, or kept in this process's memory.

A venue's phones share one public IP behind NAT, so the tight limits are per participant and per
connection (what one phone can do), and the per-address budgets are sized for a full room of
1,000 phones: they only stop what no room of people does, such as one script posting under a
thousand identities. The narrow budgets are spent first, so a single flooding phone is stopped by
its own bucket and never drains the budget its neighbours behind the same NAT share.

The budgets a client could multiply by spreading its requests over processes (posts and votes,
joins, connects, code and key guesses) are `Budget`s counted by the `limits` library (the one
Flask-Limiter is built on): in Redis when REDIS_URL is set, so N processes give one budget, not N;
in memory for a single process. The budgets of one socket's frames (`socket_events`,
`socket_strikes`, `resyncs`) protect the process that reads them and are spent before a frame
is decoded: they stay `TokenBuckets` in memory, where a refusal costs a dictionary lookup and a
flood never waits on the network.
"""

import logging
import threading
import time
from collections import OrderedDict
from datetime import UTC, datetime

from flask import has_request_context, request
from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import SlidingWindowCounterRateLimiter

from .errors import N_, RateLimited

log = logging.getLogger(__name__)


class Storage:
    """Where the `Budget`s count: one `limits` storage and limiter for the whole process."""

    def __init__(self):
        self.redis = None  # a redis.Redis client when budgets are shared
        self.prefix = "aantafel:limits"
        self.storage = self._limiter = None

    @property
    def limiter(self) -> SlidingWindowCounterRateLimiter:
        if self._limiter is None:
            # Made on first use, in the serving process: `MemoryStorage` starts a timer thread,
            # which would not survive gunicorn's fork if made at import.
            self.use(MemoryStorage())
        return self._limiter

    def use(self, storage) -> None:
        self.storage = storage
        self._limiter = SlidingWindowCounterRateLimiter(storage)

    def configure(self, redis_url: str | None, prefix: str) -> None:
        """Count in Redis under `prefix` (one per deployment) when `redis_url` is set."""
        self.prefix = prefix
        if not redis_url:
            self.redis = None
            if not isinstance(self.storage, MemoryStorage):
                self.storage = self._limiter = None
            return
        # Short timeouts: a Redis that stopped answering costs a post half a second, not minutes.
        storage = RedisStorage(
            redis_url,
            key_prefix=prefix,
            wrap_exceptions=True,
            socket_timeout=0.5,
            socket_connect_timeout=0.5,
        )
        self.redis = storage.storage
        self.use(storage)


store = Storage()


def configure(redis_url: str | None, channel: str) -> None:
    """Called by `create_app`: budgets in Redis, one key space per deployment (its channel)."""
    store.configure(redis_url, f"{channel}:limits")


class Budget:
    """`burst` actions at once and `per_second` on average, per key, counted by `limits`.

    A sliding window counter of `burst` per `burst / per_second` seconds: it allows the burst
    at once, and once the window has turned, frees a slot every 1 / `per_second` seconds as the
    previous window's count fades. Two counters per key, one atomic script per action in Redis.
    If the storage cannot be reached the action is allowed (and logged): a Redis outage must
    not stop a room from posting.
    """

    def __init__(self, name: str, burst: float, per_second: float):
        self.name, self.burst, self.per_second = name, burst, per_second
        self._item = None

    @property
    def item(self) -> RateLimitItemPerSecond:
        seconds = max(1, round(self.burst / self.per_second))
        item = self._item
        if item is None or item.amount != int(self.burst) or item.multiples != seconds:
            item = self._item = RateLimitItemPerSecond(int(self.burst), seconds, self.name)
        return item

    def take(self, key) -> float:
        """Spend one action for `key`; return 0 if allowed, else the seconds until one is free."""
        try:
            if store.limiter.hit(self.item, str(key)):
                return 0.0
            return self._wait(key)
        except StorageError as error:
            log.error("rate-limit storage unreachable, %s allowed: %s", self.name, error)
            return 0.0

    def _wait(self, key) -> float:
        reset_at, _remaining = store.limiter.get_window_stats(self.item, str(key))
        return max(0.001, reset_at - time.time())

    def level(self, key) -> float:
        """The actions `key` has left now (a full burst for a key never seen)."""
        try:
            return float(store.limiter.get_window_stats(self.item, str(key)).remaining)
        except StorageError as error:
            log.error("rate-limit storage unreachable, %s: %s", self.name, error)
            return float(self.burst)

    def wait(self, key) -> float:
        """Seconds until `key` has an action again (0: it has one now), without spending it."""
        try:
            return 0.0 if store.limiter.test(self.item, str(key)) else self._wait(key)
        except StorageError as error:
            log.error("rate-limit storage unreachable, %s allowed: %s", self.name, error)
            return 0.0

    def check(self, key, message: str) -> None:
        wait = self.take(key)
        if wait:
            raise RateLimited(message, retry_after=retry_after(wait))

    def forget(self, key) -> None:
        store.limiter.clear(self.item, str(key))

    def reset(self) -> None:
        """Forget every key of this budget (tests)."""
        start = f"{self.name}/"
        if store.redis is not None:
            keys = list(store.redis.scan_iter(match=f"{store.prefix}:{start}*", count=1000))
            if keys:
                store.redis.delete(*keys)
            return
        memory = store.storage
        if memory is None:
            return
        for key in [k for k in memory.storage if k.startswith(start)]:
            memory.clear(key)


class TokenBuckets:
    """Token buckets in this process's memory, for the budgets spent on every socket frame."""

    def __init__(self, burst: float, per_second: float, max_keys: int = 100_000):
        self.burst, self.per_second, self.max_keys = burst, per_second, max_keys
        self._buckets: dict = {}
        self._lock = threading.Lock()

    def _tokens(self, key, now: float) -> float:
        tokens, last = self._buckets.get(key, (self.burst, now))
        return min(self.burst, tokens + (now - last) * self.per_second)

    def take(self, key) -> float:
        """Spend one token for `key`; return 0 if allowed, else the seconds until one is free."""
        now = time.monotonic()
        with self._lock:
            tokens = self._tokens(key, now)
            if tokens >= 1:
                if len(self._buckets) >= self.max_keys:
                    self._buckets.clear()
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.per_second

    def level(self, key) -> float:
        """The tokens `key` holds now (a full burst for a key never seen)."""
        with self._lock:
            return self._tokens(key, time.monotonic())

    def wait(self, key) -> float:
        """Seconds until `key` has a token again (0: it has one now), without spending it."""
        with self._lock:
            tokens = self._tokens(key, time.monotonic())
        return 0.0 if tokens >= 1 else (1 - tokens) / self.per_second

    def check(self, key, message: str) -> None:
        wait = self.take(key)
        if wait:
            raise RateLimited(message, retry_after=retry_after(wait))

    def forget(self, key) -> None:
        with self._lock:
            self._buckets.pop(key, None)

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()


def retry_after(wait: float) -> int:
    return max(1, round(wait + 0.5))


def client_address() -> str:
    """The caller's address (HTTP request or Socket.IO handler); behind a proxy see PROXY_HOPS."""
    return (request.remote_addr if has_request_context() else None) or "-"


class CodeGuessing:
    """Throttle join-code guessing per address without locking a room out.

    Every lookup of a code that does not exist spends a token of the address's miss budget. While
    that budget is empty, the address gets 429 for every code it has not already used
    successfully; codes it does know keep working. So a phone behind the venue's NAT still joins
    the session its neighbours are in while someone on the same network guesses codes, and a
    guesser learns nothing from the throttled answers (an unknown-but-real code is refused too).
    """

    def __init__(
        self,
        name: str,
        burst: float,
        per_second: float,
        codes_per_address: int = 32,
        message: str = "Too many unknown codes from this network; check the code and try again "
        "shortly.",
        code: str = "too_many_unknown_codes",
    ):
        self.name = name
        self.misses = Budget(f"{name}-misses", burst, per_second)
        self.codes_per_address = codes_per_address
        self.message, self.code = message, code
        self._known: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def knows(self, address: str, code: str) -> bool:
        """Whether `address` used `code` successfully, on this process or (in Redis) any other."""
        with self._lock:
            if code in self._known.get(address, ()):
                return True
        if store.redis is None:
            return False
        try:
            known = store.redis.zscore(self._shared_key(address), code) is not None
        except Exception as error:  # noqa: BLE001 (an unreachable Redis must not lock a room out)
            log.error("rate-limit storage unreachable, %s: %s", self.name, error)
            return True
        if known:
            self._remember(address, code)
        return known

    def check(self, address: str, code: str) -> None:
        if self.knows(address, code):
            return
        wait = self.misses.wait(address)
        if wait:
            raise RateLimited(self.message, code=self.code, retry_after=retry_after(wait))

    def found(self, address: str, code: str) -> None:
        if self._remember(address, code) and store.redis is not None:
            key = self._shared_key(address)
            try:
                with store.redis.pipeline(transaction=False) as shared:
                    shared.zadd(key, {code: time.time()})
                    shared.zremrangebyrank(key, 0, -self.codes_per_address - 1)
                    shared.expire(key, 86400)
                    shared.execute()
            except Exception as error:  # noqa: BLE001
                log.error("rate-limit storage unreachable, %s: %s", self.name, error)

    def _remember(self, address: str, code: str) -> bool:
        """Note `code` as known to `address` here; True if it was new to this process."""
        with self._lock:
            codes = self._known.pop(address, None) or OrderedDict()
            new = code not in codes
            codes[code] = True
            codes.move_to_end(code)
            while len(codes) > self.codes_per_address:
                codes.popitem(last=False)
            self._known[address] = codes
            while len(self._known) > 100_000:
                self._known.popitem(last=False)
        return new

    def _shared_key(self, address: str) -> str:
        return f"{store.prefix}:{self.name}-known/{address}"

    def missed(self, address: str) -> None:
        self.misses.take(address)

    def reset(self) -> None:
        self.misses.reset()
        with self._lock:
            self._known.clear()
        if store.redis is not None:
            keys = list(store.redis.scan_iter(match=self._shared_key("*"), count=1000))
            if keys:
                store.redis.delete(*keys)


# A participant's posts and votes: a burst of 30, then one per second. The exact rule is a token
# bucket in this process: a sliding window (all `limits` offers) cannot say "then one per second",
# since after a burst it makes a phone wait until the window turns, up to 30 s. With several
# processes (REDIS_URL) the same budget is also counted in Redis, so spreading requests over N
# processes does not give N bursts; there, after a burst, that wait is the price.
participant_actions = TokenBuckets(burst=30, per_second=1)
participant_actions_everywhere = Budget("participant-actions", burst=30, per_second=1)
# Posts and votes per address: a room of 1,000 phones posting and voting at once fits in the burst,
# and 50/s sustained is over twice the 20 posts/s a full room produces at its busiest.
actions_per_address = Budget("address-actions", burst=2000, per_second=50)
# Kept apart per address for participants in good standing (see `spend_action`): while others on
# the same address drain the budget above, a phone that posts like a person keeps posting.
actions_reserve = Budget("address-reserve", burst=200, per_second=10)
# Good standing: at least this much of the participant's own burst left, and joined this long ago.
STANDING_TOKENS = 15
STANDING_AGE = 10.0
# Joins per address: 1,000 per 10 s lets a full room behind one NAT in.
joins_per_address = Budget("address-joins", burst=1000, per_second=100)
# Socket.IO connections per address: a room of 2,000 phones behind one NAT connecting, then all of
# them reconnecting after a wifi drop, with the walls and consoles among them. At 2,000 the first
# join storm spent it all and the sliding window kept the room's walls out for up to 20 s.
connects_per_address = Budget("address-connects", burst=4000, per_second=200)
# Any socket event per connection: stops one client flooding the server with cheap events.
socket_events = TokenBuckets(burst=120, per_second=20)
# Resyncs are the one expensive client event (a resync from 0 answers every insight): a phone
# or wall needs one per reconnect.
resyncs = TokenBuckets(burst=5, per_second=0.5)
# Refused events a connection may send before it is disconnected (a client that ignores the
# error acks and keeps flooding costs the server a decode per message; cut it off).
socket_strikes = TokenBuckets(burst=60, per_second=2)
# Lookups of join codes that do not exist, per address.
code_guessing = CodeGuessing("code-guessing", burst=120, per_second=1)
# Wrong facilitator keys and organiser tokens, per address, by the same rule: keys this address
# has already used successfully keep working while it is throttled.
key_guessing = CodeGuessing(
    "key-guessing",
    burst=30,
    per_second=0.5,
    message="Too many wrong keys from this network; try again shortly.",
    code="too_many_wrong_keys",
)

# Theme suggestions cost up to a few seconds of CPU each: per session, 5 at once, then one in 5 s.
theme_suggestions = TokenBuckets(burst=5, per_second=0.2)
ALL = (
    theme_suggestions,
    participant_actions,
    participant_actions_everywhere,
    actions_per_address,
    actions_reserve,
    joins_per_address,
    connects_per_address,
    socket_events,
    resyncs,
    socket_strikes,
    code_guessing,
    key_guessing,
)


def spend_action(participant, message: str) -> None:
    """One post or vote: the participant's own budget first, then its address's shared one.

    When the shared budget is empty (neighbours behind the same NAT flooding, possibly under
    many identities), a participant in good standing spends the address's reserve instead: one
    that has kept most of its own burst and did not join in the last seconds. A flooder has spent
    its burst, and a fresh identity has not earned standing yet, so re-joining buys nothing here.
    """
    participant_actions.check(participant.id, message)
    if store.redis is not None:
        participant_actions_everywhere.check(participant.id, message)
    address = client_address()
    if not actions_per_address.take(address):
        return
    if in_good_standing(participant) and not actions_reserve.take(address):
        return
    raise RateLimited(
        N_("Too many posts from this network; try again."),
        retry_after=retry_after(actions_per_address.wait(address)),
    )


def in_good_standing(participant) -> bool:
    joined = participant.created_at
    age = (datetime.now(UTC) - joined).total_seconds() if joined else 0.0
    return age >= STANDING_AGE and participant_actions.level(participant.id) >= STANDING_TOKENS


def reset_all() -> None:
    for buckets in ALL:
        buckets.reset()
