"""Intake questions: booking admins add, change, reorder and delete the questions
each service asks on the booking's details step, one list for every service,
filtered by service. The services' own edit screen can show the same questions
inline (`booking.intake.panels.QUESTIONS_PANEL`); this screen needs nothing of it.

Permissions are the model's own (`booking.servicequestion.*`), which only booking
admins hold (`booking.core.roles`)."""

from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.viewsets.model import ModelViewSet

from booking.intake.models import ServiceQuestion


class ServiceQuestionViewSet(ModelViewSet):
    model = ServiceQuestion
    icon = "help"
    menu_label = "Intake questions"
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = False
    # The model's own panels (as a service's inline panel shows them), with the
    # service in front: here a question is not inside its service.
    panels = [FieldPanel("service"), *ServiceQuestion.panels]
    list_filter = ["service", "field_type", "required"]
    search_fields = ["label", "help_text"]
    search_backend_name = None
    list_display = [
        "label",
        Column("service", label="Service"),
        Column("field_type", label="Answer", accessor="get_field_type_display"),
        BooleanColumn("required", label="Required"),
    ]


# In the Practice menu beside Services (booking.admin.practice).
intake_questions = ServiceQuestionViewSet("intake_questions")
