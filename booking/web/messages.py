"""A client's secure messages on the public site (issue 24): the conversation
page (read and write, attachments, read receipts), its attachments, the way in
from a booking's emailed link or from the account, and the list of a signed-in
client's conversations.

Who may open a conversation: the client signed in with its address, or a
browser that followed a valid manage link of one of its bookings (the session
remembers the conversation, as long as the session lasts). Everything works
without JavaScript; `static/js/live.js` adds the live socket."""

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from booking.accounts import selectors as account_selectors
from booking.accounts import signin
from booking.core.errors import BookingError
from booking.messaging import services
from booking.messaging.models import Attachment, Conversation, Side
from booking.web.account import signed_in
from booking.web.views import manage_link_view
from booking.web.watching import GRANTED, remember


def client_conversation(request, pk) -> Conversation:
    conversation = get_object_or_404(
        Conversation.objects.select_related("consultant", "booking"), pk=pk
    )
    account = signin.signed_in_account(request)
    if not services.client_may_open(
        conversation,
        email=account.email if account else None,
        granted=request.session.get(GRANTED, []),
    ):
        raise Http404("No conversation here, or its link has expired.")
    return conversation


@never_cache
@manage_link_view
def from_booking(request, token, booking):
    """From a booking's emailed link (or its page): open the conversation with
    its consultant in this browser."""
    conversation = services.open_conversation(booking=booking)
    remember(request, GRANTED, conversation.pk)
    return redirect("booking:conversation", pk=conversation.pk)


@never_cache
@signed_in
def my_messages(request, account):
    conversations = services.conversations_of_client(account.email).order_by(
        "-last_message_at", "-pk"
    )
    rows = [(c, services.unread_count(c, Side.CLIENT)) for c in conversations[:100]]
    talked_to = {c.consultant_id for c in conversations}
    bookings = _newest_per_consultant(account.email, talked_to)
    return TemplateResponse(
        request,
        "booking/messages/list.html",
        {"rows": rows, "start_with": bookings, "account": account},
    )


def _newest_per_consultant(email: str, skip: set) -> list:
    newest = {}
    bookings = account_selectors.bookings_of(email).select_related("consultant")
    for booking in bookings.order_by("-start")[:200]:
        if booking.consultant_id not in skip:
            newest.setdefault(booking.consultant_id, booking)
    return list(newest.values())


@require_POST
@signed_in
def start(request, account, reference):
    booking = (
        account_selectors.bookings_of(account.email).filter(reference=reference).first()
    )
    if booking is None:
        raise Http404("You have no booking with this reference.")
    conversation = services.open_conversation(booking=booking)
    return redirect("booking:conversation", pk=conversation.pk)


@never_cache
def conversation(request, pk):
    """The conversation; a POST sends a message (JSON answer for the page's
    script, a redirect otherwise)."""
    conversation = client_conversation(request, pk)
    error = ""
    if request.method == "POST":
        try:
            services.post_message(
                conversation=conversation,
                sender=Side.CLIENT,
                body=request.POST.get("body", ""),
                files=request.FILES.getlist("files"),
            )
        except BookingError as refused:
            error = refused.message
            if wants_json(request):
                return JsonResponse({"error": error}, status=400)
        else:
            if wants_json(request):
                return JsonResponse({"sent": True}, status=201)
            messages.success(request, "Your message was sent.")
            return HttpResponseRedirect(request.path)
    services.mark_read(conversation=conversation, reader=Side.CLIENT)
    account = signin.signed_in_account(request)
    return TemplateResponse(
        request,
        "booking/messages/conversation.html",
        {
            "conversation": conversation,
            "thread": conversation.messages.prefetch_related("attachments"),
            "me": Side.CLIENT,
            "error": error,
            "body": request.POST.get("body", "") if error else "",
            "attachment_url": "booking:message_attachment",
            "socket": f"/ws/chat/{conversation.pk}/",
            "account": account,
            # Times in the client's own zone and clock: their account's, else
            # the zone they booked in.
            "zone": (account and account.time_zone)
            or conversation.booking.client_time_zone,
            "clock": account.clock if account else 24,
            **form_limits(),
        },
        status=400 if error else 200,
    )


def form_limits() -> dict:
    return {
        "max_length": settings.MESSAGING_MAX_LENGTH,
        "max_files": settings.MESSAGING_MAX_ATTACHMENTS,
        "max_bytes": settings.MESSAGING_ATTACHMENT_MAX_BYTES,
    }


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@never_cache
def attachment(request, pk):
    """An attachment, to the conversation's client only."""
    found = get_object_or_404(Attachment.objects.select_related("message"), pk=pk)
    client_conversation(request, found.message.conversation_id)
    return attachment_response(found)


def attachment_response(found: Attachment) -> FileResponse:
    """The file, as the type its bytes showed; a PDF downloads rather than
    opening inside Haven's origin."""
    inline = found.content_type.startswith("image/")
    response = FileResponse(
        found.file.open("rb"),
        content_type=found.content_type,
        as_attachment=not inline,
        filename=found.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
