"""Times read the same everywhere: 24-hour, never "10:31 p.m." beside "22:31"
(issue 19), in British and plain English."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils import translation


@pytest.mark.parametrize("language", ["en-gb", "en"])
def test_dates_and_times_render_in_24_hour_form(language):
    moment = datetime(2026, 3, 4, 22, 31, tzinfo=UTC)
    template = Template(
        "{{ moment }} | {{ moment|time }} | {{ moment|date:'SHORT_DATETIME_FORMAT' }}"
    )

    with translation.override(language):
        text = template.render(Context({"moment": moment}))

    assert text == "4 Mar 2026, 22:31 | 22:31 | 04/03/2026 22:31"
