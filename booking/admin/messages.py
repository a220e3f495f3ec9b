"""Messages in the Wagtail admin (issue 24): a consultant's conversations with
their clients, to read and answer; a reader with the "read any conversation"
permission (not given to any role by default) reads every conversation, and
each opening is written to the access log. Attachments are served here to the
same people only. Also adds the live-updates script to the admin, which the
dashboard and calendar use to say when a visible booking changed."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.generic import TemplateView, View
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from booking.admin.permissions import forbidden
from booking.admin.zones import admin_zone, uses_12_hour_clock
from booking.core.errors import BookingError
from booking.messaging import services
from booking.messaging.models import Attachment, Side
from booking.privacy.audit import record_access
from booking.privacy.models import AccessLogEntry
from booking.web.messages import attachment_response, form_limits, wants_json

READ_ANY = "booking.read_any_conversation"
NOT_YOURS = (
    "Messages are between a client and their consultant. Reading others' "
    "conversations needs the “read any conversation” permission."
)


def may_use(user) -> bool:
    return user.has_perm(READ_ANY) or getattr(user, "consultant", None) is not None


def staff_conversation(request, pk):
    """The conversation and the user's side in it (None: reading with the
    permission, which is logged), or Http404."""
    conversation = services.conversations_for_staff(request.user).filter(pk=pk)
    conversation = conversation.select_related("booking").first()
    if conversation is None:
        raise Http404("No conversation here that you may read.")
    side = services.staff_side(conversation, request.user)
    if side is None:
        record_access(
            user=request.user,
            action=AccessLogEntry.Action.VIEWED,
            target=f"messages of booking {conversation.booking.reference}",
            request=request,
        )
    return conversation, side


class ConversationsView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "booking/admin/messages/list.html"
    page_title = "Messages"
    header_icon = "mail"

    def dispatch(self, request, *args, **kwargs):
        if not may_use(request.user):
            return forbidden(request, NOT_YOURS)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        conversations = services.conversations_for_staff(self.request.user)
        conversations = conversations.select_related("booking").order_by(
            "-last_message_at", "-pk"
        )[:200]
        if self.request.user.has_perm(READ_ANY):
            record_access(
                user=self.request.user,
                action=AccessLogEntry.Action.VIEWED,
                target="the list of conversations",
                request=self.request,
            )
        rows = [(c, services.unread_count(c, Side.CONSULTANT)) for c in conversations]
        return super().get_context_data(rows=rows, **kwargs)


class ConversationView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "booking/admin/messages/conversation.html"
    page_title = "Conversation"
    header_icon = "mail"

    def dispatch(self, request, *args, **kwargs):
        if not may_use(request.user):
            return forbidden(request, NOT_YOURS)
        self.conversation, self.side = staff_conversation(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("booking_messages"), "label": "Messages"},
            {"url": "", "label": self.get_page_subtitle()},
        ]

    def get_page_subtitle(self):
        booking = self.conversation.booking
        return f"{booking.client_name} and {self.conversation.consultant.name}"

    def post(self, request, *args, **kwargs):
        if self.side is None:
            return forbidden(request, "Only the consultant writes here.")
        try:
            services.post_message(
                conversation=self.conversation,
                sender=self.side,
                body=request.POST.get("body", ""),
                files=request.FILES.getlist("files"),
            )
        except BookingError as refused:
            if wants_json(request):
                return JsonResponse({"error": refused.message}, status=400)
            context = self.get_context_data(error=refused.message)
            context["body"] = request.POST.get("body", "")
            return self.render_to_response(context, status=400)
        if wants_json(request):
            return JsonResponse({"sent": True}, status=201)
        messages.success(request, "Your message was sent.")
        return HttpResponseRedirect(request.path)

    def get_context_data(self, **kwargs):
        if self.side is not None:
            services.mark_read(conversation=self.conversation, reader=self.side)
        return super().get_context_data(
            conversation=self.conversation,
            thread=self.conversation.messages.prefetch_related("attachments"),
            me=self.side or Side.CONSULTANT,
            writes=self.side is not None,
            other_name=self.conversation.booking.client_name,
            attachment_url="booking_message_attachment",
            socket=f"/ws/chat/{self.conversation.pk}/" if self.side else "",
            zone=admin_zone(self.request).key,
            clock=12 if uses_12_hour_clock(self.request) else 24,
            **form_limits(),
            **kwargs,
        )


class AttachmentView(View):
    def get(self, request, pk):
        if not may_use(request.user):
            return forbidden(request, NOT_YOURS)
        found = get_object_or_404(Attachment.objects.select_related("message"), pk=pk)
        staff_conversation(request, found.message.conversation_id)
        return attachment_response(found)


class MessagesMenuItem(MenuItem):
    def is_shown(self, request):
        return may_use(request.user)


@hooks.register("register_admin_urls")
def register_messages_urls():
    return [
        path("messages/", ConversationsView.as_view(), name="booking_messages"),
        path(
            "messages/<int:pk>/",
            ConversationView.as_view(),
            name="booking_message_conversation",
        ),
        path(
            "messages/attachments/<int:pk>/",
            AttachmentView.as_view(),
            name="booking_message_attachment",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_messages_menu_item():
    return MessagesMenuItem(
        "Messages", reverse("booking_messages"), icon_name="mail", order=195
    )


@hooks.register("insert_global_admin_js")
def live_updates_script():
    return format_html(
        '<script src="{}" data-admin-live defer></script>', static("js/live.js")
    )
