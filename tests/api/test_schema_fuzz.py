"""Property-based run of the OpenAPI schema (schemathesis) against a live server:
every operation of /api/v1/ gets generated requests, valid and invalid, and must
never answer 5xx nor with a body its schema does not describe. Bounded and seeded
(`derandomize`), so it runs the same way every time, in well under two minutes.

It drives schemathesis through Hypothesis strategies rather than its pytest
plugin, whose lazy per-operation tests do not run on pytest 9.2."""

import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from wagtail.models import APIToken

from booking.core import tokens
from booking.core.models import BookingToken
from booking.core.roles import BOOKING_ADMINS
from booking.lifecycle import services
from tests.api.conftest import member_of
from tests.factories import ConsultantFactory, ServiceFactory, make_draft

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

EXAMPLES = 25  # per operation and mode (valid, invalid)
CHECKS = [
    not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.response_schema_conformance,
]


@pytest.fixture
def relaxed_throttles(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            scope: "1000000/minute"
            for scope in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        },
    }


@pytest.fixture
def credentials(db):
    """A consultant with a service and an approved booking. Requests carry a real
    manage token and a booking admin's API token, so that they get past the door
    and reach the serializers and services."""
    consultant = ConsultantFactory(name="Fuzz Consultant")
    service = ServiceFactory(consultants=[consultant], slug="fuzz")
    admin = member_of(BOOKING_ADMINS, username="fuzz-admin")
    booking, verify = make_draft(service=service)
    services.verify_email(token=verify)
    services.approve(booking=booking, actor=admin)
    manage = tokens.issue_token(booking=booking, purpose=BookingToken.Purpose.MANAGE)
    _, bearer = APIToken.create_token(user=admin, name="fuzz")
    return {"X-Manage-Token": manage}, {"Authorization": f"Bearer {bearer}"}


def test_no_server_errors_and_responses_match_the_schema(
    live_server, relaxed_throttles, credentials
):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json")
    manage, auth = credentials
    operations = [result.ok() for result in schema.get_all_operations()]
    calls = 0
    started = time.monotonic()

    for operation in operations:
        fixed = manage if "X-Manage-Token" in _header_names(operation) else {}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode, headers=fixed))
            def run(case):
                nonlocal calls
                calls += 1
                case.call_and_validate(headers=auth, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                # Nothing can be invalid about, e.g., a lone string path parameter.
                assert mode == GenerationMode.NEGATIVE, operation.label

    elapsed = time.monotonic() - started
    print(
        f"schemathesis: {len(operations)} operations, {calls} requests, {elapsed:.0f}s"
    )
    assert len(operations) >= 17


def _header_names(operation) -> set[str]:
    return {parameter.name for parameter in operation.headers}
