"""The "new message" email: never the message's words, at most one per
conversation and recipient per batch time; messages that arrive meanwhile are
announced by the sweep once the time is up, exactly once."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from booking.messaging import notify, services
from booking.messaging.models import Side
from booking.notifications.models import OutboxEmail

pytestmark = pytest.mark.django_db

SECRET = "the diagnosis of my brother"


def notices():
    return [
        m for m in mail.outbox if "new" in m.subject.lower() and "message" in m.subject
    ]


def test_the_email_says_only_that_there_is_a_message_and_links_to_it(
    client, booking, django_capture_on_commit_callbacks
):
    conversation = services.open_conversation(booking=booking)
    with django_capture_on_commit_callbacks(execute=True):
        services.post_message(
            conversation=conversation, sender=Side.CONSULTANT, body=SECRET
        )
    (email,) = notices()
    assert email.to == ["ada@example.com"]
    assert email.subject == "You have a new message from your practice"
    assert SECRET not in email.body
    assert SECRET not in email.alternatives[0][0]
    assert SECRET not in OutboxEmail.objects.get(kind="new_message").text_body
    link = re.search(r"https?://\S+/book/manage/(\S+)/messages/", email.body)
    response = client.get(f"/book/manage/{link[1]}/messages/", follow=True)
    assert SECRET in response.content.decode()


def test_messages_within_the_batch_time_make_one_email_then_the_sweep_sends_one(
    booking, django_capture_on_commit_callbacks
):
    conversation = services.open_conversation(booking=booking)
    with django_capture_on_commit_callbacks(execute=True):
        for text in ("one", "two", "three"):
            services.post_message(
                conversation=conversation, sender=Side.CLIENT, body=text
            )
        services.post_message(
            conversation=conversation, sender=Side.CONSULTANT, body="reply"
        )
    # One to the consultant for the first message, one to the client.
    assert sorted(m.to[0] for m in notices()) == [
        "ada@example.com",
        booking.consultant.email,
    ]
    later = timezone.now() + timedelta(minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        assert notify.send_batched(now=later) == 0  # still within 15 minutes
    after_batch = timezone.now() + timedelta(minutes=16)
    with django_capture_on_commit_callbacks(execute=True):
        assert notify.send_batched(now=after_batch) == 1  # "two" and "three"
        assert notify.send_batched(now=after_batch) == 0  # exactly once
    assert len(notices()) == 3
    assert [m.to[0] for m in notices()].count(booking.consultant.email) == 2


def test_messages_read_before_the_sweep_are_not_announced(
    booking, django_capture_on_commit_callbacks
):
    conversation = services.open_conversation(booking=booking)
    with django_capture_on_commit_callbacks(execute=True):
        services.post_message(conversation=conversation, sender=Side.CLIENT, body="a")
        services.post_message(conversation=conversation, sender=Side.CLIENT, body="b")
    services.mark_read(conversation=conversation, reader=Side.CONSULTANT)
    later = timezone.now() + timedelta(minutes=20)
    assert notify.send_batched(now=later) == 0
    assert len(notices()) == 1
