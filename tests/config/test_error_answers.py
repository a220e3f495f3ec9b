"""Errors that no view answers keep the API's one JSON body under /api/ and stay
pages elsewhere."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    ["/api/v1/consultants/not-a-number/", "/api/v1/nothing-here/", "/api/v3/"],
)
def test_an_api_address_that_matches_nothing_is_a_json_404(client, url):
    response = client.get(url)

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found."}


def test_an_api_request_django_cannot_read_is_a_json_400(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10

    too_many = "&".join(f"f{n}=1" for n in range(20))

    response = client.get(f"/api/v1/consultants/?{too_many}")

    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_elsewhere_errors_stay_pages(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10

    missing = client.get("/book/nothing/here/")
    unreadable = client.get("/search/?" + "&".join(f"f{n}=1" for n in range(20)))

    assert missing.status_code == 404 and "couldn't find" in missing.text
    assert unreadable.status_code == 400 and "could not read" in unreadable.text
