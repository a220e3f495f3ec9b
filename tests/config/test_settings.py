"""Settings are read from the environment, so each case runs in a fresh process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 64 + "-a-long-random-production-secret",
    "ALLOWED_HOSTS": "haven.example.org",
    "SECURE_SSL_REDIRECT": "1",
}


def run(args, **env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", **env_overrides)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def database_settings(**env):
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "db = settings.DATABASES['default']; "
        "print(json.dumps({'engine': db['ENGINE'], 'name': str(db['NAME']), "
        "'options': db.get('OPTIONS', {})}))"
    )
    result = run(["-c", code], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_database_url_haven_uses_a_serialised_sqlite_file():
    db = database_settings(DEBUG="1")

    assert db["engine"] == "django.db.backends.sqlite3"
    assert db["name"].endswith("db.sqlite3")
    assert db["options"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in db["options"]["init_command"]
    assert db["options"]["timeout"] > 0


def test_database_url_selects_postgresql():
    db = database_settings(
        DEBUG="1", DATABASE_URL="postgres://haven@db.internal:5432/haven"
    )

    assert db["engine"] == "django.db.backends.postgresql"
    assert db["name"] == "haven"


def test_production_without_secret_key_refuses_to_start():
    result = run(["manage.py", "check"], DEBUG="0", SECRET_KEY="")

    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_check_deploy_is_clean_under_production_variables():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_email_backend_can_be_overridden_from_the_environment():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.EMAIL_BACKEND)"
    )
    chosen = run(
        ["-c", code], DEBUG="1", EMAIL_BACKEND="anymail.backends.test.EmailBackend"
    )
    esp = run(["-c", code], DEBUG="1", ANYMAIL_ESP="postmark")

    assert chosen.stdout.strip() == "anymail.backends.test.EmailBackend"
    assert esp.stdout.strip() == "anymail.backends.postmark.EmailBackend"


def test_redis_url_switches_the_job_queue_to_redis():
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "q = settings.Q_CLUSTER; print(json.dumps(q))"
    )
    orm = json.loads(run(["-c", code], DEBUG="1").stdout)
    redis = json.loads(
        run(["-c", code], DEBUG="1", REDIS_URL="redis://127.0.0.1:6379/0").stdout
    )

    assert orm["orm"] == "default" and "redis" not in orm
    assert redis["redis"] == "redis://127.0.0.1:6379/0" and "orm" not in redis
    assert orm["timeout"] < orm["retry"] and orm["max_attempts"] > 0


def test_channel_redis_url_moves_only_the_sockets_to_redis():
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.CHANNEL_LAYERS['default'], "
        "settings.Q_CLUSTER.get('redis'), settings.CACHES['default']['BACKEND']]))"
    )
    url = "redis://127.0.0.1:6379/5"

    def layer(**env):
        result = run(["-c", code], DEBUG="1", **env)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    memory, queue, cache = layer(CHANNEL_REDIS_URL="", REDIS_URL="")
    assert memory == {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    sockets, queue, cache = layer(CHANNEL_REDIS_URL=url, REDIS_URL="")
    assert sockets["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    assert sockets["CONFIG"]["hosts"][0]["address"] == url
    assert queue is None and "locmem" in cache  # jobs and cache stay put
    both, queue, _ = layer(CHANNEL_REDIS_URL="", REDIS_URL="redis://127.0.0.1:6379/0")
    assert both["CONFIG"]["hosts"][0]["address"] == "redis://127.0.0.1:6379/0"
    assert queue


@pytest.mark.parametrize(
    "missing, extra, message",
    [
        ({"ALLOWED_HOSTS": ""}, {}, "ALLOWED_HOSTS is required"),
        ({}, {"STRIPE_SECRET_KEY": "not-a-key"}, "STRIPE_WEBHOOK_SECRET is required"),
        ({}, {"ANYMAIL_ESP": "postmark"}, "ANYMAIL_WEBHOOK_SECRET is required"),
    ],
)
def test_production_refuses_to_start_without_what_it_needs(missing, extra, message):
    environment = {**PRODUCTION, **missing, **extra}

    result = run(["manage.py", "check"], **environment)

    assert result.returncode != 0
    assert message in result.stderr


def test_production_starts_with_every_integration_configured():
    result = run(
        ["manage.py", "check"],
        **PRODUCTION,
        STRIPE_SECRET_KEY="not-a-key",
        STRIPE_WEBHOOK_SECRET="whsec_x",
        ANYMAIL_ESP="postmark",
        ANYMAIL_WEBHOOK_SECRET="user:password",
    )

    assert result.returncode == 0, result.stderr


def test_emails_can_be_written_to_files_where_email_file_path_says(tmp_path):
    code = (
        "import django; django.setup(); from django.core.mail import send_mail; "
        "send_mail('Hello', 'Body', 'a@example.org', ['b@example.org'])"
    )
    result = run(
        ["-c", code],
        **PRODUCTION,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path),
    )

    assert result.returncode == 0, result.stderr
    [written] = tmp_path.iterdir()
    assert "Subject: Hello" in written.read_text()


def test_rate_limits_are_set_from_the_environment():
    code = (
        "import django, json; django.setup(); "
        "from booking.core.ratelimit import limit_for; "
        "print(json.dumps([limit_for('lookup'), limit_for('create')]))"
    )
    result = run(["-c", code], **PRODUCTION, BOOKING_RATE_LIMITS="lookup=3/600")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [[3, 600], [10, 3600]]


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ("lookup=3", "is not action=requests/seconds"),
        ("lookpu=3/600", "names unknown limits: lookpu"),
    ],
)
def test_a_wrong_rate_limit_stops_haven_with_the_reason(limits, message):
    result = run(["manage.py", "check"], **PRODUCTION, BOOKING_RATE_LIMITS=limits)

    assert result.returncode != 0
    assert message in result.stderr
