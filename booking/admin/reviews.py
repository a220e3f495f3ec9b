"""Review moderation in the Wagtail admin: reviews arrive unpublished; a booking
admin reads them and ticks “published”. Wagtail's snippet views log every change in
the review's history.

Who sees reviews is the permission policy's answer, for every snippet view: the
list, edit, delete, usage and history ask it, and so does the chooser (Wagtail's
own chooser asks nobody), so only booking admins (the review permissions) see any
review. Consultants have none: their published reviews show on their profile
page."""

from wagtail.admin.panels import FieldPanel
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import chooser
from wagtail.snippets.views.snippets import SnippetViewSet

from booking.admin.permissions import ANY_ACTION, forbidden
from booking.reviews.models import Review


class ClientWrittenPolicy(ModelPermissionPolicy):
    """Reviews come from clients only: nobody adds one in the admin."""

    def user_has_permission(self, user, action):
        return action != "add" and super().user_has_permission(user, action)


review_policy = ClientWrittenPolicy(Review)


def visible_reviews(user):
    """The reviews `user` may see: those the list shows them."""
    return review_policy.instances_user_has_any_permission_for(user, ANY_ACTION)


class AsTheList:
    """A chooser view open to whoever may open the reviews list, and only to them
    (a plain 403 otherwise, as a crafted URL gets elsewhere in the admin)."""

    def dispatch(self, request, *args, **kwargs):
        if not review_policy.user_has_any_permission(request.user, ANY_ACTION):
            return forbidden(request, "Only booking admins see clients' reviews.")
        return super().dispatch(request, *args, **kwargs)


class ChooseView(AsTheList, chooser.ChooseView):
    def get_object_list(self):
        return visible_reviews(self.request.user)


class ChooseResultsView(AsTheList, chooser.ChooseResultsView):
    def get_object_list(self):
        return visible_reviews(self.request.user)


class ChosenView(AsTheList, chooser.SnippetChosenView):
    def get_object(self, pk):
        return visible_reviews(self.request.user).get(pk=pk)


class ChosenMultipleView(AsTheList, chooser.SnippetChosenMultipleView):
    def get_objects(self, pks):
        return visible_reviews(self.request.user).filter(pk__in=pks)


class CreateView(AsTheList, chooser.SnippetCreateView):
    pass


class ReviewChooserViewSet(chooser.SnippetChooserViewSet):
    choose_view_class = ChooseView
    choose_results_view_class = ChooseResultsView
    chosen_view_class = ChosenView
    chosen_multiple_view_class = ChosenMultipleView
    create_view_class = CreateView


class ReviewViewSet(SnippetViewSet):
    model = Review
    icon = "comment"
    menu_label = "Reviews"
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["__str__", "booking", "display_name", "is_published", "created_at"]
    list_filter = ["is_published", "rating"]
    search_fields = ["comment", "display_name"]
    # Only the decision is editable: what the client wrote stays as written.
    panels = [FieldPanel("is_published")]

    copy_view_enabled = False
    chooser_viewset_class = ReviewChooserViewSet


register_permission_policy(Review, review_policy)
register_snippet(ReviewViewSet)
