"""The WebSocket test client (`channels.testing.WebsocketCommunicator`) and the
channel layers the socket tests run on, in one place for the messaging and
live-update tests. Importing `channels.testing` needs daphne (its live-server
case), which is a test requirement only: production serves with uvicorn."""

import contextlib
import os

from channels.testing import WebsocketCommunicator

from config import channel_layer

__all__ = [
    "WebsocketCommunicator",
    "hang_up",
    "memory_layer",
    "redis_layer",
    "redis_url",
]

LOCAL_REDIS = "redis://127.0.0.1:6379/0"


def redis_url() -> tuple[str | None, str]:
    """(the Redis the socket tests use, why none): CHANNEL_REDIS_URL (or
    REDIS_URL) when set, else the local Redis if it answers."""
    import redis

    url = os.environ.get("CHANNEL_REDIS_URL") or os.environ.get("REDIS_URL")
    url = url or LOCAL_REDIS
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as exc:
        return None, f"no Redis answers at {url} ({exc}): set CHANNEL_REDIS_URL"
    return url, ""


def redis_layer(url: str) -> dict:
    """The settings' Redis layer (config/channel_layer.py), its keys under a
    prefix of this process's own, so that parallel test processes (and earlier
    runs) never share a group."""
    return channel_layer.redis_layer(url, prefix=f"haven-test-{os.getpid()}")


def memory_layer() -> dict:
    return {"BACKEND": "channels.layers.InMemoryChannelLayer"}


async def hang_up(communicator) -> None:
    """The browser's side of a refused socket: it goes away. A consumer that
    closed a socket still listens on the channel layer until the disconnect
    arrives; on Redis that listening task is not ended by cancelling the
    test's loop, so a refused socket left open hangs the test's teardown."""
    with contextlib.suppress(Exception):
        await communicator.disconnect()
