"""The panel the services' edit screen can use: a service's questions edited
inline with it, saved in the order given."""

import pytest
from wagtail.admin.panels import FieldPanel, ObjectList

from booking.core.models import Service
from booking.intake.panels import QUESTIONS_PANEL
from tests.factories import ServiceFactory, ask

pytestmark = pytest.mark.django_db


def form_for(service, data):
    panels = ObjectList([FieldPanel("title"), QUESTIONS_PANEL]).bind_to_model(Service)
    return panels.get_form_class()(data, instance=service)


def question(n, label, field_type, choices="", order=0, **more):
    return {
        f"questions-{n}-label": label,
        f"questions-{n}-help_text": "",
        f"questions-{n}-required": "on",
        f"questions-{n}-field_type": field_type,
        f"questions-{n}-choices": choices,
        f"questions-{n}-ORDER": str(order),
        f"questions-{n}-DELETE": "",
        **more,
    }


def test_questions_are_added_and_ordered_with_the_service():
    service = ServiceFactory(title="Couples")
    data = {
        "title": "Couples",
        "questions-TOTAL_FORMS": "2",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
        **question(0, "Partner's name", "singleline", order=2),
        **question(1, "How long together?", "dropdown", "Under a year\nLonger", 1),
    }

    form = form_for(service, data)
    assert form.is_valid(), form.errors
    form.save()

    assert [(q.label, q.clean_name) for q in service.questions.all()] == [
        ("How long together?", "how_long_together"),
        ("Partner's name", "partners_name"),
    ]


def test_a_choice_question_without_choices_is_refused_inline():
    service = ServiceFactory()
    ask(service, "Existing", "singleline")
    existing = service.questions.get()
    data = {
        "title": service.title,
        "questions-TOTAL_FORMS": "2",
        "questions-INITIAL_FORMS": "1",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
        **question(0, "Existing", "singleline", **{"questions-0-id": existing.pk}),
        **question(1, "Pick one", "radio", order=1),
    }

    form = form_for(service, data)

    assert not form.is_valid()
    assert "Give the choices" in str(form.formsets["questions"].errors)
