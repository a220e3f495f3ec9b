"""The API's intake questions (listed with the service, answered in the draft and
checked as the web form checks them), its category and price filters, and a
consultant who is not taking bookings."""

from decimal import Decimal

import pytest

from booking.core.models import Booking, ServiceCategory
from tests.factories import ConsultantFactory, ServiceFactory, ask, next_monday_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(offer):
    consultant, service = offer
    ask(service, "What brings you here?", "multiline", help_text="A sentence.")
    ask(service, "How did you hear of us?", "dropdown", choices="Friend\nDoctor")
    ask(
        service, "Preferred days", "checkboxes", choices="Monday,Friday", required=False
    )
    ask(service, "Date of your last session", "date", required=False)
    return consultant, service


def draft(consultant, service, **fields):
    return {
        "consultant": consultant.pk,
        "service": service.slug,
        "start": next_monday_at(9).isoformat(),
        "client_name": "Ada Lovelace",
        "client_email": "ada@example.com",
        "client_time_zone": "Europe/Berlin",
        "consent": True,
        **fields,
    }


ANSWERS = {
    "what_brings_you_here": "Trouble sleeping.",
    "how_did_you_hear_of_us": "Doctor",
}


# --- intake questions ---------------------------------------------------------------


def test_the_service_lists_its_questions_with_type_and_choices(api, asked):
    _, service = asked

    body = api.get(f"/api/v1/services/{service.slug}/").json()

    assert body["questions"][:3] == [
        {
            "name": "what_brings_you_here",
            "label": "What brings you here?",
            "type": "multiline",
            "required": True,
            "help_text": "A sentence.",
            "choices": [],
        },
        {
            "name": "how_did_you_hear_of_us",
            "label": "How did you hear of us?",
            "type": "dropdown",
            "required": True,
            "help_text": "",
            "choices": ["Friend", "Doctor"],
        },
        {
            "name": "preferred_days",
            "label": "Preferred days",
            "type": "checkboxes",
            "required": False,
            "help_text": "",
            "choices": ["Monday", "Friday"],
        },
    ]


def test_a_draft_stores_the_answers_by_question(api, asked):
    response = api.post(
        "/api/v1/bookings/",
        draft(*asked, intake={**ANSWERS, "preferred_days": ["Friday"]}),
        format="json",
    )

    assert response.status_code == 201
    assert Booking.objects.get().intake == {
        "What brings you here?": "Trouble sleeping.",
        "How did you hear of us?": "Doctor",
        "Preferred days": "Friday",
    }


@pytest.mark.parametrize(
    ("intake", "field", "message"),
    [
        ({}, "intake.what_brings_you_here", "This field is required."),
        (
            {**ANSWERS, "how_did_you_hear_of_us": "Radio"},
            "intake.how_did_you_hear_of_us",
            "Select a valid choice.",
        ),
        (
            {**ANSWERS, "preferred_days": "Friday"},
            "intake.preferred_days",
            "Give a list of the chosen options",
        ),
        (
            {**ANSWERS, "preferred_days": ["Sunday"]},
            "intake.preferred_days",
            "Select a valid choice.",
        ),
        (
            {**ANSWERS, "date_of_your_last_session": "2101-01-01"},
            "intake.date_of_your_last_session",
            "between 2000 and 2100",
        ),
        (
            {**ANSWERS, "what_brings_you_here": "x" * 2001},
            "intake.what_brings_you_here",
            "at most 2000 characters",
        ),
        (
            {**ANSWERS, "what_brings_you_here": {"nested": 1}},
            "intake.what_brings_you_here",
            "Give one answer, as text.",
        ),
        ({**ANSWERS, "shoe_size": "42"}, "intake.shoe_size", "asks no question"),
    ],
)
def test_a_wrong_answer_is_a_validation_error_naming_the_question(
    api, asked, intake, field, message
):
    response = api.post(
        "/api/v1/bookings/", draft(*asked, intake=intake), format="json"
    )

    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "validation_error"
    assert message in " ".join(body["fields"][field])
    assert not Booking.objects.exists()


def test_intake_that_is_not_an_object_is_refused(api, asked):
    response = api.post(
        "/api/v1/bookings/", draft(*asked, intake=["Doctor"]), format="json"
    )

    assert response.status_code == 400
    assert "intake" in response.json()["fields"]


def test_the_schema_describes_the_questions_and_the_intake_answers(api, db):
    schema = api.get("/api/schema/", {"format": "json"}).json()

    components = schema["components"]["schemas"]
    assert "intake" in components["DraftRequest"]["properties"]
    assert set(components["Question"]["properties"]) >= {"name", "type", "choices"}
    parameters = {
        p["name"] for p in schema["paths"]["/api/v1/services/"]["get"]["parameters"]
    }
    assert {"category", "price_min", "price_max"} <= parameters
    assert "/api/v1/categories/" in schema["paths"]


# --- categories and price ------------------------------------------------------------


@pytest.fixture
def catalogue(db):
    couples = ServiceCategory.objects.create(name="Couples", slug="couples")
    solo = ServiceCategory.objects.create(name="Individual", slug="individual")
    maya, noah = ConsultantFactory(name="Maya"), ConsultantFactory(name="Noah")
    ServiceFactory(
        slug="couples-50", category=couples, price=Decimal("120.00"), consultants=[maya]
    )
    ServiceFactory(
        slug="solo-50", category=solo, price=Decimal("80.00"), consultants=[noah]
    )
    ServiceFactory(
        slug="intro", category=solo, price=Decimal("0.00"), consultants=[noah]
    )
    ServiceFactory(
        slug="retired", category=couples, is_active=False, consultants=[noah]
    )
    return couples, solo


def slugs(response) -> list[str]:
    return sorted(service["slug"] for service in response.json()["results"])


def test_categories_are_listed_with_slug_and_name(api, catalogue):
    body = api.get("/api/v1/categories/").json()

    assert [(c["slug"], c["name"]) for c in body["results"]] == [
        ("couples", "Couples"),
        ("individual", "Individual"),
    ]
    assert api.get("/api/v1/").json()["resources"]["categories"] == (
        "/api/v1/categories/"
    )


def test_services_filter_by_category_and_price(api, catalogue):
    assert slugs(api.get("/api/v1/services/?category=couples")) == ["couples-50"]
    assert slugs(api.get("/api/v1/services/?price_max=80")) == ["intro", "solo-50"]
    assert slugs(api.get("/api/v1/services/?price_min=80.00&price_max=120")) == [
        "couples-50",
        "solo-50",
    ]
    assert slugs(api.get("/api/v1/services/?category=individual&price_min=0.01")) == [
        "solo-50"
    ]
    listed = api.get("/api/v1/services/couples-50/").json()
    assert listed["category"] == "couples"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("category=no-such-kind", "category"),
        ("price_min=cheap", "price_min"),
        ("price_max=1e400", "price_max"),
        ("price_min=-5", "price_min"),
        ("price_max=NaN", "price_max"),
        ("price_min=100&price_max=50", "price_max"),
    ],
)
def test_a_bad_filter_is_a_400_naming_the_parameter(api, catalogue, query, field):
    response = api.get(f"/api/v1/services/?{query}")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["fields"]


def test_consultants_filter_by_the_category_of_their_active_services(api, catalogue):
    names = [
        c["name"]
        for c in api.get("/api/v1/consultants/?category=couples").json()["results"]
    ]
    bad = api.get("/api/v1/consultants/?category=nope")

    assert names == ["Maya"]  # Noah's couples service is retired
    assert bad.status_code == 400 and "category" in bad.json()["fields"]


# --- a consultant not taking bookings ------------------------------------------------


@pytest.mark.parametrize("status", ["suspended", "left", "applied"])
def test_a_consultant_not_verified_takes_no_draft(api, offer, status):
    consultant, service = offer
    consultant.status = status
    consultant.save()

    response = api.post("/api/v1/bookings/", draft(consultant, service), format="json")

    assert response.status_code == 400
    assert response.json()["message"] == (
        "Dr Ada Example is not taking bookings at the moment."
    )
    assert not Booking.objects.exists()


def test_a_suspended_consultants_refusal_comes_before_their_questions(api, asked):
    consultant, service = asked
    consultant.status = "suspended"
    consultant.save()

    response = api.post("/api/v1/bookings/", draft(consultant, service), format="json")

    assert response.status_code == 400
    assert "not taking bookings" in response.json()["message"]
