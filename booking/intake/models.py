"""The questions a service asks on the booking's details step. Wagtail's form
builder fields (`AbstractFormField`: label, type, required, choices, help text,
and a `clean_name` fixed when the question is first saved), limited to the types
a client can answer in a sentence or a choice."""

from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.forms.models import AbstractFormField


class QuestionType(models.TextChoices):
    SINGLE_LINE = "singleline", "Single line text"
    MULTI_LINE = "multiline", "Multi-line text"
    DROPDOWN = "dropdown", "Drop-down choice"
    RADIO = "radio", "Radio buttons"
    CHECKBOXES = "checkboxes", "Checkboxes (any number)"
    DATE = "date", "Date"
    EMAIL = "email", "Email"
    NUMBER = "number", "Number"


CHOICE_TYPES = (QuestionType.DROPDOWN, QuestionType.RADIO, QuestionType.CHECKBOXES)
MAX_CHOICES = 50


def split_choices(text: str) -> list[str]:
    """One choice a line, or comma-separated on one line (as Wagtail's forms)."""
    lines = [line.strip() for line in text.strip().splitlines()]
    if len(lines) == 1:
        lines = [part.strip() for part in lines[0].split(",")]
    return [line for line in lines if line]


class ServiceQuestion(AbstractFormField):
    """One intake question of a service, in the order the service lists them."""

    service = ParentalKey(
        "booking.Service", related_name="questions", on_delete=models.CASCADE
    )
    field_type = models.CharField(
        "answer type", max_length=16, choices=QuestionType.choices
    )
    field_type.required_on_save = True

    panels = [
        FieldPanel("label", help_text="The question as the client reads it."),
        FieldPanel("help_text", help_text="A line under the question (optional)."),
        FieldPanel("required"),
        FieldPanel("field_type", required_on_save=True),
        FieldPanel(
            "choices",
            help_text="For drop-down, radio buttons and checkboxes: one choice a "
            "line (or separated by commas on one line).",
        ),
    ]

    class Meta(AbstractFormField.Meta):
        verbose_name = "intake question"
        constraints = [
            models.UniqueConstraint(
                fields=["service", "clean_name"], name="one_question_name_a_service"
            )
        ]

    def __str__(self):
        return self.label

    def save(self, *args, **kwargs):
        if self.sort_order is None:  # added on its own, not in a service's panel
            last = ServiceQuestion.objects.filter(service_id=self.service_id).aggregate(
                last=models.Max("sort_order")
            )["last"]
            self.sort_order = 0 if last is None else last + 1
        super().save(*args, **kwargs)

    @property
    def choice_list(self) -> list[str]:
        return split_choices(self.choices) if self.field_type in CHOICE_TYPES else []

    def clean(self):
        super().clean()
        if self.field_type in CHOICE_TYPES:
            choices = split_choices(self.choices)
            if not choices:
                raise ValidationError(
                    {"choices": "Give the choices, one a line, for this answer type."}
                )
            if len(choices) > MAX_CHOICES:
                raise ValidationError(
                    {"choices": f"Give at most {MAX_CHOICES} choices."}
                )
        name = self.clean_name or self.get_field_clean_name()
        if not name:
            raise ValidationError(
                {"label": "Write the question with at least one letter or digit."}
            )
        others = ServiceQuestion.objects.filter(
            service_id=self.service_id, clean_name=name
        ).exclude(pk=self.pk)
        if self.service_id and others.exists():
            raise ValidationError(
                {"label": "This service already asks a question with this name."}
            )
