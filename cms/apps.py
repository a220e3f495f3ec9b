from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "Content"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wagtail.models import Page
        from wagtail.permissions import register_permission_policy

        from booking.core import practice, profiles
        from booking.privacy import consent
        from cms import signals  # noqa: F401  (connects its receivers)
        from cms.models import (
            consultant_profile_page,
            practice_policy,
            privacy_policy_revision,
        )
        from cms.permissions import ConsultantPagesPolicy
        from cms.profiles import draft_profile_page

        # booking never imports cms: it asks these for the privacy policy clients
        # accept and for the practice's cancelling, refund and payment rules.
        consent.set_policy_source(privacy_policy_revision)
        practice.set_policy_source(practice_policy)
        # ... and, for the admin's "My practice", for a consultant's profile page.
        profiles.set_profile_finder(consultant_profile_page)
        # Inviting a consultant may make their draft profile page (booking.team).
        profiles.set_profile_page_maker(draft_profile_page)
        # The stream's posts and articles, for likes, saves and comments.
        from booking.streams.pages import set_page_source
        from cms.streams import PAGE_SOURCE

        set_page_source(PAGE_SOURCE)
        # Before anything asks Wagtail for the page policy (Wagtail's advice).
        register_permission_policy(Page, ConsultantPagesPolicy())
