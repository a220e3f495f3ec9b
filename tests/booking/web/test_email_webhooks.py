"""The email providers' webhooks under /anymail/: one that Haven is not set up for
is not found (it raised AnymailConfigurationError, a 500), and none answers 5xx
to a request without the webhook secret."""

import pytest
from django.urls import get_resolver

from booking.notifications.models import OutboxEmail

pytestmark = [
    pytest.mark.django_db,
    # Routes of providers anymail has deprecated (SendinBlue, SendGrid) warn.
    pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailWarning"),
]


def webhook_paths() -> list[str]:
    resolver = get_resolver()
    paths = []
    for pattern in resolver.url_patterns:
        route = str(pattern.pattern)
        for inner in getattr(pattern, "url_patterns", []):
            if route == "" and str(inner.pattern) == "anymail/":
                paths += [
                    "/anymail/"
                    + str(webhook.pattern).strip("^$").replace("(_mime)?/", "/")
                    for webhook in inner.url_patterns
                ]
    return paths


def test_every_provider_s_webhook_is_listed():
    assert "/anymail/mailgun/tracking/" in webhook_paths()
    assert len(webhook_paths()) > 20


def test_a_provider_haven_is_not_set_up_for_is_not_found(client):
    response = client.post("/anymail/mailgun/tracking/")

    assert response.status_code == 404


@pytest.mark.parametrize("path", webhook_paths())
def test_no_webhook_answers_5xx_to_a_request_without_the_secret(client, path):
    answers = [
        client.post(path),
        client.post(path, {"event": "delivered"}),
        client.post(path, "{}", content_type="application/json"),
        client.get(path),
    ]

    assert all(answer.status_code < 500 for answer in answers), [
        answer.status_code for answer in answers
    ]
    assert not OutboxEmail.objects.exists()
