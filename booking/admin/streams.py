"""Streams → Comments in the admin (issue 25): editors approve or reject clients'
comments (held for moderation by default), see how often each was reported,
and the post's consultant replies to comments on their own posts."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import EditView, SnippetViewSet

from booking.admin.permissions import own_consultant as consultant_of_user
from booking.streams.models import Comment


class CommentPolicy(ModelPermissionPolicy):
    """Editors (the model's change permission) moderate every comment; a
    consultant sees and replies to the comments on their own posts only."""

    def user_has_permission(self, user, action):
        if super().user_has_permission(user, action):
            return True
        return action == "change" and consultant_of_user(user) is not None

    def user_has_permission_for_instance(self, user, action, instance):
        if super().user_has_permission(user, action):
            return True
        consultant = consultant_of_user(user)
        return (
            action == "change"
            and consultant is not None
            and instance.consultant_id == consultant.pk
        )

    def instances_user_has_permission_for(self, user, action):
        if super().user_has_permission(user, action):
            return Comment.objects.all()
        consultant = consultant_of_user(user)
        if action != "change" or consultant is None:
            return Comment.objects.none()
        return Comment.objects.filter(Q(consultant=consultant))


class CommentEditView(EditView):
    """A consultant opens only the comments on their own posts."""

    def get_object(self, queryset=None):
        comment = super().get_object(queryset)
        policy = CommentPolicy(Comment)
        if not policy.user_has_permission_for_instance(
            self.request.user, "change", comment
        ):
            raise PermissionDenied
        return comment


class CommentViewSet(SnippetViewSet):
    model = Comment
    icon = "comment"
    menu_label = "Stream comments"
    menu_order = 215
    add_to_admin_menu = True
    copy_view_enabled = False
    edit_view_class = CommentEditView
    list_display = [
        "excerpt",  # the link to the comment's edit page
        Column("display_name", label="Client"),
        Column("page_title", label="On"),
        Column("status", label="Status", accessor="get_status_display"),
        Column("reports", label="Reports"),
        DateColumn("created_at", label="Written"),
    ]
    list_filter = ["status"]
    search_fields = ["body", "display_name", "page_title"]
    # What the client wrote stays as written: only the decision and the reply.
    panels = [
        FieldPanel("body", read_only=True, heading="What the client wrote"),
        FieldPanel("display_name", read_only=True, heading="Signed as"),
        FieldPanel("page_title", read_only=True, heading="On"),
        FieldPanel("reports", read_only=True, heading="Times reported"),
        FieldPanel("status", heading="Decision"),
        FieldPanel("reply", heading="Reply from the post's author"),
    ]

    def get_queryset(self, request):
        return (
            CommentPolicy(Comment)
            .instances_user_has_permission_for(request.user, "change")
            .order_by("-created_at")
        )


register_permission_policy(Comment, CommentPolicy(Comment))
register_snippet(CommentViewSet)
