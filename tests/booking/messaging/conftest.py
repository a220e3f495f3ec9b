import pytest
from django.core.cache import cache

from booking.lifecycle import services as lifecycle
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
