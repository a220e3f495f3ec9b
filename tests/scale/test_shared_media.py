"""Media on S3-compatible storage (issue 26): with a bucket configured, an image
and a document uploaded through one app server are read and served by another,
from the bucket, through short-lived signed URLs; the bucket itself is private.

The bucket is moto's standalone S3 server on a loopback port, started here.
"Another app server" is a second Django test client in this process whose
storage objects and caches are thrown away first, so nothing it serves can come
from the first one's memory or disk (two gunicorns would cost seconds each and
prove nothing more about storage: the load tests already run two)."""

import io
import urllib.error
import urllib.request

import pytest
from django.core.cache import caches
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image as PILImage

from tests.load.servers import free_port

pytestmark = pytest.mark.django_db
BUCKET = "haven-media-test"
S3 = "storages.backends.s3.S3Storage"


@pytest.fixture
def bucket(settings, tmp_path):
    try:
        import boto3
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # pragma: no cover - moto is a dev requirement
        pytest.skip(f"moto[server] is not installed: {exc}")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    try:
        server.start()
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"the local S3 server could not start on port {port}: {exc}")
    endpoint = f"http://127.0.0.1:{port}"
    keys = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **keys)
    s3.create_bucket(Bucket=BUCKET)
    settings.MEDIA_ROOT = tmp_path / "media"  # must stay empty
    settings.AWS_STORAGE_BUCKET_NAME = BUCKET
    settings.AWS_S3_ENDPOINT_URL = endpoint
    settings.AWS_S3_REGION_NAME = "us-east-1"
    settings.AWS_ACCESS_KEY_ID = settings.AWS_SECRET_ACCESS_KEY = "test"
    settings.AWS_S3_ADDRESSING_STYLE = "path"
    settings.AWS_S3_SIGNATURE_VERSION = "s3v4"
    settings.AWS_DEFAULT_ACL = None
    settings.AWS_QUERYSTRING_AUTH = True
    settings.AWS_QUERYSTRING_EXPIRE = 300
    settings.AWS_S3_FILE_OVERWRITE = False
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": S3, "OPTIONS": {"location": "media"}},
        "exports": {"BACKEND": S3, "OPTIONS": {"location": "exports"}},
    }
    yield s3
    server.stop()


def another_app_server() -> Client:
    """A client whose storages and caches start empty, as on another machine."""
    storages._storages = {}
    for alias in ("default", "renditions"):
        caches[alias].clear()
    return Client()


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def png() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (16, 16), "teal").save(buffer, "PNG")
    return buffer.getvalue()


def test_an_image_uploaded_on_one_server_is_served_by_another(bucket, admin_client):
    from wagtail.images.models import Image

    response = admin_client.post(
        reverse("wagtailimages:add"),
        {"title": "Portrait", "file": SimpleUploadedFile("portrait.png", png())},
    )
    assert response.status_code == 302
    stored = bucket.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert [o["Key"] for o in stored] == ["media/original_images/portrait.png"]

    another_app_server()
    image = Image.objects.get(title="Portrait")
    url = image.get_rendition("fill-8x8").url  # read from the bucket, written back

    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
    status, body = fetch(url)
    assert status == 200 and PILImage.open(io.BytesIO(body)).size == (8, 8)
    unsigned = url.split("?")[0]
    assert fetch(unsigned)[0] == 403  # private: no signature, no file
    assert not any(path.is_file() for path in _media_root().rglob("*"))


def test_a_document_uploaded_on_one_server_is_downloaded_from_another(
    bucket, admin_client
):
    from wagtail.documents.models import Document

    response = admin_client.post(
        reverse("wagtaildocs:add"),
        {"title": "Fees", "file": SimpleUploadedFile("fees.txt", b"Fees: 80 EUR")},
    )
    assert response.status_code == 302
    document = Document.objects.get(title="Fees")

    visitor = another_app_server()
    response = visitor.get(document.url)

    assert response.status_code == 302
    signed = response["Location"]
    assert signed.startswith(bucket.meta.endpoint_url) and "X-Amz-Signature=" in signed
    assert fetch(signed) == (200, b"Fees: 80 EUR")


def test_export_files_are_kept_in_the_private_bucket(bucket):
    from django.core.files.base import ContentFile

    from booking.spreadsheets import exports

    name = exports.export_storage().save("7-abc.csv", ContentFile(b"Reference\n"))

    assert bucket.get_object(Bucket=BUCKET, Key=f"exports/{name}")["Body"].read()
    another_app_server()
    with exports.export_storage().open(name, "rb") as file:
        assert file.read() == b"Reference\n"


def _media_root():
    from django.conf import settings

    return settings.MEDIA_ROOT
