"""The intake questions' panel, for whichever screen edits a service: Service is a
ClusterableModel, so its questions are edited inline with it."""

from wagtail.admin.panels import InlinePanel

QUESTIONS_PANEL = InlinePanel(
    "questions",
    label="Intake question",
    heading="Intake questions",
    help_text="Asked on the booking's details step; the answers are shown to "
    "booking admins and the booking's consultant.",
)
