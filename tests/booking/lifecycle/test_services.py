import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from booking.core import tokens
from booking.core.errors import (
    ActiveBookingExists,
    InvalidBookingData,
    InvalidTransition,
    NotPermitted,
    SlotTaken,
    TokenError,
    TokenExpired,
    TokenUsed,
)
from booking.core.models import Booking, BookingToken
from booking.core.states import BookingStatus as S
from booking.lifecycle import paying, services, steps
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    UserFactory,
    make_draft,
    next_monday_at,
    user_with_perms,
)

pytestmark = pytest.mark.django_db
Purpose = BookingToken.Purpose


@pytest.fixture
def consultant():
    return ConsultantFactory(name="Maya Stone")


@pytest.fixture
def service(consultant):
    return ServiceFactory(title="Counselling", consultants=[consultant])


@pytest.fixture
def admin():
    return user_with_perms(
        "add_booking",
        "approve_booking",
        "reject_booking",
        "cancel_booking",
        "reschedule_booking",
        username="admin",
    )


def phone_booking(admin, service, start, email="phone@example.com", **extra):
    return services.create_admin_booking(
        actor=admin,
        consultant=service.consultants.earliest("pk"),
        service=service,
        start=start,
        client_name="Phone Client",
        client_email=email,
        **extra,
    )


# --- drafts and verification --------------------------------------------------


def test_draft_gets_a_reference_and_a_verification_email(
    service, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking, token = make_draft(service=service, client_email="ada@example.com")

    assert booking.status == S.DRAFT
    assert re.fullmatch(r"MS-[ABCDEFGHJKMNPQRSTUVWXYZ2-9]{6}", booking.reference)
    assert booking.end - booking.start == timedelta(minutes=50)
    assert booking.amount == Decimal("80.00") and booking.currency == "EUR"
    assert booking.consent_at is not None
    [email] = mail.outbox
    assert email.to == ["ada@example.com"]
    assert booking.reference in email.subject
    assert f"/book/verify/{token}/" in email.body


def test_reference_prefix_is_a_setting(service, settings):
    settings.BOOKING_REFERENCE_PREFIX = "HV"

    booking, _ = make_draft(service=service)

    assert booking.reference.startswith("HV-")


def test_nothing_is_emailed_when_the_change_is_rolled_back(
    service, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        make_draft(service=service)
        transaction.set_rollback(True)

    assert mail.outbox == []
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"consent": False}, "accept the privacy policy"),
        ({"client_email": "not-an-email"}, "client email"),
        ({"client_name": ""}, "client name"),
        ({"client_name": "x" * 201}, "client name"),
        ({"client_time_zone": "Mars/Olympus"}, "not a time zone name"),
        ({"start": datetime(2030, 1, 7, 9, 0)}, "naive times are ambiguous"),
    ],
)
def test_bad_client_input_is_refused_clearly_and_writes_nothing(
    service, change, message
):
    with pytest.raises(InvalidBookingData, match=message):
        make_draft(service=service, **change)

    assert not Booking.objects.exists()


def test_consultant_must_offer_the_service(service):
    other = ConsultantFactory(name="Tom Reed")

    with pytest.raises(InvalidBookingData, match="Tom Reed does not offer"):
        make_draft(consultant=other, service=service)


def test_inactive_service_cannot_be_booked(service):
    service.is_active = False
    service.save()

    with pytest.raises(InvalidBookingData, match="not offered at the moment"):
        make_draft(service=service)


def test_verification_holds_the_slot_and_tells_the_client(
    service, django_capture_on_commit_callbacks
):
    booking, token = make_draft(service=service)

    with django_capture_on_commit_callbacks(execute=True):
        verified = services.verify_email(token=token)

    assert verified.status == S.PENDING
    assert verified.verified_at is not None
    assert [m.subject for m in mail.outbox] == [
        f"We have received your booking request {booking.reference}"
    ]


def test_verification_without_required_approval_approves_at_once(service):
    service.requires_approval = False
    service.save()
    _, token = make_draft(service=service)

    assert services.verify_email(token=token).status == S.APPROVED


def test_verification_link_works_once(service):
    _, token = make_draft(service=service)
    services.verify_email(token=token)

    with pytest.raises(TokenUsed, match="already been used"):
        services.verify_email(token=token)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: t.split(".")[0],
        lambda t: "nokey." + t.split(".")[1],
        lambda t: "",
    ],
    ids=["altered-secret", "no-secret", "unknown-key", "empty"],
)
def test_altered_verification_link_is_refused(service, tamper):
    booking, token = make_draft(service=service)

    with pytest.raises(TokenError, match="not valid"):
        services.verify_email(token=tamper(token))

    assert Booking.objects.get(pk=booking.pk).status == S.DRAFT


def test_expired_verification_link_is_refused(service):
    booking, token = make_draft(service=service)
    BookingToken.objects.filter(booking=booking).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    with pytest.raises(TokenExpired, match="expired"):
        services.verify_email(token=token)

    assert Booking.objects.get(pk=booking.pk).status == S.DRAFT


def test_a_link_for_another_purpose_is_refused(service):
    booking, _ = make_draft(service=service)
    manage = tokens.issue_token(booking=booking, purpose=Purpose.MANAGE)

    with pytest.raises(TokenError, match="is for “Manage booking”"):
        services.verify_email(token=manage)


def test_only_a_hash_of_the_secret_is_stored(service):
    booking, token = make_draft(service=service)
    secret = token.split(".")[1]

    stored = BookingToken.objects.get(booking=booking)

    assert secret not in stored.secret_hash
    assert len(stored.secret_hash) == 64


# --- slots --------------------------------------------------------------------


def test_slot_taken_before_verification_is_refused_and_link_still_works(service):
    start = next_monday_at(9)
    first, first_token = make_draft(service=service, start=start)
    second, second_token = make_draft(service=service, start=start)
    services.verify_email(token=first_token)

    with pytest.raises(SlotTaken, match="Maya Stone is (no longer|not) free"):
        services.verify_email(token=second_token)

    assert Booking.objects.get(pk=second.pk).status == S.DRAFT
    # The failed attempt did not use up the link: once the slot frees, it works.
    services.cancel(booking=first, reason="Changed plans")
    assert services.verify_email(token=second_token).status == S.PENDING


def test_a_draft_cannot_be_made_for_a_held_slot(service):
    start = next_monday_at(9)
    _, token = make_draft(service=service, start=start)
    services.verify_email(token=token)

    with pytest.raises(SlotTaken):
        make_draft(service=service, start=start + timedelta(minutes=20))


def test_overlapping_but_not_identical_times_are_refused(admin, service):
    start = next_monday_at(9)
    phone_booking(admin, service, start, email="a@example.com")

    for offset in (-30, 20, 49):
        with pytest.raises(SlotTaken):
            phone_booking(
                admin, service, start + timedelta(minutes=offset), email="b@example.com"
            )
    assert Booking.objects.count() == 1


def test_back_to_back_sessions_are_allowed(admin, consultant):
    service = ServiceFactory(
        duration_minutes=30, buffer_after_minutes=0, consultants=[consultant]
    )
    start = next_monday_at(9)
    phone_booking(admin, service, start, email="a@example.com")

    half_hour = timedelta(minutes=30)
    after = phone_booking(admin, service, start + half_hour, email="b@e.com")
    before = phone_booking(admin, service, start - half_hour, email="c@e.com")

    assert {after.status, before.status} == {S.APPROVED}


def test_other_consultants_are_not_affected(admin, service):
    start = next_monday_at(9)
    other = ConsultantFactory()
    service.consultants.add(other)
    phone_booking(admin, service, start, email="a@example.com")

    booking = services.create_admin_booking(
        actor=admin,
        consultant=other,
        service=service,
        start=start,
        client_name="B",
        client_email="b@example.com",
    )

    assert booking.status == S.APPROVED


def test_group_session_fills_its_seats_then_refuses(admin, consultant):
    group = ServiceFactory(
        title="Mindfulness circle", capacity=3, consultants=[consultant]
    )
    start = next_monday_at(17)
    for n in range(3):
        phone_booking(admin, group, start, email=f"seat{n}@example.com")

    with pytest.raises(SlotTaken, match="not free for “Mindfulness circle”"):
        phone_booking(admin, group, start, email="late@example.com")
    assert Booking.objects.filter(service=group).count() == 3


def test_group_session_does_not_overlap_a_one_to_one(admin, consultant, service):
    group = ServiceFactory(capacity=5, consultants=[consultant])
    start = next_monday_at(17)
    phone_booking(admin, group, start, email="seat@example.com")

    with pytest.raises(SlotTaken):
        phone_booking(admin, service, start + timedelta(minutes=10), email="x@e.com")
    with pytest.raises(SlotTaken):
        phone_booking(admin, group, start + timedelta(minutes=10), email="y@e.com")


def test_cancelling_or_rejecting_frees_the_slot(admin, service):
    start = next_monday_at(9)
    cancelled = phone_booking(admin, service, start, email="a@example.com")
    services.cancel(booking=cancelled, actor=admin, reason="Ill")

    pending, token = make_draft(service=service, start=start)
    services.verify_email(token=token)
    services.reject(booking=pending, actor=admin, reason="Consultant away")

    assert phone_booking(admin, service, start, email="c@example.com").status == (
        S.APPROVED
    )


# --- one active booking per email ---------------------------------------------


def test_one_active_booking_per_email_ignores_case(service):
    _, token = make_draft(service=service, client_email="Ada@Example.com")
    services.verify_email(token=token)
    second, token = make_draft(
        service=service,
        client_email="ada@example.COM",
        start=next_monday_at(9, weeks=2),
    )

    with pytest.raises(ActiveBookingExists, match="already has an active booking"):
        services.verify_email(token=token)

    assert Booking.objects.get(pk=second.pk).status == S.DRAFT


def test_a_finished_booking_does_not_block_a_new_one(admin, service):
    first = phone_booking(admin, service, next_monday_at(9), email="ada@example.com")
    services.cancel(booking=first, actor=admin, reason="Moved away")

    again = phone_booking(admin, service, next_monday_at(11), email="ada@example.com")

    assert again.status == S.APPROVED


def test_the_database_itself_refuses_a_second_active_booking(admin, service):
    phone_booking(admin, service, next_monday_at(9), email="ada@example.com")
    draft, _ = make_draft(
        service=service, client_email="ADA@example.com", start=next_monday_at(13)
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        # Bypass the service on purpose: the constraint must hold on its own.
        Booking.objects.filter(pk=draft.pk).update(status=S.PENDING)


# --- admin bookings and permissions -------------------------------------------


def test_phone_booking_by_an_approver_starts_approved_without_verification(
    admin, service, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = phone_booking(admin, service, next_monday_at(9))

    assert booking.status == S.APPROVED
    assert booking.source == "admin" and booking.created_by == admin
    assert booking.client_time_zone == service.consultants.first().time_zone
    assert [m.subject for m in mail.outbox] == [
        f"Your booking {booking.reference} is approved"
    ]


def test_phone_booking_by_a_non_approver_starts_pending(service):
    clerk = user_with_perms("add_booking", username="clerk")

    booking = phone_booking(clerk, service, next_monday_at(9))

    assert booking.status == S.PENDING


def test_creating_bookings_needs_permission(service):
    with pytest.raises(NotPermitted):
        phone_booking(UserFactory(), service, next_monday_at(9))
    assert not Booking.objects.exists()


def test_user_without_approve_permission_cannot_approve(service):
    booking, token = make_draft(service=service)
    services.verify_email(token=token)
    staff = user_with_perms("reject_booking", "cancel_booking", username="staff")

    with pytest.raises(NotPermitted, match="permission to approve"):
        services.approve(booking=booking, actor=staff)

    assert Booking.objects.get(pk=booking.pk).status == S.PENDING


@pytest.mark.parametrize(
    ("action", "perm"),
    [
        (
            lambda b, u: services.reject(booking=b, actor=u, reason="x"),
            "reject_booking",
        ),
        (
            lambda b, u: services.cancel(booking=b, actor=u, reason="x"),
            "cancel_booking",
        ),
        (
            lambda b, u: services.reschedule(
                booking=b, actor=u, start=b.start + timedelta(hours=2)
            ),
            "reschedule_booking",
        ),
    ],
    ids=["reject", "cancel", "reschedule"],
)
def test_each_staff_action_needs_its_permission(service, action, perm):
    booking, token = make_draft(service=service)
    booking = services.verify_email(token=token)
    without = user_with_perms(username="without")
    with_perm = user_with_perms(perm, username="with")

    with pytest.raises(NotPermitted):
        action(booking, without)
    assert Booking.objects.get(pk=booking.pk).status == S.PENDING

    action(booking, with_perm)


def test_recording_an_offline_payment_needs_permission(admin, service):
    booking = phone_booking(admin, service, next_monday_at(9))
    cashier = user_with_perms("record_offline_payment", username="cashier")

    with pytest.raises(NotPermitted):
        paying.record_offline_payment(
            booking=booking, actor=admin, amount=booking.amount, method="Cash"
        )
    paid = paying.record_offline_payment(
        booking=booking, actor=cashier, amount=booking.amount, method="Bank transfer"
    )

    assert paid.status == S.CONFIRMED and paid.amount_paid == booking.amount


def test_offline_payment_must_cover_the_price(admin, service):
    booking = phone_booking(admin, service, next_monday_at(9))
    cashier = user_with_perms("record_offline_payment", username="cashier")

    with pytest.raises(InvalidTransition, match="full amount"):
        paying.record_offline_payment(
            booking=booking, actor=cashier, amount=Decimal("10"), method="Cash"
        )

    assert Booking.objects.get(pk=booking.pk).amount_paid == 0


def test_a_consultant_may_complete_only_their_own_sessions(admin, service):
    consultant = service.consultants.first()
    consultant.user = UserFactory(username="maya")
    consultant.save()
    booking = phone_booking(admin, service, next_monday_at(9))
    cashier = user_with_perms("record_offline_payment", username="cashier")
    booking = paying.record_offline_payment(
        booking=booking, actor=cashier, amount=booking.amount, method="Cash"
    )
    Booking.objects.filter(pk=booking.pk).update(
        start=timezone.now() - timedelta(hours=2),
        end=timezone.now() - timedelta(hours=1),
    )

    with pytest.raises(NotPermitted):
        services.complete(booking=booking, actor=UserFactory(username="other"))
    done = services.complete(booking=booking, actor=consultant.user)

    assert done.status == S.COMPLETED


# --- approve, reschedule, reject, cancel --------------------------------------


def test_approve_can_move_the_booking_to_another_free_time(admin, service):
    booking, token = make_draft(service=service, start=next_monday_at(9))
    services.verify_email(token=token)

    approved = services.approve(booking=booking, actor=admin, start=next_monday_at(14))

    assert approved.status == S.APPROVED
    assert approved.start == next_monday_at(14)
    assert approved.end == next_monday_at(14) + timedelta(minutes=50)


def test_approve_into_a_taken_slot_is_refused(admin, service):
    phone_booking(admin, service, next_monday_at(14), email="a@example.com")
    booking, token = make_draft(service=service, start=next_monday_at(9))
    services.verify_email(token=token)

    with pytest.raises(SlotTaken):
        services.approve(booking=booking, actor=admin, start=next_monday_at(14))

    row = Booking.objects.get(pk=booking.pk)
    assert row.status == S.PENDING and row.start == next_monday_at(9)


def test_reschedule_moves_the_booking_and_logs_it(admin, service):
    booking = phone_booking(admin, service, next_monday_at(9))

    moved = services.reschedule(
        booking=booking, actor=admin, start=next_monday_at(15), reason="Client asked"
    )

    assert moved.start == next_monday_at(15) and moved.status == S.APPROVED
    entry = booking.__class__.objects.get(pk=booking.pk)
    assert entry.start == next_monday_at(15)


def test_reschedule_into_a_taken_slot_changes_nothing(admin, service):
    phone_booking(admin, service, next_monday_at(15), email="a@example.com")
    booking = phone_booking(admin, service, next_monday_at(9), email="b@example.com")

    with pytest.raises(SlotTaken):
        services.reschedule(booking=booking, actor=admin, start=next_monday_at(15, 30))

    assert Booking.objects.get(pk=booking.pk).start == next_monday_at(9)


def test_reschedule_of_a_cancelled_booking_is_refused(admin, service):
    booking = phone_booking(admin, service, next_monday_at(9))
    services.cancel(booking=booking, actor=admin, reason="Ill")

    with pytest.raises(InvalidTransition, match="is cancelled"):
        services.reschedule(booking=booking, actor=admin, start=next_monday_at(10))


@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_and_cancel_need_a_reason(admin, service, reason):
    booking, token = make_draft(service=service)
    services.verify_email(token=token)

    with pytest.raises(InvalidBookingData, match="reason for rejecting"):
        services.reject(booking=booking, actor=admin, reason=reason)
    with pytest.raises(InvalidBookingData, match="reason for cancelling"):
        services.cancel(booking=booking, actor=admin, reason=reason)

    assert Booking.objects.get(pk=booking.pk).status == S.PENDING


def test_rejection_reason_is_kept_and_emailed(
    admin, service, django_capture_on_commit_callbacks
):
    booking, token = make_draft(service=service)
    services.verify_email(token=token)

    with django_capture_on_commit_callbacks(execute=True):
        services.reject(booking=booking, actor=admin, reason="Fully booked that week")

    assert Booking.objects.get(pk=booking.pk).reject_reason == "Fully booked that week"
    assert "Reason: Fully booked that week" in mail.outbox[-1].body


def test_stale_copies_cannot_undo_a_transition(admin, service):
    booking, token = make_draft(service=service)
    stale = services.verify_email(token=token)
    services.cancel(booking=stale, actor=admin, reason="Withdrawn")

    # `stale` still says PENDING in memory; the service works on the row as it is.
    with pytest.raises(InvalidTransition, match="is cancelled"):
        services.approve(booking=stale, actor=admin)


# --- references ---------------------------------------------------------------


def test_a_colliding_reference_is_drawn_again(service, monkeypatch):
    first, _ = make_draft(service=service)
    draws = iter([first.reference, first.reference, "MS-ZZZZZZ"])
    monkeypatch.setattr(steps, "new_reference", lambda: next(draws))

    second, _ = make_draft(service=service, start=next_monday_at(13))

    assert second.reference == "MS-ZZZZZZ"


def test_reference_space_exhaustion_is_reported_not_looped(service, monkeypatch):
    first, _ = make_draft(service=service)
    monkeypatch.setattr(steps, "new_reference", lambda: first.reference)

    with pytest.raises(RuntimeError, match="No free booking reference"):
        make_draft(service=service, start=next_monday_at(13))
    assert Booking.objects.count() == 1


def test_references_use_no_look_alike_characters():
    drawn = {steps.new_reference() for _ in range(20_000)}

    characters = set("".join(r[3:] for r in drawn))
    assert characters.isdisjoint(set("01OIL"))
    assert len(drawn) > 19_900
