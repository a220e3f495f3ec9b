"""A client's messages and attachments are in their data bundle, go with
erasure, and are deleted after the retention period; no message text is
logged."""

import io
import logging
import os
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from booking.lifecycle import services as lifecycle
from booking.messaging import services
from booking.messaging.models import Attachment, Conversation, Message, Side
from booking.privacy import erasure, lookup, retention
from tests.booking.messaging.conftest import PDF
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

WORDS = "the words only the two of us read"


def write(booking):
    conversation = services.open_conversation(booking=booking)
    services.post_message(
        conversation=conversation,
        sender=Side.CLIENT,
        body=WORDS,
        files=[SimpleUploadedFile("letter.pdf", PDF, "application/pdf")],
    )
    return conversation


def test_the_bundle_holds_the_messages_and_their_files(booking):
    write(booking)
    content = lookup.export_bundle(email="ADA@example.com", user=None)
    with zipfile.ZipFile(io.BytesIO(content)) as bundle:
        names = bundle.namelist()
        assert WORDS in bundle.read("messages.csv").decode()
        (attached,) = [n for n in names if n.startswith("attachments/")]
        assert attached.endswith("letter.pdf")
        assert bundle.read(attached) == PDF


def test_erasure_deletes_conversations_messages_and_files(booking):
    write(booking)
    path = Attachment.objects.get().file.path
    lifecycle.cancel(booking=booking, actor=None, reason="Plans changed")
    erasure.erase_client(email="ada@example.com", user=UserFactory())
    assert not Conversation.objects.exists() and not Message.objects.exists()
    assert not Attachment.objects.exists()
    assert not os.path.exists(path)


def test_retention_deletes_conversations_quiet_for_the_whole_period(booking):
    write(booking)
    now = timezone.now()
    retention.apply_retention(now=now)
    assert Conversation.objects.exists()
    retention.apply_retention(now=now + timedelta(days=3 * 366 * 10))
    assert not Conversation.objects.exists()


def test_no_message_text_in_the_logs(booking, caplog):
    caplog.set_level(logging.DEBUG)
    write(booking)
    assert WORDS not in caplog.text
