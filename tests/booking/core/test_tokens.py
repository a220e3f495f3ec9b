"""Link tokens and calendar-feed tokens are read as tokens before any lookup:
anything that cannot be one (a NUL, a lone surrogate, another alphabet) is
refused without a query. On PostgreSQL a NUL in the lookup was a DataError."""

import pytest

from booking.core import tokens
from booking.core.errors import TokenError
from booking.core.models import BookingToken
from booking.scheduling.calendar_files import consultant_for_feed, issue_feed
from tests.factories import ConsultantFactory, make_draft

pytestmark = pytest.mark.django_db

NOT_TOKENS = [
    "",
    None,
    "abc",
    "abc.",
    ".abc",
    "abc\x00def.ghi",
    "abc.def\x00ghi",
    "a\ud800b.c",
    "abc.d\ud800",
    "ab c.def",
    "abc.def.ghi",
    "<script>x</script>.x",
    "x" * 25 + ".abc",
    "abc." + "x" * 129,
]


@pytest.mark.parametrize("raw", NOT_TOKENS)
def test_what_cannot_be_a_link_token_is_refused_without_a_query(
    raw, django_assert_num_queries
):
    with django_assert_num_queries(0), pytest.raises(TokenError):
        tokens.check_token(raw, purpose=BookingToken.Purpose.MANAGE)


@pytest.mark.parametrize("raw", NOT_TOKENS)
def test_what_cannot_be_a_feed_token_finds_no_feed_without_a_query(
    raw, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert consultant_for_feed(raw) is None


def test_real_tokens_still_work():
    booking, _ = make_draft()
    manage = tokens.issue_token(booking=booking, purpose=BookingToken.Purpose.MANAGE)
    consultant = ConsultantFactory()
    feed = issue_feed(consultant)

    assert tokens.check_token(manage, purpose="manage").booking == booking
    assert consultant_for_feed(feed) == consultant
    altered = manage[:-1] + ("B" if manage.endswith("A") else "A")
    with pytest.raises(TokenError):
        tokens.check_token(altered, purpose="manage")
