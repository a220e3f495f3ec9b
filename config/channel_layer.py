"""The WebSockets' Redis channel layer (channels_redis), in one place for the
settings and the tests.

A socket waits for its next event with Redis' BZPOPMIN, which blocks for
channels_redis' `brpop_timeout` (5 seconds) when nothing comes. redis-py (from
version 6) gives every connection a 5-second socket timeout by default, so a
socket that heard nothing for 5 seconds could fail its read and be dropped.
The connections here wait longer than the blocking pop, and still give up on a
Redis that stopped answering."""

SOCKET_TIMEOUT_SECONDS = 30


def redis_layer(url: str, *, prefix: str = "asgi") -> dict:
    return {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [{"address": url, "socket_timeout": SOCKET_TIMEOUT_SECONDS}],
            "prefix": prefix,
        },
    }
