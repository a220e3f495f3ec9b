"""Control characters are refused once, here, for every request, before any view.

NUL cannot be stored or even compared by PostgreSQL (every query that carried
one failed with DataError, a 500), and no person types a control character into
an address, a search box or a form. So a request is answered 400 when its path,
its query string, its cookies (a quoted cookie may spell NUL as `\\000`, and the
session cookie is looked up), the names and values of its form body (and the
names of uploaded files), or the strings of its JSON body contain one:

- C0 controls (U+0000–U+001F), DEL (U+007F) and C1 controls (U+0080–U+009F);
  in bodies tab, line feed and carriage return are allowed (text areas send
  them);
- in JSON bodies also the escaped forms (`\\u0000`, `\\b`, `\\f`, …) and lone
  surrogates (`\\ud800` without its pair), which are not text at all: no
  database and no UTF-8 encoder can take them. JSON is only scanned, not parsed;
  the parsers that read it later refuse whatever else is malformed.

Form bodies are read through `request.POST` (as the CSRF check reads them anyway),
so uploads stream to Django's upload handlers as usual; a small body is read
whole first, so that it can still be read raw afterwards. The answer is the API's
JSON error under /api/ and a plain page elsewhere (`config.errors.refusal`);
it never repeats what was sent."""

import re

from django.conf import settings

from config.errors import refusal

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Tab, line feed and carriage return are text in a body.
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
JSON_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|(.))", re.DOTALL)
JSON_TEXT_ESCAPES = {0x09, 0x0A, 0x0D}
HIGH_SURROGATES = range(0xD800, 0xDC00)
LOW_SURROGATES = range(0xDC00, 0xE000)

MESSAGE = (
    "The {where} contains a control character (such as NUL) or a broken "
    "character, which Haven does not accept. Please remove it and try again."
)


def has_control(text: str) -> bool:
    return CONTROL.search(text) is not None


def has_control_in_text(text: str) -> bool:
    return CONTROL_IN_TEXT.search(text) is not None


def escaped_control(code: int) -> bool:
    return code not in JSON_TEXT_ESCAPES and has_control(chr(code))


def bad_json_text(text: str) -> bool:
    """Whether JSON text holds a control character (raw or escaped, other than
    tab, line feed and carriage return) or a lone surrogate escape."""
    if has_control_in_text(text):
        return True
    pair_ends_at = None  # where a high surrogate's low half must start
    for match in JSON_ESCAPE.finditer(text):
        hex_digits, short = match.groups()
        code = int(hex_digits, 16) if hex_digits else None
        if pair_ends_at is not None:
            if match.start() != pair_ends_at or code not in LOW_SURROGATES:
                return True
            pair_ends_at = None
        elif code is None:
            if short in "bf":  # backspace, form feed
                return True
        elif code in HIGH_SURROGATES:
            pair_ends_at = match.end()
        elif code in LOW_SURROGATES or escaped_control(code):
            return True
    return pair_ends_at is not None


def is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def keep_body_readable(request) -> None:
    """Read a small body before its form fields, so that the raw body stays
    readable after them (DRF reads it to refuse a form where it wants JSON, a
    webhook to check a signature). Larger uploads stream to the upload handlers,
    as Django's CSRF check would stream them."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if limit is None or length <= limit:
        request.body  # noqa: B018 - read and kept by the request


def problem(request) -> str | None:
    """Which part of the request carries a character Haven refuses, if any."""
    if has_control(request.path_info):
        return "address"
    if any(
        has_control(name) or any(has_control(value) for value in values)
        for name, values in request.GET.lists()
    ):
        return "query string"
    if any(
        has_control(name) or has_control(value)
        for name, value in request.COOKIES.items()
    ):
        return "cookie"
    content_type = request.content_type or ""
    if request.method == "POST" and content_type in FORM_TYPES:
        keep_body_readable(request)
        if any(
            has_control(name) or any(has_control_in_text(value) for value in values)
            for name, values in request.POST.lists()
        ):
            return "form"
        if any(
            has_control(name) or any(has_control(upload.name or "") for upload in files)
            for name, files in request.FILES.lists()
        ):
            return "name of an uploaded file"
    elif is_json(content_type):
        try:
            text = request.body.decode(request.encoding or "utf-8")
        except (UnicodeDecodeError, LookupError):
            return None  # not text: the JSON parser refuses it
        if bad_json_text(text):
            return "JSON body"
    return None


class RefuseControlCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = problem(request)
        if where is not None:
            return refusal(
                request, MESSAGE.format(where=where), code="invalid_characters"
            )
        return self.get_response(request)
