"""GET /api/v1/ answers a small JSON index, and the API's docs load nothing from
another origin (issue 17, items 18 and 19)."""

import re

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_the_api_root_lists_its_resources_and_docs():
    response = APIClient().get("/api/v1/")

    assert response.status_code == 200
    body = response.json()
    assert body["docs"] == "/api/docs/" and body["schema"] == "/api/schema/"
    assert body["resources"]["consultants"] == "/api/v1/consultants/"
    for path in body["resources"].values():
        if "{" not in path and "staff" not in path and "manage" not in path:
            assert APIClient().get(path).status_code in (200, 405), path


@pytest.mark.parametrize("page", ["/api/redoc/", "/api/docs/"])
def test_the_api_docs_load_nothing_from_another_origin(client, page):
    html = client.get(page).content.decode()

    addresses = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert addresses, html[:300]
    assert all(not re.match(r"(https?:)?//", address) for address in addresses), (
        addresses
    )
    assert "googleapis" not in html and "gstatic" not in html


def test_an_unknown_api_address_answers_the_apis_json_error():
    response = APIClient().get("/api/v1/nothing-here/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_body_too_large_is_a_413_in_the_apis_json_body():
    big = '{"client_name": "' + "x" * 3_000_000 + '"}'

    response = APIClient().post(
        "/api/v1/bookings/", big, content_type="application/json"
    )

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
