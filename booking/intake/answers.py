"""Asking a service's intake questions and checking the answers, one way for the
public details step (`intake_fields`, `collected`) and the API
(`clean_api_answers`).

Each question becomes one Django form field with a length cap (`MAX_LINE`,
`MAX_TEXT`); dates are the years Haven accepts (`booking.core.dates`); choices
are the question's own. Answers are stored in `Booking.intake` as text keyed by
the question's label as the client saw it, so a booking keeps what was asked
even after the question changes; unanswered optional questions are left out."""

from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from booking.core import dates
from booking.intake.models import QuestionType, ServiceQuestion

# The web form's field names are the question's name behind this prefix, so a
# question called "Client name" cannot collide with the form's own fields.
FIELD_PREFIX = "intake__"
MAX_LINE = 255
MAX_TEXT = 2000
API_FIELD = "intake"

Q = QuestionType


def questions_of(service) -> list[ServiceQuestion]:
    return list(service.questions.order_by("sort_order", "pk"))


def form_field(question: ServiceQuestion) -> forms.Field:
    options = {
        "label": question.label,
        "help_text": question.help_text,
        "required": question.required,
    }
    choices = [(choice, choice) for choice in question.choice_list]
    kind = question.field_type
    if kind == Q.MULTI_LINE:
        return forms.CharField(
            max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}), **options
        )
    if kind == Q.EMAIL:
        return forms.EmailField(max_length=254, **options)
    if kind == Q.NUMBER:
        return forms.DecimalField(max_digits=12, decimal_places=2, **options)
    if kind == Q.DATE:
        return forms.DateField(
            validators=[dates.validate_in_range],
            widget=forms.DateInput(attrs={"type": "date"}),
            **options,
        )
    if kind == Q.DROPDOWN:
        return forms.ChoiceField(choices=[("", "Choose one"), *choices], **options)
    if kind == Q.RADIO:
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **options)
    if kind == Q.CHECKBOXES:
        return forms.MultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **options
        )
    return forms.CharField(max_length=MAX_LINE, **options)


def intake_fields(questions) -> dict[str, forms.Field]:
    """The web form's fields, named `FIELD_PREFIX` + the question's name; the
    optional ones say so, as the form's own optional fields do."""
    fields = {}
    for question in questions:
        field = form_field(question)
        if not question.required:
            field.label = f"{question.label} (optional)"
        fields[FIELD_PREFIX + question.clean_name] = field
    return fields


def answer_text(value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return "" if value is None else str(value).strip()


def collected(questions, cleaned_data: dict, *, prefix: str = FIELD_PREFIX) -> dict:
    """What goes into `Booking.intake`: {label: answer} for each answered
    question, in the service's order."""
    answers = {}
    for question in questions:
        text = answer_text(cleaned_data.get(prefix + question.clean_name))
        if text:
            answers[question.label] = text
    return answers


def clean_api_answers(service, raw) -> dict:
    """The API draft's `intake` ({question name: answer}; a list of choices for
    checkboxes) checked as the web form checks it. Raises ValidationError keyed
    `intake.<name>` for each problem; returns what `collected` returns."""
    questions = questions_of(service)
    if not isinstance(raw, dict):
        raise ValidationError(
            {API_FIELD: "Give the answers as an object keyed by each question's name."}
        )
    by_name = {q.clean_name: q for q in questions}
    errors = {
        f"{API_FIELD}.{key[:60]}": ["This service asks no question with this name."]
        for key in list(raw)[: len(by_name) + 10]
        if key not in by_name
    }
    data = {}
    for name, question in by_name.items():
        value, problem = _api_value(question, raw.get(name))
        if problem:
            errors[f"{API_FIELD}.{name}"] = [problem]
        data[name] = value
    form = forms.Form(data=data)
    form.fields = {name: form_field(q) for name, q in by_name.items()}
    form.is_valid()
    for name, messages in form.errors.items():
        errors.setdefault(f"{API_FIELD}.{name}", list(messages))
    if errors:
        raise ValidationError(errors)
    return collected(questions, form.cleaned_data, prefix="")


def _api_value(question, value) -> tuple[object, str]:
    """The JSON value as the form field reads it, or a problem with its shape."""
    if question.field_type == Q.CHECKBOXES:
        if value is None:
            return [], ""
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return [], "Give a list of the chosen options, as text."
        return value, ""
    if value is None:
        return "", ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return "", "Give one answer, as text."
    return str(value), ""
