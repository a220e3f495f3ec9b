"""Time zones as clients find them: canonical zones, by city or country."""

from datetime import UTC, datetime

from booking.core import zones


def keys(query):
    return [zone.key for zone in zones.find(query)]


def test_a_country_finds_its_zone_before_zones_that_merely_start_alike():
    assert keys("India")[0] == "Asia/Kolkata"
    assert keys("Tokyo") == ["Asia/Tokyo"]
    assert keys("japan") == ["Asia/Tokyo"]


def test_cities_of_merged_zones_find_the_zone_they_follow():
    assert keys("Oslo") == ["Europe/Berlin"]
    assert "Europe/London" in keys("united kingdom")
    assert keys("sao paulo") == ["America/Sao_Paulo"]


def test_only_canonical_zones_are_listed_and_aliases_fold_into_them():
    listed = {zone.key for zone in zones.zones()}

    assert {"Asia/Kolkata", "Europe/London", "America/New_York", "UTC"} <= listed
    assert not listed & {"GB-Eire", "Africa/Asmera", "Asia/Calcutta", "US/Eastern"}
    assert zones.canonical("GB-Eire") == "Europe/London"
    assert zones.canonical("Africa/Asmera") == "Africa/Nairobi"
    assert zones.canonical("Asia/Calcutta") == "Asia/Kolkata"
    assert zones.canonical("Etc/UTC") == "UTC"
    assert zones.canonical("Mars/Olympus_Mons") is None
    assert zones.canonical("") is None


def test_a_zone_is_described_with_its_city_offset_and_time_without_underscores():
    winter = datetime(2026, 12, 14, 13, 5, tzinfo=UTC)
    summer = datetime(2027, 7, 1, 13, 5, tzinfo=UTC)

    assert zones.describe("Europe/Berlin", now=winter) == (
        "Europe/Berlin — Berlin (GMT+1), 14:05 now"
    )
    assert zones.describe("America/New_York", now=summer, clock=12) == (
        "America/New York — New York (GMT-4), 9:05 am now"
    )
    assert "(GMT+5:30)" in zones.describe("Asia/Kolkata", now=winter)


def test_nothing_typed_finds_nothing():
    assert zones.find("   ") == []
    assert zones.find("Atlantis") == []
