from io import StringIO

from django.core.management import call_command
from wagtail.models import Page, Site

from cms.models import HomePage


def test_home_page_renders_from_demo_data(client, demo_site):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Find the right person to talk to" in html
    assert "Support that fits your life" in html
    assert '<a class="skip-link" href="#main">' in html


def test_demo_data_replaces_wagtail_welcome_page(demo_site):
    site = Site.objects.get(is_default_site=True)

    assert isinstance(site.root_page.specific, HomePage)
    assert not Page.objects.filter(
        title__startswith="Welcome to your new Wagtail"
    ).exists()


def test_loading_demo_data_twice_changes_nothing(demo_site):
    pages_before = Page.objects.count()
    out = StringIO()

    call_command("load_initial_data", stdout=out)

    assert Page.objects.count() == pages_before
    assert "already loaded" in out.getvalue()


def test_unknown_url_gets_the_friendly_404(client, demo_site):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "We couldn't find that page" in response.content.decode()


def test_demo_data_has_bookings_in_every_state(demo_site):
    from booking.core.models import Booking, Consultant
    from booking.core.states import BookingStatus

    states = set(Booking.objects.values_list("status", flat=True))

    assert states == set(BookingStatus.values)
    assert Consultant.objects.count() == 4


def test_demo_stream_shows_posts_by_the_demo_consultants(client, demo_site):
    from cms.models import ConsultantPage, StreamPost

    posts = StreamPost.objects.live().select_related("author")
    stream = client.get("/stream/").content.decode()
    author = posts.get(title="Grief has no timetable").author
    profile = client.get(author.url).content.decode()

    assert posts.count() == 3
    assert {post.author_id for post in posts} <= set(
        ConsultantPage.objects.values_list("pk", flat=True)
    )
    assert all(post.title in stream for post in posts)
    assert stream.index("Arguments that go in circles") < stream.index(
        "Three breaths before the inbox"
    )
    assert "Grief has no timetable" in profile
