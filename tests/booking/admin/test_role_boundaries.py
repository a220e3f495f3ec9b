"""Every role sees and changes only what it should in the booking admin's screens
(issue 27): the review chooser, the API tokens screen, the refunds list, the
intake questions."""

import json

import pytest
from django.urls import resolve
from wagtail.admin.viewsets import viewsets
from wagtail.models import APIToken

from booking.core.roles import BOOKING_ADMINS, CONSULTANTS, EDITORS, STAFF
from booking.intake.models import ServiceQuestion
from booking.payments.models import Payment, Refund
from booking.reviews.models import Review
from tests.factories import (
    ConsultantFactory,
    ServiceFactory,
    UserFactory,
    ask,
    make_draft,
    member,
)

pytestmark = pytest.mark.django_db


# --- the review chooser ---------------------------------------------------------------

CHOOSER = "/admin/snippets/choose/booking/review/"


def review(consultant, client_name, rating=2, published=False):
    booking, _ = make_draft(consultant=consultant, client_name=client_name)
    return Review.objects.create(
        booking=booking,
        consultant=consultant,
        rating=rating,
        comment="Not for everyone's eyes.",
        display_name=client_name.split()[0],
        is_published=published,
    )


@pytest.fixture
def reviews():
    """An unpublished review of Maya (who has a login) and a published one of Noah."""
    maya = ConsultantFactory(name="Maya Stone")
    maya.user = member(CONSULTANTS, username="maya")
    maya.save()
    noah = ConsultantFactory(name="Noah Park")
    return maya, review(maya, "Ada Lovelace"), review(noah, "Grace Hopper", 5, True)


def chooser_urls(review):
    return {
        "choose": CHOOSER,
        "results": f"{CHOOSER}results/",
        "chosen": f"{CHOOSER}chosen/{review.pk}/",
        "chosen multiple": f"{CHOOSER}chosen-multiple/?id={review.pk}",
    }


def lists(response, review) -> bool:
    """The review's title is in the answer (JSON read as text, ★ unescaped)."""
    text = response.content.decode()
    if response["Content-Type"].startswith("application/json"):
        text = json.dumps(json.loads(text), ensure_ascii=False)
    return str(review) in text


def shows(response, review) -> bool:
    text = response.content.decode()
    return review.booking.reference in text or review.booking.client_name in text


@pytest.mark.parametrize("role", [EDITORS, STAFF, CONSULTANTS])
@pytest.mark.parametrize("view", ["choose", "results", "chosen", "chosen multiple"])
def test_roles_without_review_permissions_choose_no_reviews(
    client, reviews, role, view
):
    maya, unpublished, published = reviews
    user = maya.user if role == CONSULTANTS else member(role)
    client.force_login(user)

    for shown in (unpublished, published):
        response = client.get(chooser_urls(shown)[view])
        assert response.status_code == 403
        assert not shows(response, unpublished) and not shows(response, published)


@pytest.mark.parametrize("view", ["choose", "results", "chosen", "chosen multiple"])
def test_booking_admins_choose_every_review(client, reviews, view):
    _, unpublished, published = reviews
    client.force_login(member(BOOKING_ADMINS))

    for shown in (unpublished, published):
        response = client.get(chooser_urls(shown)[view])
        assert response.status_code == 200
        assert lists(response, shown)


# --- API tokens -----------------------------------------------------------------------


@pytest.fixture
def root_token():
    root = UserFactory(username="root", is_superuser=True)
    token, _ = APIToken.create_token(user=root, name="Root deploy key")
    return token


def token_urls(token):
    return {
        "history": f"/admin/api-tokens/history/{token.pk}/",
        "history results": f"/admin/api-tokens/history-results/{token.pk}/",
        "usage": f"/admin/api-tokens/usage/{token.pk}/",
        "edit": f"/admin/api-tokens/edit/{token.pk}/",
        "revoke": f"/admin/api-tokens/delete/{token.pk}/",
    }


@pytest.mark.parametrize("role", [STAFF, BOOKING_ADMINS])
@pytest.mark.parametrize(
    "view", ["history", "history results", "usage", "edit", "revoke"]
)
def test_staff_see_nothing_of_another_users_api_token(client, root_token, role, view):
    client.force_login(member(role))

    response = client.get(token_urls(root_token)[view])

    assert response.status_code in (302, 403, 404)
    text = response.content.decode()
    assert root_token.name not in text and root_token.prefix not in text


@pytest.mark.parametrize("role", [STAFF, BOOKING_ADMINS])
@pytest.mark.parametrize("view", ["history", "history results", "revoke"])
def test_staff_see_their_own_api_tokens_history(client, role, view):
    """(Renaming, the edit view, needs `change_apitoken`, which no role has.)"""
    person = member(role)
    token, _ = APIToken.create_token(user=person, name="My script")
    client.force_login(person)

    response = client.get(token_urls(token)[view])

    assert response.status_code == 200
    assert view == "history results" or token.name in response.content.decode()


def test_the_api_tokens_screen_is_registered_once(client):
    """Haven's scoped screen replaces Wagtail's own rather than sitting beside it."""
    resolve("/admin/api-tokens/")  # loads the admin's URLs, which registers viewsets

    names = [viewset.name for viewset in viewsets.viewsets]
    assert names.count("wagtailusers_api_tokens") == 1


# --- refunds --------------------------------------------------------------------------


def test_booking_admins_open_the_refunds_list(client):
    booking, _ = make_draft(client_name="Ada Lovelace")
    payment = Payment.objects.create(
        booking=booking, provider="offline", amount=80, currency="EUR"
    )
    Refund.objects.create(
        key="cancel-1",
        payment=payment,
        booking=booking,
        amount=80,
        currency="EUR",
        reason="Cancelled by the practice",
    )
    client.force_login(member(BOOKING_ADMINS))

    response = client.get("/admin/refunds/")

    assert response.status_code == 200
    assert booking.reference in response.content.decode()


def test_staff_do_not_open_the_refunds_list(client):
    client.force_login(member(STAFF))

    assert client.get("/admin/refunds/").status_code in (302, 403)


# --- intake questions -----------------------------------------------------------------

QUESTIONS = "/admin/intake_questions/"


def test_booking_admins_add_and_list_a_services_intake_questions(client):
    service = ServiceFactory(title="Couples counselling")
    client.force_login(member(BOOKING_ADMINS))

    created = client.post(
        QUESTIONS + "new/",
        {
            "service": service.pk,
            "label": "Does your partner know you booked?",
            "help_text": "",
            "required": "on",
            "field_type": "radio",
            "choices": "Yes\nNo",
        },
    )
    listed = client.get(QUESTIONS, {"service": service.pk}).content.decode()

    assert created.status_code == 302
    question = ServiceQuestion.objects.get()
    assert (question.service, question.clean_name, question.choice_list) == (
        service,
        "does_your_partner_know_you_booked",
        ["Yes", "No"],
    )
    assert "Does your partner know you booked?" in listed
    assert "Couples counselling" in listed


def test_a_choice_question_without_choices_is_refused_on_the_screen(client):
    service = ServiceFactory()
    client.force_login(member(BOOKING_ADMINS))

    response = client.post(
        QUESTIONS + "new/",
        {"service": service.pk, "label": "Pick", "field_type": "dropdown"},
    )

    assert response.status_code == 200
    assert "Give the choices, one a line" in response.content.decode()
    assert not ServiceQuestion.objects.exists()


@pytest.mark.parametrize("role", [STAFF, CONSULTANTS, EDITORS])
def test_other_roles_neither_see_nor_change_intake_questions(client, role):
    question = ask(ServiceFactory(), "Current medication")
    client.force_login(member(role))

    pages = [
        client.get(QUESTIONS),
        client.get(f"{QUESTIONS}edit/{question.pk}/"),
        client.post(f"{QUESTIONS}edit/{question.pk}/", {"label": "Changed"}),
        client.post(f"{QUESTIONS}delete/{question.pk}/"),
    ]

    assert [page.status_code for page in pages] == [302] * 4
    question.refresh_from_db()
    assert question.label == "Current medication"


# --- the team: invitations and applications ---------------------------------------

TEAM_SCREENS = (
    "/admin/team/invitations/",
    "/admin/team/invitations/invite/",
    "/admin/team/applications/",
)


@pytest.mark.parametrize("url", TEAM_SCREENS)
def test_booking_admins_open_the_team_screens(client, url):
    client.force_login(member(BOOKING_ADMINS))
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("role", [EDITORS, STAFF, CONSULTANTS])
@pytest.mark.parametrize("url", TEAM_SCREENS)
def test_other_roles_do_not_open_the_team_screens(client, role, url):
    client.force_login(member(role))
    assert client.get(url).status_code in (302, 403)
