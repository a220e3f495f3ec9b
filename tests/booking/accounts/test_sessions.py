"""My sessions: every booking of the proven address, each with its manage link,
receipts and totals per currency, the account's details, in constant queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from booking.core.models import Booking
from booking.core.states import BookingStatus as S
from booking.lifecycle import services
from booking.payments.models import Payment, Refund
from tests.availability_factories import bulk_bookings
from tests.factories import ConsultantFactory, ServiceFactory, make_draft

pytestmark = pytest.mark.django_db


def verified(email, **fields):
    booking, token = make_draft(client_email=email, **fields)
    return services.verify_email(token=token)


def history(email, count, *, currency="EUR", paid="80.00", status=S.COMPLETED):
    """`count` past bookings of `email`, each with a paid payment (data, not a
    flow under test)."""
    consultant = ConsultantFactory()
    service = ServiceFactory(consultants=[consultant], currency=currency)
    start = timezone.now() - timedelta(days=count + 2)
    bulk_bookings(
        consultant=consultant,
        service=service,
        starts=[start + timedelta(days=n) for n in range(count)],
        status=status,
    )
    made = Booking.objects.filter(service=service)
    made.update(client_email=email)
    Payment.objects.bulk_create(
        Payment(
            booking=booking,
            provider=Payment.Provider.OFFLINE,
            status=Payment.Status.PAID,
            amount=Decimal(paid),
            paid_amount=Decimal(paid),
            currency=currency,
            paid_at=booking.start,
            method="Cash",
        )
        for booking in made
    )
    return list(made.order_by("start"))


def test_my_sessions_lists_the_addresss_bookings_upcoming_and_past(sign_in):
    upcoming = verified("Ada@Example.com")
    past = history("ada@example.com", 2)
    someone_elses = verified("bob@example.com")
    make_draft(client_email="ada@example.com")  # never verified: not a session yet
    client = sign_in("ada@example.com")

    page = client.get("/account/")
    html = page.content.decode()
    upcoming_part, past_part = html.split('id="past-heading"')
    assert upcoming.reference in upcoming_part
    assert all(b.reference in past_part for b in past)
    assert someone_elses.reference not in html
    assert html.count('<li class="account-booking">') == 3


def test_the_page_costs_the_same_queries_for_200_bookings_as_for_2(
    sign_in, django_assert_max_num_queries
):
    client = sign_in("ada@example.com")
    history("ada@example.com", 2)
    client.get("/account/")  # the site's settings and menus are cached from now on
    with django_assert_max_num_queries(10) as few:
        client.get("/account/")
    history("ada@example.com", 198, currency="GBP")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/account/")
    assert page.content.decode().count('<li class="account-booking">') == 200


def test_receipts_total_the_payment_rows_to_the_cent_per_currency(sign_in):
    euros = history("ada@example.com", 3, paid="80.10")
    history("ada@example.com", 2, currency="GBP", paid="45.55")
    first = euros[0].payments.get()
    Refund.objects.create(
        key="test-refund",
        payment=first,
        booking=euros[0],
        amount=Decimal("20.05"),
        currency="EUR",
        status=Refund.Status.SUCCEEDED,
        reason="Policy",
        refunded_at=timezone.now(),
    )
    Refund.objects.create(  # still pending: not money that moved
        key="pending-refund",
        payment=first,
        booking=euros[0],
        amount=Decimal("5.00"),
        currency="EUR",
        reason="Policy",
    )
    client = sign_in("ada@example.com")
    totals = {t["currency"]: t for t in client.get("/account/").context["totals"]}
    assert totals["EUR"]["paid"] == Decimal("240.30")
    assert totals["EUR"]["refunded"] == Decimal("20.05")
    assert totals["EUR"]["net"] == Decimal("220.25")
    assert totals["GBP"]["paid"] == Decimal("91.10")
    assert totals["GBP"]["refunded"] == Decimal("0")
    html = client.get("/account/").content.decode()
    assert "<td>240.30</td><td>20.05</td><td>220.25</td>" in html


def test_a_receipt_shows_practice_amount_currency_date_and_reference(sign_in):
    booking = history("ada@example.com", 1, paid="80.10")[0]
    payment = booking.payments.get()
    client = sign_in("ada@example.com")
    page = client.get(f"/account/receipts/payment/{payment.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "80.10 EUR" in html
    assert booking.reference in html
    assert f"{booking.reference}-P{payment.pk}" in html
    assert "Haven" in html


def test_another_clients_receipt_or_booking_is_not_found(sign_in):
    theirs = history("bob@example.com", 1)[0]
    client = sign_in("ada@example.com")
    payment = theirs.payments.get()
    assert client.get(f"/account/receipts/payment/{payment.pk}/").status_code == 404
    assert client.get(f"/account/receipts/other/{payment.pk}/").status_code == 404
    response = client.post(f"/account/bookings/{theirs.reference}/manage/")
    assert response.status_code == 404


def test_manage_opens_the_bookings_own_page_where_it_can_be_cancelled(sign_in):
    booking = verified("ada@example.com")
    client = sign_in("ada@example.com")
    response = client.post(f"/account/bookings/{booking.reference}/manage/")
    assert response.status_code == 302
    manage_url = response.url
    assert manage_url.startswith("/book/manage/")
    assert b"Cancel this booking" in client.get(manage_url).content
    client.post(manage_url + "cancel/", {"reason": "Feeling better"})
    booking.refresh_from_db()
    assert booking.status == S.CANCELLED
    past = client.get("/account/").content.decode().split('id="past-heading"')[1]
    assert booking.reference in past


def test_the_pages_need_a_signed_in_client(client):
    assert client.get("/account/").url == "/account/sign-in/"
    assert client.post("/account/data/").url == "/account/sign-in/"
    assert client.post("/account/bookings/MS-AAAAAA/manage/").status_code == 302


def test_details_set_the_time_zone_every_time_is_shown_in(sign_in):
    booking = verified("ada@example.com", client_time_zone="Europe/Berlin")
    client = sign_in("ada@example.com")
    berlin = booking.start.astimezone(timezone.zoneinfo.ZoneInfo("Europe/Berlin"))
    tokyo = booking.start.astimezone(timezone.zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert berlin.strftime("%H:%M") in client.get("/account/").content.decode()
    response = client.post(
        "/account/details/", {"name": "Ada L.", "time_zone": "Asia/Tokyo"}
    )
    assert response.status_code == 302
    html = client.get("/account/").content.decode()
    assert tokyo.strftime("%H:%M") in html
    assert "Times are shown in Asia/Tokyo" in html


def test_a_bad_time_zone_is_refused_and_changes_nothing(sign_in):
    client = sign_in("ada@example.com")
    response = client.post("/account/details/", {"name": "Ada", "time_zone": "Mars"})
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
    assert client.get("/account/").context["account"].time_zone == ""
