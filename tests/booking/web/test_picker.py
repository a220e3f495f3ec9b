"""The month picker, its time zones and clock, through real requests (without
JavaScript: the query string carries the month, day and zone)."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from booking.core import tokens
from booking.core.models import BookingToken
from booking.lifecycle import services
from booking.web import picker
from tests.availability_factories import weekly_hours
from tests.factories import ConsultantFactory, ServiceFactory, make_draft

pytestmark = pytest.mark.django_db
# The 50-minute sessions that fit 09:00–12:00 on the 30-minute grid.
MORNING = ["09:00", "09:30", "10:00", "10:30", "11:00"]


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def service():
    """Maya works weekdays 09:00–12:00 in Berlin; 50-minute sessions, 10 after."""
    consultant = ConsultantFactory(
        name="Maya Stone", time_zone="Europe/Berlin", open_hours=False
    )
    weekly_hours(consultant, weekdays=range(5), start="09:00", end="12:00")
    return ServiceFactory(
        title="Counselling",
        slug="counselling",
        consultants=[consultant],
        booking_window_days=120,
    )


def url(service, **query):
    consultant = service.consultants.get()
    params = "&".join(f"{name}={value}" for name, value in query.items())
    return f"/book/{consultant.pk}/{service.slug}/?{params}"


def next_month() -> date:
    today = timezone.localdate()
    return (today.replace(day=28) + timedelta(days=4)).replace(day=1)


def free_days(html):
    return [date.fromisoformat(d) for d in re.findall(r'data-day="([^"]+)"', html)]


def times(html):
    """The slot buttons' text as read: "22:00 night"."""
    found = re.findall(r'class="slot(?: slot--night)?"[^>]*>(.*?)</(?:a|button)>', html)
    return [" ".join(re.sub(r"<[^>]+>", " ", text).split()) for text in found]


def test_a_month_links_the_days_with_free_times_and_disables_the_others(
    client, service
):
    month = next_month()

    page = client.get(url(service, tz="Europe/Berlin", month=f"{month:%Y-%m}"))

    html = page.text
    assert page.status_code == 200
    assert f"{month:%B %Y}" in html
    days = free_days(html)
    assert days and all(day.weekday() < 5 and day.month == month.month for day in days)
    weekend = [month + timedelta(days=n) for n in range(7)]
    weekend = [day for day in weekend if day.weekday() >= 5]
    for day in weekend:
        assert re.search(
            rf'aria-disabled="true">{day.day}<span class="vh"> {day:%B}[^<]*'
            r"no free times",
            html,
        )
    # The first free day is chosen, and its times listed in Berlin time.
    assert re.search(rf'aria-current="true">{days[0].day}<', html)
    assert times(html) == MORNING
    assert re.findall(r"<h(\d)", html)[:3] == ["1", "2", "2"]


def test_a_day_in_the_query_is_shown_and_a_new_york_client_sees_night_marked(
    client, service
):
    month = next_month()
    wednesday = month + timedelta(days=(2 - month.weekday()) % 7)

    page = client.get(url(service, tz="America/New_York", day=wednesday.isoformat()))

    html = page.text
    assert re.search(rf'aria-current="true">{wednesday.day}<', html)
    assert f"{wednesday:%A} {wednesday.day} {wednesday:%B}" in html
    # 09:00 in Berlin is 03:00 (or 04:00 in the weeks the clocks disagree).
    first = times(html)[0]
    assert first.startswith(("03:00", "04:00")) and "night" in html
    assert "America/New York — New York (GMT-" in html


def test_on_arrival_the_first_day_with_free_times_is_chosen_even_next_month(
    client, service
):
    """A consultant whose hours start in five weeks: the page opens on that day."""
    consultant = ConsultantFactory(time_zone="Europe/Berlin", open_hours=False)
    start = timezone.localdate() + timedelta(days=35)
    weekly_hours(
        consultant, weekdays=range(7), start="14:00", end="15:00", starts_on=start
    )
    late = ServiceFactory(
        slug="late", consultants=[consultant], booking_window_days=120
    )

    html = client.get(f"/book/{consultant.pk}/late/?tz=Europe/Berlin").text

    assert free_days(html)[0] == start
    assert re.search(rf'aria-current="true">{start.day}<', html)
    assert times(html) == ["14:00"]
    assert late.title in html


def test_a_month_costs_one_call_to_the_slot_engine(client, service, monkeypatch):
    calls = []
    real = picker.free_slots

    def counted(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(picker, "free_slots", counted)

    client.get(url(service, tz="Europe/Berlin", month=f"{next_month():%Y-%m}"))

    [call] = calls
    assert call["end"] - call["start"] >= timedelta(days=28)


def test_partials_answer_with_the_times_or_the_month_alone(client, service):
    query = {"tz": "Europe/Berlin", "month": f"{next_month():%Y-%m}"}

    times_only = client.get(url(service, partial="times", **query)).text
    month_only = client.get(url(service, partial="month", **query)).text

    assert times_only.lstrip().startswith('<section class="picker-times"')
    assert "<html" not in times_only and "data-day" not in times_only
    assert month_only.lstrip().startswith('<div class="picker"')
    assert "data-day" in month_only and "<html" not in month_only


def test_months_outside_the_booking_window_have_no_link_to_them(client, service):
    this_month = client.get(url(service, tz="Europe/Berlin", month="2000-01")).text
    far = client.get(url(service, tz="Europe/Berlin", month="2100-12")).text

    assert 'rel="prev"' not in this_month and 'rel="next"' in this_month
    assert f"{timezone.localdate():%B %Y}" in this_month
    assert 'rel="next"' not in far and 'rel="prev"' in far


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"month": "December"}, "is not a month like 2026-12"),
        ({"day": "2026-13-45"}, "is not a day like 2026-12-14"),
        ({"tz": "Mars/Olympus"}, "is not a time zone we know"),
    ],
)
def test_a_query_the_page_cannot_read_says_so_and_still_offers_times(
    client, service, query, message
):
    page = client.get(url(service, **query))

    assert page.status_code == 400
    assert message in page.text
    assert free_days(page.text)


def test_an_alias_from_the_browser_shows_its_canonical_zone(client, service):
    html = client.get(url(service, tz="Asia/Calcutta")).text

    assert "Asia/Kolkata — Kolkata (GMT+5:30)" in html
    assert "tz=Asia%2FKolkata" in html


def test_the_12_hour_clock_is_remembered_for_the_visit(client, service):
    page = url(service, tz="Europe/Berlin", month=f"{next_month():%Y-%m}")

    switched = client.post("/book/clock/", {"clock": "12", "next": page})
    html = client.get(page).text

    assert switched.status_code == 302 and switched.url == page
    assert times(html) == ["9:00 am", "9:30 am", "10:00 am", "10:30 am", "11:00 am"]
    assert re.search(r'value="12"[^>]*aria-pressed="true"', html)
    client.post("/book/clock/", {"clock": "24", "next": page})
    assert times(client.get(page).text) == MORNING


def test_a_bad_clock_or_an_outside_address_changes_nothing(client, service):
    bad = client.post("/book/clock/", {"clock": "13", "next": "/"})
    outside = client.post(
        "/book/clock/", {"clock": "12", "next": "https://evil.example/"}
    )

    assert bad.status_code == 400 and b"12-hour or a 24-hour" in bad.content
    assert outside.status_code == 302 and outside.url == "/"


def test_the_zone_search_works_without_javascript(client, service):
    back = url(service, tz="America/New_York", day="2026-12-14")

    found = client.get("/book/zones/", {"q": "India", "next": back}).text
    nothing = client.get("/book/zones/", {"q": "Atlantis", "next": back}).text

    matches = found[found.index('class="zone-matches"') :]
    links = re.findall(r'<li><a href="([^"]+)">([^<]+)</a>', matches)
    assert "Asia/Kolkata — Kolkata (GMT+5:30)" in links[0][1]
    assert links[0][0].endswith("tz=Asia%2FKolkata") and "day=" not in links[0][0]
    assert "Calcutta" not in found
    assert "No time zone matches “Atlantis”" in nothing


def test_moving_a_booking_offers_no_time_inside_the_cutoff(client, service, settings):
    settings.BOOKING_CLIENT_CHANGE_CUTOFF_HOURS = 24 * 5
    soon = timezone.now() + timedelta(days=8)
    start = timezone.datetime(soon.year, soon.month, soon.day, 10, tzinfo=UTC)
    while start.weekday() >= 5:
        start += timedelta(days=1)
    booking, token = make_draft(service=service, start=start)
    services.verify_email(token=token)
    manage = tokens.issue_token(booking=booking, purpose=BookingToken.Purpose.MANAGE)
    earliest = timezone.now() + timedelta(days=5)

    months = [f"{timezone.localdate():%Y-%m}", f"{next_month():%Y-%m}"]
    offered = []
    for month in months:
        page = client.get(f"/book/manage/{manage}/reschedule/?month={month}").text
        for day in free_days(page):
            html = client.get(
                f"/book/manage/{manage}/reschedule/?day={day.isoformat()}"
            ).text
            offered += re.findall(r'name="start" value="([^"]+)"', html)
            break

    assert offered
    assert all(datetime.fromisoformat(start) >= earliest for start in offered)

    settings.BOOKING_CLIENT_CHANGE_CUTOFF_HOURS = 24 * 30
    late = client.get(f"/book/manage/{manage}/reschedule/").text
    assert "can no longer be moved online" in late
    assert 'name="start"' not in late


def night_times(consultant, service, day):
    request = RequestFactory().get(
        "/", {"tz": "America/New_York", "day": day.isoformat()}
    )
    request.session = {}
    chosen = picker.build(
        request,
        consultant=consultant,
        service=service,
        fallback_zone="UTC",
        now=datetime(day.year, day.month, 1, tzinfo=UTC),
    )
    html = render_to_string(
        "booking/_times.html",
        {"picker": chosen, "consultant": consultant, "service": service},
    )
    return times(html), html


@pytest.mark.parametrize(
    ("before", "after", "labels"),
    [
        # New York moves to summer time on 14 March 2027 ...
        (date(2027, 3, 13), date(2027, 3, 14), ("21:00", "22:00")),
        # ... and back on 7 November 2027.
        (date(2027, 11, 6), date(2027, 11, 7), ("22:00", "21:00")),
    ],
)
def test_night_is_marked_in_the_clients_zone_across_both_dst_changes(
    before, after, labels
):
    """A Tokyo consultant's 11:00 is 02:00 UTC: 21:00 or 22:00 in New York
    depending on its clocks; only 22:00 is night."""
    consultant = ConsultantFactory(time_zone="Asia/Tokyo", open_hours=False)
    weekly_hours(consultant, weekdays=range(7), start="11:00", end="12:00")
    service = ServiceFactory(consultants=[consultant], booking_window_days=400)

    for day, label in zip((before, after), labels, strict=True):
        shown, html = night_times(consultant, service, day)
        night = label == "22:00"
        assert shown == [f"{label} night" if night else label]
        assert ("night</span>" in html) is night
