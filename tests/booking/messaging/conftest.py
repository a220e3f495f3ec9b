import pytest
from channels.layers import channel_layers
from django.core.cache import cache

from booking.lifecycle import services as lifecycle
from tests.channels_testing import memory_layer, redis_layer, redis_url
from tests.factories import ConsultantFactory, ServiceFactory, make_draft, member

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n"


@pytest.fixture(autouse=True)
def attachments_in_tmp(settings, tmp_path):
    settings.MESSAGING_ATTACHMENT_ROOT = tmp_path / "messages"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def consultant(db):
    consultant = ConsultantFactory()
    consultant.user = member("Consultants", username="dr-lee")
    consultant.save()
    return consultant


@pytest.fixture
def booking(consultant):
    """A verified booking of ada@example.com with `consultant`."""
    service = ServiceFactory(consultants=[consultant], requires_approval=True)
    _, token = make_draft(
        consultant=consultant, service=service, client_email="ada@example.com"
    )
    return lifecycle.verify_email(token=token)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.slow)])
def layer(request, settings):
    """Each test on the in-memory layer, and (with --slow, as CI's PostgreSQL
    pass runs) on Redis: CHANNEL_REDIS_URL's, else the local one."""
    if request.param == "redis":
        url, why_not = redis_url()
        if url is None:
            pytest.skip(why_not)
        layer = redis_layer(url)
    else:
        layer = memory_layer()
    settings.CHANNEL_LAYERS = {"default": layer}
    channel_layers.backends.clear()
    yield request.param
    channel_layers.backends.clear()
