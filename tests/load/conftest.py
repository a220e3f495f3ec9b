"""Fixtures of the load and fault tests: the fake provider's folder, a q2
cluster name of the test's own, and a small practice whose first consultant's
next four free slots everybody wants."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.conf import Conf

from booking.scheduling import slots
from tests import fake_esp
from tests.booking.outbox_helpers import free_service
from tests.factories import ConsultantFactory, build_site, publish_consultant_page
from tests.load import loadgen
from tests.load.servers import new_cluster_name


@pytest.fixture
def provider(tmp_path):
    fake_esp.set_mode(tmp_path, fake_esp.UP)
    return tmp_path


@pytest.fixture
def cluster(monkeypatch, settings):
    """The cluster's name; sweeps this process runs go to that cluster's queue."""
    name = new_cluster_name()
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "PREFIX", name)
    monkeypatch.setattr(Conf, "CLUSTER_NAME", name)
    settings.OUTBOX_CLAIM_SECONDS = 4
    settings.OUTBOX_RETRY_DELAY_SECONDS = 0.1
    return name


@pytest.fixture
def practice(provider):
    """Three consultants with pages and a free session each; the first one's next
    four free slots are the ones every visitor wants."""
    _, team, journal = build_site()
    pages, services = [], []
    for name in ("Maya Stone", "Ravi Patel", "Lena Novak"):
        consultant = ConsultantFactory(name=name)
        services.append(free_service(consultant))
        pages.append(publish_consultant_page(team, name, consultant=consultant))
    first, service = pages[0].consultant, services[0]
    soon = timezone.now() + timedelta(days=2)
    contested = slots.free_slots(
        consultant=first, service=service, start=soon, end=soon + timedelta(days=3)
    )[:4]
    return loadgen.Plan(
        base_url="",
        browse_paths=["/", team.url, journal.url, *(page.url for page in pages)],
        slot_paths=[
            f"/book/{s.consultants.get().pk}/{s.slug}/?tz=Europe/Berlin"
            for s in services
        ],
        booking_path=f"/book/{first.pk}/{service.slug}/details/",
        contested_starts=[slot.start.isoformat() for slot in contested],
        provider_dir=provider,
    )
