"""Phones online per session, counted across every server process.

Each process counts its own phone sockets (handlers.py). With several processes (REDIS_URL) each
also keeps its counts in a Redis hash of its own: a connect or disconnect adjusts it at once, and
a refresher rewrites it every few seconds with a short expiry, so a process that died takes its
phones with it within `EXPIRY` seconds instead of counting them for ever. Readers sum the hashes.
"""

import logging
import uuid
from collections import Counter

from .. import ratelimit
from ..extensions import socketio

logger = logging.getLogger(__name__)
PROCESS = uuid.uuid4().hex[:12]
REFRESH = 10  # seconds between full rewrites of this process's counts
EXPIRY = 3 * REFRESH
_refresher = None
# This process's phone sockets per session, kept on connect and disconnect: counting by scanning
# every connection on each connect made a join storm of N phones cost O(N^2) (a py-spy profile).
local: Counter = Counter()


def _keys() -> tuple[str, str]:
    prefix = ratelimit.store.prefix.rsplit(":", 1)[0]
    return f"{prefix}:presence:{PROCESS}", f"{prefix}:presence-processes"


def phone_connected(session_id: int) -> None:
    local[session_id] += 1
    _share(session_id, 1)


def phone_left(session_id: int) -> None:
    local[session_id] -= 1
    if local[session_id] <= 0:
        del local[session_id]
    _share(session_id, -1)


def _share(session_id: int, delta: int) -> None:
    redis = ratelimit.store.redis
    if redis is None:
        return
    _start_refresher()
    mine, processes = _keys()
    try:
        with redis.pipeline() as pipe:
            pipe.hincrby(mine, session_id, delta).expire(mine, EXPIRY).sadd(processes, mine)
            pipe.execute()
    except Exception:  # a Redis outage must not refuse phones; the refresher repairs the count
        logger.warning("Could not record presence in Redis", exc_info=True)


def phones(session_ids: list[int]) -> dict[int, int]:
    """Phones online per session: this process's counts, or every process's with Redis."""
    redis = ratelimit.store.redis
    if redis is None:
        return {session_id: local.get(session_id, 0) for session_id in session_ids}
    _, processes = _keys()
    totals = dict.fromkeys(session_ids, 0)
    try:
        keys = sorted(redis.smembers(processes))
        with redis.pipeline() as pipe:
            for key in keys:
                pipe.hmget(key, session_ids)
            answers = pipe.execute()
        for counts in answers:
            for session_id, count in zip(session_ids, counts, strict=True):
                totals[session_id] += int(count or 0)
    except Exception:
        logger.warning("Could not read presence from Redis; counting this process only")
        return {session_id: local.get(session_id, 0) for session_id in session_ids}
    return totals


def _start_refresher() -> None:
    global _refresher
    if _refresher is None:
        _refresher = socketio.start_background_task(_refresh_forever)


def _refresh_forever() -> None:
    while True:
        socketio.sleep(REFRESH)
        redis = ratelimit.store.redis
        if redis is None:
            continue
        mine, processes = _keys()
        counts = {session_id: n for session_id, n in list(local.items()) if n > 0}
        try:
            with redis.pipeline() as pipe:
                pipe.delete(mine)
                if counts:
                    pipe.hset(mine, mapping=counts).expire(mine, EXPIRY).sadd(processes, mine)
                pipe.execute()
            known = list(redis.smembers(processes))
            with redis.pipeline() as pipe:
                for key in known:
                    pipe.exists(key)
                gone = [key for key, alive in zip(known, pipe.execute(), strict=True) if not alive]
            if gone:  # processes that stopped: their hashes expired
                redis.srem(processes, *gone)
        except Exception:
            logger.warning("Could not refresh presence in Redis", exc_info=True)
