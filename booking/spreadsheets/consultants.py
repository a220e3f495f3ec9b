"""The consultants import: consultants matched by email, a known email changes that
consultant and a new one adds a consultant (the other kinds are in
`booking.spreadsheets.resources`).

A consultant's email, active flag and meeting link change only for someone who
may edit consultants (booking admins; issue 27). Staff import consultants too,
but a row of theirs that would change one of these is refused with the reason,
so the import writes nothing. A meeting link is where clients go for their
sessions: every change to one goes to the consultant's History and the
consultant is told (`booking.notifications.consultants`)."""

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from booking.core.models import Consultant
from booking.notifications import consultants as consultant_notices
from booking.spreadsheets.resources import ImportMixin, SafeExportMixin
from booking.spreadsheets.widgets import YesNoWidget, text_field

# Who may change a consultant's contact address, whether they are offered, and
# where their clients go for online sessions (issue 27).
EDIT_CONSULTANTS = "booking.change_consultant"
GUARDED = ("email", "is_active", "meeting_url")


def refusals(instance: Consultant, before: dict, *, new: bool) -> dict:
    """The guarded fields a row would change, each with why it may not."""
    errors = {}
    if not new and instance.email != before["email"]:
        errors["email"] = [
            "Only booking admins may change a consultant's email address "
            f"(it is {before['email']})."
        ]
    if not new and instance.is_active != before["is_active"]:
        now = "yes" if before["is_active"] else "no"
        errors["is_active"] = [
            "Only booking admins may change whether a consultant is active "
            f"(it is {now}); leave the cell empty or as it is."
        ]
    link = before["meeting_url"]
    if (instance.meeting_url or "") != link:
        errors["meeting_url"] = [
            f"Only booking admins may change a consultant's meeting link, where "
            f"clients go for their sessions; it is {link} now."
            if link
            else "Only booking admins may give a consultant a meeting link, where "
            "clients go for their sessions; leave the cell empty."
        ]
    return errors


class ConsultantResource(ImportMixin, SafeExportMixin, resources.ModelResource):
    """Consultants, matched by email: a known email changes that consultant, a
    new one adds a consultant."""

    name = text_field("name", "Name")
    email = text_field("email", "Email")
    time_zone = text_field("time_zone", "Time zone")
    is_active = fields.Field(
        "is_active", "Active", YesNoWidget(), saves_null_values=False
    )
    meeting_url = text_field("meeting_url", "Meeting URL")
    max_bookings_per_day = fields.Field(
        "max_bookings_per_day", "Max bookings per day", widgets.IntegerWidget()
    )
    required_columns = ("Name", "Email")

    class Meta:
        model = Consultant
        fields = (
            "name",
            "email",
            "time_zone",
            "is_active",
            "meeting_url",
            "max_bookings_per_day",
        )
        import_id_fields = ("email",)
        clean_model_instances = True
        skip_unchanged = True

    def import_instance(self, instance, row, **kwargs):
        """Email, Active and Meeting URL change only for someone who may edit
        consultants (booking admins): for anyone else a row that would change
        them is refused, saying why. A meeting link is where clients go for
        their sessions, and a new consultant gets one from them too."""
        before = {name: getattr(instance, name) for name in GUARDED}
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.message_dict
        if instance.is_active != before["is_active"]:
            # "Active" is the consultant's status seen as yes / no (saving sets
            # `is_active` from the status).
            status = Consultant.Status
            instance.status = (
                status.VERIFIED if instance.is_active else status.SUSPENDED
            )
        if not self.actor_edits_consultants():
            if str(instance.email or "").lower() == before["email"].lower():
                instance.email = before["email"]  # the same address: it matched
            errors.update(refusals(instance, before, new=instance.pk is None))
        if errors:
            raise ValidationError(errors)

    def actor_edits_consultants(self) -> bool:
        return self.actor is not None and self.actor.has_perm(EDIT_CONSULTANTS)

    def save_instance(self, instance, is_create, row, **kwargs):
        """A changed meeting link goes to the consultant's History, and the
        consultant hears of it (`booking.notifications.consultants`)."""
        stored = Consultant.objects.filter(pk=instance.pk)
        before = stored.values("email", "meeting_url").first() or {
            "email": instance.email,
            "meeting_url": "",
        }
        super().save_instance(instance, is_create, row, **kwargs)
        changed = instance.meeting_url != before["meeting_url"]
        if changed and not kwargs.get("dry_run"):
            consultant_notices.meeting_link_changed(
                consultant=instance,
                old=before["meeting_url"],
                new=instance.meeting_url,
                actor=self.actor,
                source=f"Imported from {self.source_name}",
                old_email=before["email"],
            )

    def get_instance(self, instance_loader, row):
        email = str(row.get("Email") or "").strip()
        found = list(Consultant.objects.filter(email__iexact=email)[:2])
        if len(found) > 1:
            raise ValidationError(
                {"Email": f"Several consultants have the email “{email}”."}
            )
        return found[0] if found else None
