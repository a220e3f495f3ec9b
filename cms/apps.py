from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "Content"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from booking.privacy import consent
        from cms import signals  # noqa: F401  (connects its receivers)
        from cms.models import privacy_policy_revision

        # booking never imports cms: it asks this for the policy clients accept.
        consent.set_policy_source(privacy_policy_revision)
