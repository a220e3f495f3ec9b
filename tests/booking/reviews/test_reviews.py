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


# --- moderation in the admin (issue 19) ---------------------------------------------


@pytest.fixture
def booking_admin():
    from django.contrib.auth.models import Group

    user = UserFactory(username="moderator")
    user.groups.add(Group.objects.get(name="Booking admins"))
    return user


def test_the_list_shows_what_the_client_wrote_not_raw_values(
    client, admin, booking_admin
):
    booking = completed(admin)
    review_services.submit_review(
        booking=booking, rating=4, comment="Calm, clear and kind."
    )
    client.force_login(booking_admin)

    page = client.get("/admin/snippets/booking/review/").text

    assert "★★★★☆ 4 of 5" in page
    assert "Calm, clear and kind." in page
    assert "Ada L." in page
    assert booking.reference in page
    assert str(booking.consultant) in page
    assert "Awaiting moderation" in page
    assert ">False<" not in page and ">True<" not in page


def test_publish_then_hide_from_the_list_with_history(client, admin, booking_admin):
    from wagtail.models import ModelLogEntry

    _, team, _ = build_site()
    page = publish_consultant_page(team, "Maya Stone")
    booking = completed(admin, service=page.consultant.services.get())
    review = review_services.submit_review(
        booking=booking, rating=5, comment="She listened."
    )
    client.force_login(booking_admin)
    publish = f"/admin/reviews/{review.pk}/publish/"

    confirmation = client.get(publish)
    client.post(publish)
    shown = client.get(page.url).text
    client.post(f"/admin/reviews/{review.pk}/hide/")
    hidden = client.get(page.url).text
    listing = client.get("/admin/snippets/booking/review/").text

    assert "She listened." in confirmation.text
    assert "She listened." in shown
    assert "She listened." not in hidden
    assert "Hidden" in listing
    actions = list(
        ModelLogEntry.objects.for_instance(review)
        .order_by("timestamp", "pk")
        .values_list("action", "user__username")
    )
    assert actions == [
        ("booking.review.publish", "moderator"),
        ("booking.review.hide", "moderator"),
    ]


def test_staff_cannot_publish_a_review(client, admin):
    from django.contrib.auth.models import Group

    review = review_services.submit_review(booking=completed(admin), rating=2)
    staff_user = UserFactory(username="st")
    staff_user.groups.add(Group.objects.get(name="Staff"))
    client.force_login(staff_user)

    response = client.post(f"/admin/reviews/{review.pk}/publish/")

    assert response.status_code in (302, 403, 404)
    assert not Review.objects.get(pk=review.pk).is_published


def test_a_reply_shows_under_the_review_and_the_text_stays_as_written(
    client, admin, booking_admin
):
    _, team, _ = build_site()
    page = publish_consultant_page(team, "Maya Stone")
    booking = completed(admin, service=page.consultant.services.get())
    review = review_services.submit_review(
        booking=booking, rating=5, comment="She listened."
    )
    client.force_login(booking_admin)

    client.post(
        f"/admin/snippets/booking/review/edit/{review.pk}/",
        {
            "is_published": "True",
            "reply": "Thank you for your kind words.",
            "comment": "Rewritten by staff",
            "rating": "1",
        },
    )
    shown = client.get(page.url).text
    review.refresh_from_db()

    assert review.comment == "She listened." and review.rating == 5
    assert "Thank you for your kind words." in shown
    assert "Reply from" in shown


def test_the_booking_shows_its_review_to_booking_admins(client, admin, booking_admin):
    booking = completed(admin)
    review = review_services.submit_review(
        booking=booking, rating=3, comment="Fine, a bit rushed."
    )
    client.force_login(booking_admin)

    inspect = client.get(f"/admin/bookings/inspect/{booking.pk}/").text
    review_page = client.get(
        f"/admin/snippets/booking/review/inspect/{review.pk}/"
    ).text

    assert "Fine, a bit rushed." in inspect
    assert "Fine, a bit rushed." in review_page
    assert booking.reference in review_page
