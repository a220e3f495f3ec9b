"""Review moderation in the Wagtail admin: reviews arrive unpublished; a booking
admin reads them and ticks “published”. Wagtail's snippet views log every change in
the review's history."""

from wagtail.admin.panels import FieldPanel
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from booking.reviews.models import Review


class ClientWrittenPolicy(ModelPermissionPolicy):
    """Reviews come from clients only: nobody adds one in the admin."""

    def user_has_permission(self, user, action):
        return action != "add" and super().user_has_permission(user, action)


class ReviewViewSet(SnippetViewSet):
    model = Review
    icon = "comment"
    menu_label = "Reviews"
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["__str__", "display_name", "is_published", "created_at"]
    list_filter = ["is_published", "rating"]
    search_fields = ["comment", "display_name"]
    # Only the decision is editable: what the client wrote stays as written.
    panels = [FieldPanel("is_published")]

    copy_view_enabled = False


register_permission_policy(Review, ClientWrittenPolicy(Review))
register_snippet(ReviewViewSet)
