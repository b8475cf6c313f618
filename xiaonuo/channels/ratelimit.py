"""Fixed-window request counters in Django's cache (local memory by default, Redis when several
web processes share the limits), for the widget's public endpoints."""

import time
from dataclasses import dataclass

from django.core.cache import cache

from xiaonuo.channels.exceptions import ChannelsError
from xiaonuo.lib.errors import ServiceError


@dataclass(frozen=True)
class Limit:
    name: str
    requests: int
    per_seconds: int


def hit(limit: Limit, key: str) -> None:
    """Count one request against ``limit`` for ``key``; ``rate_limited`` (429) over it.

    A fixed window is cruder than a sliding one (a burst at a window's edge may reach twice the
    limit) but costs one cache round trip, which matters on an endpoint polled every 2 s.
    """
    window = int(time.time()) // limit.per_seconds
    cache_key = f"xn:rl:{limit.name}:{key}:{window}"
    # add() is atomic and only sets a missing key; incr() is atomic on Redis and locmem.
    cache.add(cache_key, 0, timeout=limit.per_seconds + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.add(cache_key, 1, timeout=limit.per_seconds + 1)
        count = 1
    if count > limit.requests:
        retry_after = limit.per_seconds - int(time.time()) % limit.per_seconds
        raise ServiceError(
            ChannelsError.RATE_LIMITED,
            "Too many requests; try again shortly",
            status=429,
            retry_after=retry_after,
        )
