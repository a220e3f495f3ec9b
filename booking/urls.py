"""Public booking URLs (pages, feeds, webhooks), included before Wagtail's pages."""

app_name = "booking"

urlpatterns = []
