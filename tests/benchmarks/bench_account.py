"""A client's account page ("My sessions", issue 26) with 200 past bookings, each
paid, against replaying the SQL it runs. Its queries must not grow with the
bookings: the run counts them at 20 bookings and at 200 and checks they match."""

from datetime import timedelta
from decimal import Decimal

from django.test import Client, override_settings
from django.utils import timezone

from booking.accounts import signin
from booking.accounts.models import ClientAccount
from booking.core.models import Booking, Consultant, Service
from booking.payments.models import Payment
from tests.availability_factories import bulk_bookings
from tests.benchmarks.bench_scale import PLAIN_STATIC
from tests.benchmarks.harness import Result, benchmark, recorded_queries, replay, timed

EMAIL = "account-bench@example.test"
PAST = 200


def past_bookings(service: Service, consultant: Consultant, count: int, offset: int):
    start = timezone.now() - timedelta(days=offset + count + 2)
    bulk_bookings(
        consultant=consultant,
        service=service,
        starts=[start + timedelta(days=n) for n in range(count)],
    )
    made = Booking.objects.filter(service=service, payments__isnull=True)
    made.update(client_email=EMAIL)
    Payment.objects.bulk_create(
        Payment(
            booking=booking,
            provider=Payment.Provider.OFFLINE,
            status=Payment.Status.PAID,
            amount=Decimal("80.00"),
            paid_amount=Decimal("80.00"),
            currency="EUR",
            paid_at=booking.start,
            method="Cash",
        )
        for booking in made
    )


def signed_in_client() -> Client:
    account = ClientAccount.objects.create(email=EMAIL, time_zone="Europe/Berlin")
    client = Client()
    session = client.session
    session[signin.ACCOUNT] = account.pk
    session[signin.EPOCH] = account.session_epoch
    session.save()
    return client


@benchmark("account page: My sessions with 200 past bookings")
def account_page() -> Result:
    consultant = Consultant.objects.create(name="Account Bench", email="ab@x.test")
    service = Service.objects.create(title="Account session", slug="account-bench")
    service.consultants.add(consultant)
    client = signed_in_client()

    def compute():
        response = client.get("/account/")
        assert response.status_code == 200, response.status_code

    with override_settings(**PLAIN_STATIC):
        past_bookings(service, consultant, PAST // 10, offset=PAST)
        compute()  # the site's settings and menus are cached from now on
        few = len(recorded_queries(compute))
        past_bookings(service, consultant, PAST - PAST // 10, offset=0)
        queries = recorded_queries(compute)
        assert len(queries) == few, f"{len(queries)} queries at {PAST}, {few} at 20"
        return Result(
            figure=timed(compute, rounds=30),
            baseline=timed(replay(queries), rounds=30),
            queries=len(queries),
        )
