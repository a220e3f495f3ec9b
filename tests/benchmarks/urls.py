"""Haven's URLs plus a bare Django view: the floor any page on the same server
is measured against (tests/benchmarks/bench_pages.py)."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as haven


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), *haven]
