"""Shared by the team's tests: the link in an invitation email."""

import re

LINK = re.compile(r"https?://[^\s\"<>]+/join/invitation/[^\s\"<>/]+/")


def invitation_link(message) -> str:
    """The invitation link in an email's text, as a path (the test client's)."""
    found = LINK.search(message.body)
    assert found, f"no invitation link in: {message.body}"
    return "/" + found[0].split("/", 3)[3]
