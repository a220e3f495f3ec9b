from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "Content"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from booking.core import practice
        from booking.privacy import consent
        from cms import signals  # noqa: F401  (connects its receivers)
        from cms.models import practice_policy, privacy_policy_revision

        # booking never imports cms: it asks these for the privacy policy clients
        # accept and for the practice's cancelling, refund and payment rules.
        consent.set_policy_source(privacy_policy_revision)
        practice.set_policy_source(practice_policy)
