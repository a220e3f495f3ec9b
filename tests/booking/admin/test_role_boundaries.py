"""Every role sees and changes only what it should in the booking admin's screens
(issue 27): the review chooser."""

import pytest

from booking.core.roles import BOOKING_ADMINS, CONSULTANTS, EDITORS, STAFF
from booking.reviews.models import Review
from tests.factories import ConsultantFactory, make_draft, member

pytestmark = pytest.mark.django_db


# --- the review chooser ---------------------------------------------------------------

CHOOSER = "/admin/snippets/choose/booking/review/"


def review(consultant, client_name, rating=2, published=False):
    booking, _ = make_draft(consultant=consultant, client_name=client_name)
    return Review.objects.create(
        booking=booking,
        consultant=consultant,
        rating=rating,
        comment="Not for everyone's eyes.",
        display_name=client_name.split()[0],
        is_published=published,
    )


@pytest.fixture
def reviews():
    """An unpublished review of Maya (who has a login) and a published one of Noah."""
    maya = ConsultantFactory(name="Maya Stone")
    maya.user = member(CONSULTANTS, username="maya")
    maya.save()
    noah = ConsultantFactory(name="Noah Park")
    return maya, review(maya, "Ada Lovelace"), review(noah, "Grace Hopper", 5, True)


def chooser_urls(review):
    return {
        "choose": CHOOSER,
        "results": f"{CHOOSER}results/",
        "chosen": f"{CHOOSER}chosen/{review.pk}/",
        "chosen multiple": f"{CHOOSER}chosen-multiple/?id={review.pk}",
    }


def shows(response, review) -> bool:
    text = response.content.decode()
    return review.booking.reference in text or review.booking.client_name in text


@pytest.mark.parametrize("role", [EDITORS, STAFF, CONSULTANTS])
@pytest.mark.parametrize("view", ["choose", "results", "chosen", "chosen multiple"])
def test_roles_without_review_permissions_choose_no_reviews(
    client, reviews, role, view
):
    maya, unpublished, published = reviews
    user = maya.user if role == CONSULTANTS else member(role)
    client.force_login(user)

    for shown in (unpublished, published):
        response = client.get(chooser_urls(shown)[view])
        assert response.status_code == 403
        assert not shows(response, unpublished) and not shows(response, published)


@pytest.mark.parametrize("view", ["choose", "results", "chosen", "chosen multiple"])
def test_booking_admins_choose_every_review(client, reviews, view):
    _, unpublished, published = reviews
    client.force_login(member(BOOKING_ADMINS))

    for shown in (unpublished, published):
        response = client.get(chooser_urls(shown)[view])
        assert response.status_code == 200
        assert shows(response, shown)
