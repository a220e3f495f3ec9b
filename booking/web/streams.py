"""A signed-in client on the stream (issue 25): like, save, comment on and report
comments on posts and articles (forms that POST, no script needed), and their
saved list at /account/saved/. Not signed in: the sign-in page."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from wagtail.models import Page

from booking.accounts import signin
from booking.core import ratelimit
from booking.streams import pages, services
from booking.streams.services import StreamError
from booking.web.account import signed_in, too_many


def _back(request, page_id: int):
    """Where the form came from (`next`, on this site only), else the page."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    page = pages.engageable(page_id)
    return HttpResponseRedirect(page.url if page else "/")


def _signed_in_or_sign_in(request):
    account = signin.signed_in_account(request)
    if account is None:
        messages.info(request, "Sign in to like, save or comment.")
    return account


@never_cache
@require_POST
def react(request, page_id: int, kind: str):
    account = _signed_in_or_sign_in(request)
    if account is None:
        return redirect("booking:account_sign_in")
    try:
        services.toggle(account=account, page_id=page_id, kind=kind)
    except StreamError as exc:
        messages.error(request, str(exc))
        return redirect("/")
    return _back(request, page_id)


@never_cache
@require_POST
def comment(request, page_id: int):
    account = _signed_in_or_sign_in(request)
    if account is None:
        return redirect("booking:account_sign_in")
    if not ratelimit.allow(
        "stream_comment", ratelimit.client_ip(request), account.email
    ):
        return too_many(request, "stream_comment")
    try:
        made = services.comment(
            account=account, page_id=page_id, body=request.POST.get("body", "")
        )
    except StreamError as exc:
        messages.error(request, str(exc))
        return _back(request, page_id)
    if made.status == made.Status.PENDING:
        messages.success(
            request, "Thank you: your comment shows once an editor has approved it."
        )
    else:
        messages.success(request, "Your comment is on the page.")
    return _back(request, page_id)


@never_cache
@require_POST
def report(request, comment_id: int):
    account = _signed_in_or_sign_in(request)
    if account is None:
        return redirect("booking:account_sign_in")
    if not ratelimit.allow("stream_report", ratelimit.client_ip(request)):
        return too_many(request, "stream_report")
    try:
        reported = services.report(comment_id=comment_id)
    except StreamError as exc:
        messages.error(request, str(exc))
        return redirect("/")
    messages.success(request, "Thank you: an editor will look at that comment.")
    return _back(request, reported.page_id)


@never_cache
@signed_in
def saved(request, account):
    """The client's saved posts and articles, latest saved first."""
    ids = services.saved_page_ids(account)
    found = {
        page.pk: page
        for page in Page.objects.live().public().filter(pk__in=ids).specific()
    }
    return TemplateResponse(
        request,
        "booking/account/saved.html",
        {"account": account, "saved": [found[pk] for pk in ids if pk in found]},
    )
