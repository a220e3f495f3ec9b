"""Review moderation in the Wagtail admin: reviews arrive awaiting moderation; a
booking admin reads them (the list and the review's page show the stars, the
text, who wrote it, for which consultant and booking) and publishes or hides
each, optionally with a public reply from the practice shown under it on the
consultant's page. Every decision is in the review's History.

Who sees reviews is the permission policy's answer, for every snippet view: the
list, edit, delete, usage and history ask it, and so does the chooser (Wagtail's
own chooser asks nobody), so only booking admins (the review permissions) see any
review. Consultants have none: their published reviews show on their profile
page."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import Truncator
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.log_actions import LogFormatter
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import chooser
from wagtail.snippets.views.snippets import IndexView, InspectView, SnippetViewSet

from booking.admin.buttons import post_button
from booking.admin.permissions import ANY_ACTION, forbidden
from booking.core.errors import NotPermitted
from booking.reviews.models import Review
from booking.reviews.services import MODERATE, moderate_review


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


# --- publish and hide ------------------------------------------------------------


def moderation_buttons(review: Review, user) -> list:
    """ "Publish" for a review not shown, "Hide" for one shown; nothing for a user
    who may not moderate. Without JavaScript the link opens a confirmation."""
    if not user.has_perm(MODERATE):
        return []
    if review.is_published:
        url = reverse("booking_review_hide", args=[review.pk])
        return [post_button("Hide", url, icon_name="view", link=True, priority=10)]
    url = reverse("booking_review_publish", args=[review.pk])
    return [post_button("Publish", url, icon_name="success", link=True, priority=10)]


def moderate_view(request, pk, *, publish: bool):
    """GET: the review and one button; POST: publish or hide it, back to the
    list."""
    review = get_object_or_404(visible_reviews(request.user), pk=pk)
    if request.method == "POST":
        try:
            moderate_review(review=review, publish=publish, actor=request.user)
        except NotPermitted as error:
            raise PermissionDenied(error.message) from error
        shown = "published: it shows" if publish else "hidden: it no longer shows"
        messages.success(
            request, f"The review of {review.consultant} is {shown} on their page."
        )
        return redirect("wagtailsnippets_booking_review:list")
    if not request.user.has_perm(MODERATE):
        raise PermissionDenied
    return TemplateResponse(
        request,
        "booking/admin/reviews/moderate.html",
        {
            "review": review,
            "publish": publish,
            "page_title": "Publish review" if publish else "Hide review",
            "header_title": "Publish this review?" if publish else "Hide this review?",
        },
    )


@hooks.register("register_admin_urls")
def review_urls():
    return [
        path(
            "reviews/<int:pk>/publish/",
            moderate_view,
            {"publish": True},
            name="booking_review_publish",
        ),
        path(
            "reviews/<int:pk>/hide/",
            moderate_view,
            {"publish": False},
            name="booking_review_hide",
        ),
    ]


class ModerationFormatter(LogFormatter):
    def format_comment(self, log_entry):
        return ""


@hooks.register("register_log_actions")
def register_review_log_actions(actions):
    for action, label, message in (
        ("booking.review.publish", "Review published", "Published the review"),
        ("booking.review.hide", "Review hidden", "Hid the review"),
    ):
        formatter = type(
            "Formatter", (ModerationFormatter,), {"label": label, "message": message}
        )
        actions.register_action(action)(formatter)


# --- the list and the review's page ------------------------------------------------


def excerpt(review: Review) -> str:
    return Truncator(review.comment).chars(90) or "(no text)"


class ReviewIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        return [
            *moderation_buttons(instance, self.request.user),
            *super().get_list_more_buttons(instance),
        ]


class ReviewInspectView(InspectView):
    LABELS = {
        "rating_label": "Rating",
        "comment": "What the client wrote",
        "display_name": "Signed as",
        "created_at": "Submitted",
        "state_label": "On the site",
        "reply": "Public reply from the practice",
    }

    def get_field_label(self, field_name, field):
        return self.LABELS.get(field_name) or super().get_field_label(field_name, field)

    def get_comment_display_value(self):
        return self.object.comment or "(no text)"

    def get_reply_display_value(self):
        return self.object.reply or "None yet: edit the review to reply."

    def get_page_subtitle(self):
        return f"{self.object.display_name} on {self.object.consultant}"

    @property
    def header_more_buttons(self):
        return [
            *moderation_buttons(self.object, self.request.user),
            *super().header_more_buttons,
        ]


class ShownOrHidden(forms.RadioSelect):
    """Published is a decision between two words, not a bare tick box."""

    def __init__(self, attrs=None):
        super().__init__(
            attrs,
            choices=[
                (True, "Published: shown on the consultant's page"),
                (False, "Hidden: not shown"),
            ],
        )

    def format_value(self, value):
        return str(bool(value) and value not in ("False", "false"))


class ReviewViewSet(SnippetViewSet):
    model = Review
    icon = "comment"
    menu_label = "Reviews"
    menu_order = 210
    add_to_admin_menu = True
    index_view_class = ReviewIndexView
    inspect_view_class = ReviewInspectView
    inspect_view_enabled = True
    inspect_view_fields = [
        "rating_label",
        "comment",
        "display_name",
        "consultant",
        "booking",
        "created_at",
        "state_label",
        "reply",
    ]
    list_display = [
        "rating_label",
        Column("comment", label="Review", accessor=excerpt),
        Column("display_name", label="Client"),
        Column("consultant", label="Consultant"),
        Column(
            "booking",
            label="Booking",
            accessor="booking.reference",
            classname="w-whitespace-nowrap",
        ),
        DateColumn("created_at", label="Submitted"),
        StatusTagColumn(
            "state_label",
            label="Status",
            primary=lambda review: review.is_published,
        ),
    ]
    list_filter = ["is_published", "rating", "consultant"]
    search_fields = ["comment", "display_name"]
    # What the client wrote stays as written: only the decision and the reply.
    panels = [
        FieldPanel("rating", read_only=True, heading="Rating"),
        FieldPanel("comment", read_only=True, heading="What the client wrote"),
        FieldPanel("display_name", read_only=True, heading="Signed as"),
        FieldPanel("is_published", widget=ShownOrHidden, heading="On the site"),
        FieldPanel("reply", heading="Public reply from the practice"),
    ]

    copy_view_enabled = False
    chooser_viewset_class = ReviewChooserViewSet

    def get_queryset(self, request):
        return Review.objects.select_related("consultant", "booking")


register_permission_policy(Review, review_policy)
register_snippet(ReviewViewSet)
