"""Intake questions on the public details step: asked in the service's order,
checked (required, choices, dates Haven takes, length), and stored with the
booking as {question: answer}."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from booking.core.models import Booking
from booking.intake.models import ServiceQuestion
from tests.factories import ConsultantFactory, ServiceFactory, ask

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def service():
    consultant = ConsultantFactory(name="Maya Stone", time_zone="Europe/Berlin")
    service = ServiceFactory(title="Counselling", consultants=[consultant])
    ask(
        service, "What brings you here?", "multiline", help_text="A sentence is enough."
    )
    ask(service, "How did you hear of us?", "radio", choices="Friend\nDoctor\nWeb")
    ask(
        service,
        "Preferred days",
        "checkboxes",
        choices="Monday,Tuesday,Friday",
        required=False,
    )
    ask(service, "Date of your last session", "date", required=False)
    return service


def url(service):
    return f"/book/{service.consultants.get().pk}/{service.slug}/details/"


def start():
    day = timezone.now().astimezone(BERLIN).date() + timedelta(days=2)
    return timezone.datetime(day.year, day.month, day.day, 10, tzinfo=BERLIN)


def form(**answers):
    return {
        "client_name": "Ada Lovelace",
        "client_email": "ada@example.com",
        "consent": "on",
        "tz": "Europe/Berlin",
        "start": start().isoformat(),
        "website": "",
        "intake__what_brings_you_here": "Trouble sleeping.",
        "intake__how_did_you_hear_of_us": "Doctor",
        **answers,
    }


def test_the_details_step_asks_the_questions_in_order_before_consent(client, service):
    page = client.get(url(service) + f"?start={start().isoformat()}").text

    order = [
        page.index(text)
        for text in (
            "What brings you here?",
            "A sentence is enough.",
            "<legend>How did you hear of us?</legend>",
            "<legend>Preferred days (optional)</legend>",
            "Date of your last session (optional)",
            'name="consent"',
        )
    ]
    assert order == sorted(order)
    assert 'type="radio" name="intake__how_did_you_hear_of_us" value="Doctor"' in page
    assert 'type="checkbox" name="intake__preferred_days" value="Friday"' in page
    assert 'type="date" name="intake__date_of_your_last_session"' in page


def test_answers_are_stored_with_the_booking_by_question(client, service):
    response = client.post(
        url(service),
        form(
            intake__preferred_days=["Monday", "Friday"],
            intake__date_of_your_last_session="2024-03-01",
        ),
    )

    assert response.status_code == 302
    assert Booking.objects.get().intake == {
        "What brings you here?": "Trouble sleeping.",
        "How did you hear of us?": "Doctor",
        "Preferred days": "Monday, Friday",
        "Date of your last session": "2024-03-01",
    }


def test_unanswered_optional_questions_are_left_out(client, service):
    client.post(url(service), form())

    assert list(Booking.objects.get().intake) == [
        "What brings you here?",
        "How did you hear of us?",
    ]


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"intake__what_brings_you_here": ""}, "This field is required."),
        ({"intake__how_did_you_hear_of_us": "Radio"}, "Select a valid choice."),
        ({"intake__preferred_days": ["Sunday"]}, "Select a valid choice."),
        ({"intake__date_of_your_last_session": "1899-01-01"}, "between 2000 and 2100"),
        ({"intake__date_of_your_last_session": "yesterday"}, "Enter a valid date."),
        ({"intake__what_brings_you_here": "x" * 2001}, "at most 2000 characters"),
    ],
)
def test_a_wrong_answer_is_shown_by_its_question_and_books_nothing(
    client, service, answers, message
):
    response = client.post(url(service), form(**answers))

    assert response.status_code == 400
    assert message in response.text
    assert not Booking.objects.exists()


def test_a_nul_byte_in_an_answer_is_refused_before_anything_runs(client, service):
    response = client.post(url(service), form(intake__what_brings_you_here="a\x00b"))

    assert response.status_code == 400
    assert not Booking.objects.exists()


def test_a_question_named_like_a_form_field_does_not_take_its_place(client, service):
    ask(service, "Client name", required=False)

    client.post(url(service), form(intake__client_name="Ada L. (pronouns she/her)"))

    booking = Booking.objects.get()
    assert booking.client_name == "Ada Lovelace"
    assert booking.intake["Client name"] == "Ada L. (pronouns she/her)"


def test_a_service_without_questions_books_as_before(client):
    plain = ServiceFactory(consultants=[ConsultantFactory()])

    response = client.post(url(plain), form())

    assert response.status_code == 302
    assert Booking.objects.get().intake == {}


def test_a_choice_question_needs_its_choices(service):
    question = ServiceQuestion(service=service, label="Pick one", field_type="radio")

    with pytest.raises(ValidationError) as error:
        question.full_clean()

    assert "Give the choices" in str(error.value)


def test_a_service_asks_each_question_once(service):
    question = ServiceQuestion(
        service=service, label="What brings you here", field_type="singleline"
    )

    with pytest.raises(ValidationError) as error:
        question.full_clean()

    assert "already asks a question with this name" in str(error.value)


def test_the_error_page_lists_the_question_the_client_missed(client, service):
    response = client.post(url(service), form(intake__how_did_you_hear_of_us=""))

    fieldset = re.search(
        r"<legend>How did you hear of us\?</legend>.*?</fieldset>", response.text, re.S
    ).group(0)
    assert "This field is required." in fieldset
