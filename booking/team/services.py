"""Every change to the team goes through here: inviting a consultant, accepting
an invitation, and applications to join (submit, accept, decline).

Emails leave after commit, as django-q2 tasks (`booking.team.emails`), so a
change that is rolled back emails nobody."""

from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from booking.core import profiles, tokens
from booking.core.errors import BookingError, TokenError, TokenExpired, TokenUsed
from booking.core.models import Consultant
from booking.core.roles import CONSULTANTS
from booking.privacy import consent
from booking.team import emails
from booking.team.models import Application, Invitation

INVITED = "booking.team.invite"
REVOKED = "booking.team.revoke"
JOINED = "booking.team.join"
APPLIED = "booking.team.apply"
ACCEPTED = "booking.team.accept"
DECLINED = "booking.team.decline"


def invitation_lifetime() -> timedelta:
    return timedelta(days=getattr(settings, "TEAM_INVITATION_DAYS", 7))


# --- invitations ---------------------------------------------------------------------


def invite(
    *, consultant: Consultant, email: str, actor, make_page: bool = False
) -> Invitation:
    """Invite `consultant` to the admin at `email`; any earlier invitation of
    theirs that is still open stops working. With `make_page`, also create
    their draft profile page (where `cms` has registered how)."""
    if consultant.user_id is not None:
        raise BookingError(f"{consultant} already has a login.")
    with transaction.atomic():
        Consultant.objects.select_for_update().filter(pk=consultant.pk).first()
        revoke_open(consultant=consultant, actor=actor)
        invitation = Invitation.objects.create(
            consultant=consultant,
            email=email,
            created_by=actor,
            expires_at=timezone.now() + invitation_lifetime(),
        )
        log(instance=consultant, action=INVITED, user=actor, data={"email": email})
        if make_page:
            profiles.make_profile_page(consultant, **_application_details(consultant))
        transaction.on_commit(
            partial(emails.enqueue_invitation, invitation.pk), robust=True
        )
    return invitation


def _application_details(consultant: Consultant) -> dict:
    application = consultant.applications.order_by("-created_at").first()
    if application is None:
        return {}
    return {
        "qualifications": application.qualifications,
        "specialisations": application.specialisations,
    }


def invite_new(*, name: str, email: str, actor, make_page: bool = False) -> Invitation:
    """A consultant the practice has not recorded yet: created (verified once
    they accept) and invited."""
    with transaction.atomic():
        consultant = Consultant.objects.create(
            name=name,
            email=email,
            status=Consultant.Status.APPLIED,
            status_changed_at=timezone.now(),
            status_changed_by=actor,
        )
        return invite(
            consultant=consultant, email=email, actor=actor, make_page=make_page
        )


def resend(*, invitation: Invitation, actor) -> Invitation:
    """A new link for the same consultant and address; the old one stops working."""
    if invitation.accepted_at is not None:
        raise BookingError("This invitation was accepted already.")
    return invite(consultant=invitation.consultant, email=invitation.email, actor=actor)


def revoke(*, invitation: Invitation, actor) -> None:
    if invitation.accepted_at is not None:
        raise BookingError("This invitation was accepted already: nothing to revoke.")
    with transaction.atomic():
        revoke_open(consultant=invitation.consultant, actor=actor, only=invitation)


def revoke_open(*, consultant: Consultant, actor, only: Invitation | None = None):
    open_ones = Invitation.objects.select_for_update().filter(
        consultant=consultant, accepted_at__isnull=True, revoked_at__isnull=True
    )
    if only is not None:
        open_ones = open_ones.filter(pk=only.pk)
    for invitation in open_ones:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        log(instance=consultant, action=REVOKED, user=actor, data={})


def check_invitation(raw, *, lock: bool = False) -> Invitation:
    """The invitation for a link's `raw` token if it is genuine and still open;
    otherwise a TokenError saying why (expired, used, withdrawn)."""
    parts = tokens.split_token(raw)
    invitations = Invitation.objects.select_related("consultant")
    if lock:
        invitations = invitations.select_for_update()
    invitation = invitations.filter(key=parts[0]).first() if parts else None
    if invitation is None or not tokens.secret_matches(
        invitation.secret_hash, parts[1]
    ):
        raise TokenError(
            "This invitation link is not valid. Check that you copied the whole "
            "link from the email, or ask the practice for a new one."
        )
    if invitation.accepted_at is not None:
        raise TokenUsed("This invitation has been used already. Sign in instead.")
    if invitation.revoked_at is not None:
        raise TokenUsed(
            "This invitation was withdrawn or replaced by a newer one. Use the "
            "link in the latest email, or ask the practice for a new one."
        )
    if invitation.expires_at <= timezone.now():
        raise TokenExpired(
            "This invitation has expired. Ask the practice to send you a new one."
        )
    return invitation


def accept_invitation(*, raw: str, username: str, password: str):
    """Create the consultant's login from the link: in the Consultants group,
    linked to their consultant, who becomes verified. Returns the new user.
    The password was checked by Django's validators (the form's job)."""
    User = get_user_model()
    with transaction.atomic():
        invitation = check_invitation(raw, lock=True)
        consultant = Consultant.objects.select_for_update().get(
            pk=invitation.consultant_id
        )
        if consultant.user_id is not None:
            raise TokenUsed(f"{consultant} already has a login. Sign in instead.")
        if User.objects.filter(username__iexact=username).exists():
            raise BookingError("This username is taken. Choose another.")
        user = User.objects.create_user(
            username=username,
            email=invitation.email,
            password=password,
            first_name=consultant.name.split()[0][:150] if consultant.name else "",
        )
        user.groups.add(Group.objects.get_or_create(name=CONSULTANTS)[0])
        now = timezone.now()
        consultant.user = user
        consultant.status = Consultant.Status.VERIFIED
        consultant.status_changed_at = now
        consultant.status_changed_by = user
        consultant.save(
            update_fields=["user", "status", "status_changed_at", "status_changed_by"]
        )
        invitation.accepted_at = now
        invitation.user = user
        invitation.save(update_fields=["accepted_at", "user"])
        log(instance=consultant, action=JOINED, user=user, data={"username": username})
    return user


# --- applications --------------------------------------------------------------------


def apply(
    *, name: str, email: str, qualifications: str, specialisations: str, statement: str
) -> tuple[Application, bool]:
    """Record an application and its applicant (a consultant with status
    "applied" and no login). Returns (application, created): an address with an
    application still pending gets that one back, and nothing new is stored."""
    pending = Application.objects.filter(
        email__iexact=email, status=Application.Status.PENDING
    )
    if pending.exists():
        return pending.first(), False
    try:
        return _new_application(
            name=name,
            email=email,
            qualifications=qualifications,
            specialisations=specialisations,
            statement=statement,
        ), True
    except IntegrityError:  # the same address, at the same moment
        return pending.first(), False


def _new_application(*, name, email, **answers) -> Application:
    with transaction.atomic():
        consultant = Consultant.objects.create(
            name=name,
            email=email,
            status=Consultant.Status.APPLIED,
            status_changed_at=timezone.now(),
        )
        application = Application.objects.create(
            consultant=consultant,
            name=name,
            email=email,
            **answers,
            **consent.consent_fields(),
        )
        log(instance=application, action=APPLIED, data={})
    return application


def _decidable(application: Application) -> Application:
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.status != Application.Status.PENDING:
        raise BookingError(
            f"This application was {locked.get_status_display().lower()} already."
        )
    return locked


def accept_application(
    *, application: Application, actor, make_page: bool = True
) -> Invitation:
    """Accept: the applicant is invited to the admin (and becomes verified when
    they accept the invitation)."""
    with transaction.atomic():
        application = _decidable(application)
        if application.consultant is None:
            raise BookingError("This applicant's consultant no longer exists.")
        invitation = invite(
            consultant=application.consultant,
            email=application.email,
            actor=actor,
            make_page=make_page,
        )
        application.status = Application.Status.ACCEPTED
        application.decided_at = timezone.now()
        application.decided_by = actor
        application.invitation = invitation
        application.save()
        log(instance=application, action=ACCEPTED, user=actor, data={})
    return invitation


def decline_application(*, application: Application, actor, reason: str) -> None:
    """Decline with a reason, which the applicant is emailed. Their consultant
    (status "applied", never had a login or a booking) is deleted: keeping it
    would list a stranger among the practice's consultants. The application
    keeps the name, address and reason until the retention period ends."""
    reason = reason.strip()
    if not reason:
        raise BookingError("Give a reason: the applicant is emailed it.")
    with transaction.atomic():
        application = _decidable(application)
        consultant = application.consultant
        application.status = Application.Status.DECLINED
        application.decided_at = timezone.now()
        application.decided_by = actor
        application.decline_reason = reason
        application.consultant = None
        application.save()
        if _only_an_applicant(consultant):
            consultant.delete()
        log(instance=application, action=DECLINED, user=actor, data={"reason": reason})
        transaction.on_commit(
            partial(emails.enqueue_decline, application.pk), robust=True
        )


def _only_an_applicant(consultant: Consultant | None) -> bool:
    return (
        consultant is not None
        and consultant.status == Consultant.Status.APPLIED
        and consultant.user_id is None
        and not consultant.bookings.exists()
    )


def delete_decided_applications(*, now: datetime | None = None) -> int:
    """Retention: applications decided more than TEAM_APPLICATION_RETENTION_DAYS
    ago are deleted (what a member of the team needs lives on their consultant
    and profile page)."""
    days = getattr(settings, "TEAM_APPLICATION_RETENTION_DAYS", 180)
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return forget(Application.objects.filter(decided_at__lt=cutoff))


def forget(applications) -> int:
    """Delete these applications and their history (which quotes decline
    reasons). Returns how many applications."""
    ids = [str(pk) for pk in applications.values_list("pk", flat=True)]
    ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Application), object_id__in=ids
    ).delete()
    return applications.filter(pk__in=ids).delete()[1].get(Application._meta.label, 0)
