"""Client accounts in a real browser (issue 21's "Done when"): a client books as
a guest, later signs in with an emailed link, sees that booking, books a second
one signed in (no verification email this time), opens a receipt, changes their
time zone and clock and sees every time move, and deletes the account once
nothing is open. Also: "Sign in with a password" and the admin's view of a
client's account, on a desktop and a phone, each checked with axe."""

import re
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from booking.accounts.models import ClientAccount
from booking.core.models import Booking
from booking.core.roles import BOOKING_ADMINS, ensure_roles
from booking.core.states import BookingStatus as S
from booking.lifecycle import paying, services
from booking.payments.models import Payment
from tests.browser.conftest import DESKTOP, PHONE, axe_violations
from tests.factories import (
    UserFactory,
    build_site,
    make_draft,
    publish_consultant_page,
    user_with_perms,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def consultant_page(transactional_db):
    _, team, _ = build_site()
    page = publish_consultant_page(team, "Maya Stone")
    page.consultant.services.update(price=Decimal("60.00"))
    return page


def both_screens(page, shoot, name):
    """Screenshots on a desktop and a phone, and no axe violation on either."""
    for size, label in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        page.wait_for_timeout(400)  # the admin's sidebar settles after a resize
        shoot(page, f"{name}-{label}")
        assert axe_violations(page) == [], f"{name} on a {label}"
    page.set_viewport_size(DESKTOP)


def book_through_the_site(page, live_server, consultant_page):
    page.goto(live_server.url + consultant_page.url)
    page.get_by_role("link", name="Book a session").click()
    service = consultant_page.consultant.services.get()
    page.get_by_role("link", name=service.title).click()
    page.wait_for_url(re.compile(r"tz=America%2FNew_York"))
    page.locator("a.slot").first.click()
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("I have read the privacy policy").check()
    page.get_by_role("button", name="Request this time").click()


def sign_in_by_link(page, live_server):
    page.goto(live_server.url)
    page.get_by_role("link", name="My sessions").click()
    page.get_by_label("Your email address").fill("ada@example.com")
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.get_by_text("Check your inbox").wait_for()
    [email] = [m for m in mail.outbox if "sign-in link" in m.subject]
    link = re.search(r"https?://\S+(/account/link/\S+/)", email.body)[1]
    page.goto(live_server.url + link)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as ada@example.com").wait_for()


def on_12(local) -> str:
    half = "am" if local.hour < 12 else "pm"
    return f"{local.hour % 12 or 12}:{local.minute:02d} {half}"


def test_a_guest_signs_in_later_books_again_and_deletes_the_account(
    live_server, page, shoot, consultant_page
):
    # A guest books and confirms their address by the emailed link.
    book_through_the_site(page, live_server, consultant_page)
    page.get_by_role("heading", name="Check your inbox").wait_for()
    first = Booking.objects.get()
    [verify] = [m for m in mail.outbox if first.reference in m.subject]
    link = re.search(r"https?://\S+/book/verify/\S+/", verify.body).group(0)
    page.goto(live_server.url + link[link.index("/book/") :])
    page.get_by_role("button", name="Confirm my booking").click()
    page.get_by_text("Thank you: your email address is confirmed.").wait_for()

    # The practice approves it, is paid, the session takes place.
    desk = user_with_perms(
        "approve_booking", "record_offline_payment", "complete_booking"
    )
    services.approve(booking=first, actor=desk)
    paying.record_offline_payment(
        booking=first, actor=desk, amount=Decimal("60.00"), method="Card"
    )
    ended = timezone.now() - timedelta(days=2)
    Booking.objects.filter(pk=first.pk).update(
        start=ended - timedelta(minutes=50), end=ended
    )
    services.complete(booking=Booking.objects.get(pk=first.pk), actor=desk)

    # Later, the client signs in with an emailed link and sees it.
    mail.outbox.clear()
    sign_in_by_link(page, live_server)
    page.get_by_text(first.reference).first.wait_for()

    # A second booking made signed in needs no verification email.
    mail.outbox.clear()
    book_through_the_site(page, live_server, consultant_page)
    second = Booking.objects.exclude(pk=first.pk).get()
    page.get_by_text(
        f"Booking {second.reference} is pending approval: your address is "
        "already confirmed"
    ).wait_for()
    assert second.status == S.DRAFT or Booking.objects.get(pk=second.pk).status == (
        S.PENDING
    )
    assert not [m for m in mail.outbox if "confirm your booking" in m.subject]
    assert page.get_by_text(second.reference).first.is_visible()
    assert page.get_by_text(first.reference).first.is_visible()
    both_screens(page, shoot, "my-sessions")

    # A receipt, whose amount is the payment row's.
    [payment] = Payment.objects.filter(booking=first, status=Payment.Status.PAID)
    page.get_by_role("link", name=re.compile("Receipt for the payment")).click()
    page.get_by_role("heading", name="Receipt").wait_for()
    assert page.get_by_text(f"{payment.paid_amount} {payment.currency}").is_visible()
    shoot(page, "receipt-desktop")
    page.go_back()

    # Tokyo on a 12-hour clock: every time on the page moves.
    start = Booking.objects.get(pk=second.pk).start
    new_york = start.astimezone(ZoneInfo("America/New_York"))
    tokyo = start.astimezone(ZoneInfo("Asia/Tokyo"))
    row = page.locator("li.account-booking", has_text=second.reference)
    assert f"{new_york:%H:%M}" in row.inner_text()
    page.get_by_label("Show times in").select_option("Asia/Tokyo")
    page.get_by_label("12-hour (2:30 pm)").check()
    page.get_by_role("button", name="Save my details").click()
    page.get_by_text("Your details are saved.").wait_for()
    row = page.locator("li.account-booking", has_text=second.reference)
    assert f"{tokyo:%A %-d %B %Y}, {on_12(tokyo)}" in row.inner_text()
    assert "Times are shown in Asia/Tokyo" in page.content()

    # Deleting is refused while the second booking is open, naming it.
    page.get_by_role("link", name="Delete my account").click()
    page.get_by_label(re.compile("Yes, delete my account")).check()
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_text(second.reference).wait_for()
    assert ClientAccount.objects.exists()

    # Once it is cancelled, the account goes.
    page.goto(live_server.url + "/account/")
    page.get_by_role(
        "button", name=f"Manage, pay, move or cancel: booking {second.reference}"
    ).click()
    page.get_by_role("link", name="Cancel this booking…").click()
    page.get_by_role("button", name="Yes, cancel my booking").click()
    page.get_by_text(f"Booking {second.reference} is cancelled.").wait_for()
    page.goto(live_server.url + "/account/delete/")
    page.get_by_label(re.compile("Yes, delete my account")).check()
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_text("Your account and your personal details are deleted.").wait_for()
    assert not ClientAccount.objects.exists()
    assert not Booking.objects.filter(client_email__iexact="ada@example.com").exists()


def test_a_client_adds_a_password_and_signs_in_with_it(
    live_server, page, shoot, consultant_page, settings
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    sign_in_by_link(page, live_server)
    page.get_by_label(re.compile(r"^New password:?$")).fill("a quiet harbour at dawn")
    page.get_by_label("New password again").fill("a quiet harbour at dawn")
    page.get_by_role("button", name="Add a password").click()
    page.get_by_text("Your password is saved.").wait_for()
    page.get_by_role("button", name="Sign out", exact=True).click()

    page.get_by_role("link", name="Sign in with a password").click()
    page.get_by_label("Your email address").fill("ada@example.com")
    page.get_by_label("Password").fill("not it")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("do not match an account with a password").wait_for()
    both_screens(page, shoot, "password-sign-in")
    page.get_by_label("Password").fill("a quiet harbour at dawn")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as ada@example.com").wait_for()


def test_a_booking_admin_sees_a_clients_account_from_the_booking(
    live_server, page, shoot, consultant_page
):
    booking, token = make_draft(
        consultant=consultant_page.consultant,
        service=consultant_page.consultant.services.get(),
        client_email="ada@example.com",
    )
    services.verify_email(token=token)
    ClientAccount.objects.create(email="ada@example.com", name="Ada", clock=12)
    ensure_roles()
    admin = UserFactory(username="frontdesk")
    admin.groups.add(Group.objects.get(name=BOOKING_ADMINS))

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("frontdesk")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Needs you now").wait_for()
    page.goto(f"{live_server.url}/admin/bookings/inspect/{booking.pk}/")
    # The booking page's "More" menu links here (tests/booking/accounts checks
    # the link); the page itself:
    page.goto(f"{live_server.url}/admin/client-accounts/{booking.pk}/")
    page.get_by_role("heading", name="Bookings made with this address").wait_for()
    both_screens(page, shoot, "admin-client-account")
    page.get_by_role("button", name="Email the client a sign-in link").click()
    page.get_by_text("A sign-in link is on its way").wait_for()
    assert [m for m in mail.outbox if "sign-in link" in m.subject]
