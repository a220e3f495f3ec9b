from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from cms import views as cms_views
from cms.api import api_router
from config.admin_login import ThrottledLoginView
from config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/login/", ThrottledLoginView.as_view()),
    # One sign-in form, throttled: Django's admin signs in through Wagtail's.
    path(
        "django-admin/login/",
        RedirectView.as_view(url="/admin/login/", query_string=True),
    ),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("sitemap.xml", sitemap),
    path("search/", cms_views.search, name="search"),
    path("api/", include("booking.api.urls")),
    path("api/v2/", api_router.urls),
    path("", include("booking.web.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's page serving catches everything else, so it comes last.
urlpatterns += [path("", include(wagtail_urls))]

# Under /api/ errors are the API's JSON body, also when no API view answers.
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
