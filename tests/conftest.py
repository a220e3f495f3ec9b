import pytest
from django.conf import settings
from django.db import connection


def pytest_addoption(parser):
    parser.addoption(
        "--slow",
        action="store_true",
        help="also run the tests marked slow (.ci/run does, in its PostgreSQL pass)",
    )


def pytest_collection_modifyitems(config, items):
    skips = []
    if not config.getoption("--slow"):
        skips.append(("slow", "slow: run with bin/test --slow"))
    if connection.vendor != "postgresql":
        skips.append(("postgres", "needs PostgreSQL: set DATABASE_URL=postgres://..."))
    for marker, reason in skips:
        for item in items:
            if marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix, tmp_path_factory
):
    """On SQLite the test database is a file rather than memory, so that a real
    django-q2 cluster in another process
    (tests/booking/notifications/test_outbox_faults.py) sees the same data. A fresh
    directory per run keeps parallel runs apart."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        path = tmp_path_factory.mktemp("database") / "test.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(path)


@pytest.fixture(scope="session", autouse=True)
def channel_layer_of_this_process():
    """With CHANNEL_REDIS_URL set (CI's PostgreSQL pass) the sockets' events go
    through Redis; each test process keeps its groups under a prefix of its own,
    so parallel processes never hear each other's bookings and conversations."""
    layer = settings.CHANNEL_LAYERS["default"]
    if layer["BACKEND"] == "channels_redis.core.RedisChannelLayer":
        from tests.channels_testing import redis_layer

        url = layer["CONFIG"]["hosts"][0]["address"]
        settings.CHANNEL_LAYERS = {"default": redis_layer(url)}


@pytest.fixture(autouse=True)
def jobs_run_inline(monkeypatch):
    """django-q2 tasks run in the test's own process, at once (django-q2 reads its
    sync setting once, at import, hence the patch). Tests with a real cluster
    patch it back."""
    monkeypatch.setattr("django_q.conf.Conf.SYNC", True)


@pytest.fixture
def practice_settings(db):
    """Change the practice's settings as a practice owner does in the admin (the
    default site's Practice settings); returns a function taking field values."""
    from wagtail.models import Site

    from cms.models import PracticeSettings

    def change(**fields):
        practice = PracticeSettings.for_site(Site.objects.get(is_default_site=True))
        for name, value in fields.items():
            setattr(practice, name, value)
        practice.save()
        return practice

    return change


@pytest.fixture
def demo_site(db):
    """Haven's demo content, loaded the way `bin/run` loads it."""
    from django.core.management import call_command

    call_command("load_initial_data", verbosity=0)


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Tests run with DEBUG off but without `collectstatic`, so serve static files
    from the finders instead of the production manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    settings.WHITENOISE_USE_FINDERS = True


@pytest.fixture(autouse=True)
def uploaded_files_in_a_temporary_folder(settings, tmp_path):
    """Images and exports written by tests never land in the working tree."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: the database is rolled back between
    tests, so pages, navigation and rate-limit counts cached by an earlier test
    would describe rows that no longer exist."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def password_alone_signs_in(settings):
    """Tests sign in to the admin with a password alone (they run with DEBUG off,
    where ADMIN_REQUIRE_2FA defaults on); tests/booking/signin/ turn it on."""
    settings.ADMIN_REQUIRE_2FA = False
