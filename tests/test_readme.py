"""The README's API example works against the demo data (issue 17, item 25): each
`curl` of its block is run, in order, through Django's test client; placeholders
(`<token…>`, the example reference, the example start and consultant 1) are filled
from the answers and emails before, as a reader would fill them."""

import json
import re
import shlex
from pathlib import Path

import pytest
from django.test import Client

from booking.core.models import Booking, Consultant
from booking.lifecycle import services
from tests.api.conftest import emailed_token
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[1]


def api_commands() -> list[list[str]]:
    """The README's API block, one argument list per curl command."""
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\nAPI=(\S+)\n(.*?)```", text, re.S).group(2)
    commands, current = [], ""
    for line in block.splitlines():
        if line.lstrip().startswith("#") and not current:
            continue
        current += " " + line.rstrip().removesuffix("\\")
        if line.rstrip().endswith("\\"):
            continue
        try:
            words = shlex.split(current, comments=True)
        except ValueError:  # a quote still open: the command goes on
            continue
        if words:
            commands.append(words)
        current = ""
    return commands


def request_of(words: list[str]) -> dict:
    assert words[0] == "curl", words
    found = {"method": "GET", "headers": {}, "data": None, "url": None}
    args = iter(words[1:])
    for word in args:
        if word == "-X":
            found["method"] = next(args)
        elif word == "-H":
            name, _, value = next(args).partition(": ")
            found["headers"][name] = value
        elif word == "-d":
            found["data"] = next(args)
        else:
            found["url"] = word
    return found


def test_the_readme_shows_seven_api_commands():
    commands = api_commands()

    assert len(commands) == 7
    assert all(words[0] == "curl" for words in commands)


@pytest.mark.django_db
def test_every_api_command_of_the_readme_works_on_the_demo_data(demo_site, settings):
    settings.STRIPE_SECRET_KEY = ""
    consultant = Consultant.objects.order_by("pk").first()
    filled = {"reference": None}
    client = Client()

    def fill(text: str) -> str:
        text = text.replace("$API", "/api/v1")
        text = text.replace("/consultants/1/", f"/consultants/{consultant.pk}/")
        text = text.replace('"consultant": 1', f'"consultant": {consultant.pk}')
        if filled.get("start"):
            text = re.sub(r'"start": "[^"]+"', f'"start": "{filled["start"]}"', text)
        if filled["reference"]:
            text = text.replace("MS-7K3QXA", filled["reference"])
            if "<the token in the emailed /book/verify/" in text:
                token = emailed_token(filled["reference"], "verify_email")
                text = re.sub(r"<the token in the emailed [^>]*>[^\"']*", token, text)
            if "<token" in text:
                token = emailed_token(filled["reference"], "manage_link")
                text = re.sub(r"<token[^>]*>(/>)?", token, text)
        return text

    for words in api_commands():
        request = request_of([fill(word) for word in words])
        if request["url"].endswith("/manage/pay/"):
            # As the README says: once the practice has approved the booking.
            booking = Booking.objects.get(reference=filled["reference"])
            services.approve(booking=booking, actor=UserFactory(is_superuser=True))
        headers = {
            f"HTTP_{name.upper().replace('-', '_')}": value
            for name, value in request["headers"].items()
            if name.lower() != "content-type"
        }
        response = client.generic(
            request["method"],
            request["url"],
            data=request["data"] or "",
            content_type=request["headers"].get("Content-Type", ""),
            **headers,
        )

        assert response.status_code < 300, (request, response.content[:300])
        body = response.json()
        if "/slots/" in request["url"]:
            assert body["service"] == "individual-counselling"
            assert body["slots"], "the demo consultant has no free time this week"
            filled["start"] = body["slots"][0]["start"]
        if request["url"].endswith("/bookings/") and request["method"] == "POST":
            filled["reference"] = body["reference"]
    assert json.dumps(body)
