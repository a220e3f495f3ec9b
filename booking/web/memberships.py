"""Memberships on the public site (issue 22): the plans open to new members,
joining one (signed in, so the address is proven first: a guest signs in by the
emailed link), coming back from Stripe Checkout, and the client's memberships
with their sessions and a cancel button. The rules live in `booking.products`
(`memberships`, `billing`)."""

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from booking.accounts import signin
from booking.core.errors import BookingError
from booking.payments import provider
from booking.products import billing, credits, ledger, memberships
from booking.products.membership_models import Membership, MembershipPeriod
from booking.web.views import manage_link_view, problem_page

SIGN_IN_FIRST = (
    "Sign in with the link we email you first: your membership belongs to your "
    "email address."
)


def plans(request):
    """Every plan open to new members: price, period, sessions, services."""
    return TemplateResponse(
        request,
        "booking/products/memberships.html",
        {
            "plans": memberships.on_sale(),
            "signed_in": signin.signed_in_account(request),
            "pay_online": provider.stripe_enabled(),
        },
    )


@never_cache
@require_POST
def join(request, plan_id):
    """On to Stripe Checkout (subscription mode) for a signed-in client; a guest
    signs in first."""
    account = signin.signed_in_account(request)
    if account is None:
        messages.info(request, SIGN_IN_FIRST)
        return redirect("booking:account_sign_in")
    if not provider.stripe_enabled():
        messages.info(request, "Please contact the practice to become a member.")
        return redirect("booking:memberships")
    try:
        plan = memberships.joinable(plan_id)
        membership = memberships.start_checkout(plan=plan, account=account)
    except BookingError as error:
        return problem_page(request, error, status=409)
    return redirect(membership.checkout_url)


@never_cache
def joined(request, membership_id):
    """Stripe's success URL: started (and the first period granted) here if
    Stripe says so, else by the webhooks; only the member sees it."""
    account = signin.signed_in_account(request)
    membership = Membership.objects.filter(pk=membership_id).first()
    if account is None or membership is None:
        return redirect("booking:account_memberships")
    if membership.client_email != account.email:
        return redirect("booking:account_memberships")
    if provider.stripe_enabled():
        billing.confirm_from_redirect(membership, request.GET.get("session_id", ""))
        membership.refresh_from_db()
    return TemplateResponse(
        request, "booking/products/joined.html", {"membership": membership}
    )


@never_cache
def my_memberships(request):
    """The signed-in client's memberships: status, when it renews or ends, and
    each paid period's sessions left."""
    account = signin.signed_in_account(request)
    if account is None:
        return redirect("booking:account_sign_in")
    periods = MembershipPeriod.objects.select_related(
        "entitlement", "credit_grant"
    ).order_by("-starts_at")
    held = (
        memberships.memberships_of(account.email)
        .exclude(status=Membership.Status.ABANDONED)
        .select_related("plan")
        .prefetch_related(Prefetch("periods", queryset=periods))
    )
    rows = []
    for membership in held:
        if membership.plan.grants_credit:
            granted = {p.credit_grant_id for p in membership.periods.all()}
            entitlements = [
                g
                for g in credits.live(account.email, membership.plan.currency)
                if g.pk in granted
            ]
        else:
            entitlements = ledger.with_balances(
                ledger.live(account.email).filter(
                    membership_period__membership=membership
                )
            )
        rows.append(
            {
                "membership": membership,
                "live": entitlements,
                "left": sum(e.left for e in entitlements),
            }
        )
    return TemplateResponse(
        request,
        "booking/products/my_memberships.html",
        {"account": account, "rows": rows},
    )


@never_cache
@require_POST
@manage_link_view
def cancel_from_manage(request, token, booking):
    """A booking's manage page: "Cancel membership" of the membership that paid
    for it (the link proves the address), at the period's end."""
    membership = memberships.paid_for(booking)
    if membership is None:
        return redirect("booking:manage", token=token)
    try:
        done = memberships.cancel(membership=membership, email=booking.client_email)
    except BookingError as error:
        return problem_page(request, error, status=409)
    messages.success(
        request,
        f"Your membership “{done.plan}” is cancelled. It ends on "
        f"{done.current_period_end:%-d %B %Y}; what it granted stays until then.",
    )
    return redirect("booking:manage", token=token)


@never_cache
@require_POST
def cancel(request, membership_id):
    """The account page's "Cancel membership": ends at the period's end."""
    account = signin.signed_in_account(request)
    if account is None:
        return redirect("booking:account_sign_in")
    membership = memberships.memberships_of(account.email).filter(pk=membership_id)
    if not membership.exists():
        return redirect("booking:account_memberships")
    try:
        done = memberships.cancel(membership=membership.get(), email=account.email)
    except BookingError as error:
        return problem_page(request, error, status=409)
    messages.success(
        request,
        f"Your membership “{done.plan}” is cancelled. It ends on "
        f"{done.current_period_end:%-d %B %Y}; your sessions stay until then.",
    )
    return redirect("booking:account_memberships")
