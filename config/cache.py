"""Django's Redis cache, where a Redis that cannot be reached is a cache miss
rather than an error.

Haven caches pages, navigation, image renditions and rate-limit counts; none of
them is worth a failed request. So while Redis is down, reads return their
default, writes do nothing, and counters start again from one; each failure is
logged, and `/healthz` reports the cache as failing. Commands time out after a
second, so a Redis that stops answering costs a request at most that long."""

import logging
from functools import wraps

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError, TimeoutError

logger = logging.getLogger(__name__)
UNREACHABLE = (ConnectionError, TimeoutError)


def forgiving(fallback):
    """Run the cache operation; when Redis cannot be reached, log it and return
    what `fallback(*args, **kwargs)` gives."""

    def decorate(method):
        @wraps(method)
        def run(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE as error:
                logger.warning("cache unavailable (%s): %s", method.__name__, error)
                return fallback(*args, **kwargs)

        return run

    return decorate


def _default(key, default=None, version=None):
    return default


def _delta(key, delta=1, version=None):
    return delta


def _nothing(*args, **kwargs):
    return None


def _false(*args, **kwargs):
    return False


def _empty(*args, **kwargs):
    return {}


def _no_keys(data, *args, **kwargs):
    return list(data)  # set_many: the keys that were not stored


class ForgivingRedisCache(RedisCache):
    get = forgiving(_default)(RedisCache.get)
    get_many = forgiving(_empty)(RedisCache.get_many)
    has_key = forgiving(_false)(RedisCache.has_key)
    add = forgiving(_false)(RedisCache.add)
    set = forgiving(_nothing)(RedisCache.set)
    set_many = forgiving(_no_keys)(RedisCache.set_many)
    touch = forgiving(_false)(RedisCache.touch)
    delete = forgiving(_false)(RedisCache.delete)
    delete_many = forgiving(_nothing)(RedisCache.delete_many)
    incr = forgiving(_delta)(RedisCache.incr)
    clear = forgiving(_false)(RedisCache.clear)
