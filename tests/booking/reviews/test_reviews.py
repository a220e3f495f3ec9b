from datetime import timedelta

import pytest
from django.utils import timezone

from booking.core import tokens
from booking.core.errors import InvalidBookingData, InvalidTransition
from booking.core.models import Booking, BookingToken
from booking.lifecycle import paying, services
from booking.reviews import services as review_services
from booking.reviews.models import Review
from tests.factories import (
    UserFactory,
    build_site,
    make_draft,
    next_monday_at,
    publish_consultant_page,
    user_with_perms,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return user_with_perms(
        "approve_booking", "record_offline_payment", "complete_booking", username="a"
    )


def completed(admin, **client):
    booking, token = make_draft(client_name="Ada Lovelace", **client)
    services.verify_email(token=token)
    booking = services.approve(booking=booking, actor=admin)
    booking = paying.record_offline_payment(
        booking=booking, actor=admin, amount=booking.amount, method="Card"
    )
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Booking.objects.filter(pk=booking.pk).update(
        start=an_hour_ago - timedelta(hours=1), end=an_hour_ago
    )
    return services.complete(booking=booking, actor=admin)


def test_a_review_is_refused_before_the_session_is_completed(admin):
    booking, token = make_draft()
    services.verify_email(token=token)

    with pytest.raises(InvalidTransition, match="once the session has taken place"):
        review_services.submit_review(booking=booking, rating=5)

    assert not Review.objects.exists()


def test_a_completed_session_can_be_reviewed_once_and_is_held(admin):
    booking = completed(admin)

    review = review_services.submit_review(
        booking=booking, rating=4, comment="Helpful."
    )

    assert review.rating == 4 and not review.is_published
    assert review.display_name == "Ada L."
    with pytest.raises(InvalidBookingData, match="already reviewed"):
        review_services.submit_review(booking=booking, rating=1)
    assert Review.objects.count() == 1


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_ratings_outside_one_to_five_are_refused(admin, rating):
    booking = completed(admin)

    with pytest.raises(InvalidBookingData, match="rating from 1 to 5"):
        review_services.submit_review(booking=booking, rating=rating)


def test_client_reviews_through_the_manage_page(client, admin):
    booking = completed(admin)
    manage = tokens.issue_token(booking=booking, purpose=BookingToken.Purpose.MANAGE)

    page = client.get(f"/book/manage/{manage}/")
    response = client.post(
        f"/book/manage/{manage}/review/",
        {"rating": "5", "comment": "Calm and kind.", "display_name": ""},
        follow=True,
    )

    assert "How was your session?" in page.text
    assert "Thank you for your review" in response.text
    assert "How was your session?" not in response.text
    assert Review.objects.get().comment == "Calm and kind."


def test_only_published_reviews_show_with_their_average(client, admin):
    _, team, _ = build_site()
    page = publish_consultant_page(team, "Maya Stone")
    service = page.consultant.services.get()
    reviews = [
        review_services.submit_review(
            booking=completed(admin, service=service, start=start), rating=rating
        )
        for rating, start in [
            (5, next_monday_at(9)),
            (4, next_monday_at(11)),
            (1, next_monday_at(13)),
        ]
    ]

    before = client.get(page.url).text
    for review in reviews[:2]:
        review.is_published = True
        review.save()
    after = client.get(page.url).text

    assert "What clients say" not in before
    assert "4.5 out of 5 · 2 reviews" in after


def test_a_booking_admin_publishes_a_review_in_the_admin(client, admin):
    review = review_services.submit_review(booking=completed(admin), rating=5)
    moderator = UserFactory(username="mod", is_superuser=True)
    client.force_login(moderator)

    listing = client.get("/admin/snippets/booking/review/")
    client.post(
        f"/admin/snippets/booking/review/edit/{review.pk}/", {"is_published": "on"}
    )

    assert listing.status_code == 200
    assert Review.objects.get(pk=review.pk).is_published
    assert client.get("/admin/snippets/booking/review/add/").status_code in (302, 403)


def test_booking_admins_moderate_reviews_and_staff_do_not(client):
    from django.contrib.auth.models import Group

    admin_user = UserFactory(username="ba")
    admin_user.groups.add(Group.objects.get(name="Booking admins"))
    staff_user = UserFactory(username="st")
    staff_user.groups.add(Group.objects.get(name="Staff"))

    client.force_login(admin_user)
    allowed = client.get("/admin/snippets/booking/review/")
    client.force_login(staff_user)
    refused = client.get("/admin/snippets/booking/review/")

    assert allowed.status_code == 200
    assert refused.status_code in (302, 403)
