"""Packages on the public site (issue 22): the list, buying one (signed in, so
the address is proven first: a guest signs in by the emailed link), coming back
from Stripe Checkout, the client's packages, and paying a booking with a
package session from its manage page. The rules live in `booking.products`."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from booking.accounts import signin
from booking.core.errors import BookingError
from booking.lifecycle import credit_paying, paying
from booking.payments import provider
from booking.products import credits, ledger, purchases, refunding
from booking.products.models import Purchase
from booking.products.selectors import on_sale
from booking.web.views import manage_link_view, problem_page


def packages(request):
    """Every package on sale, with what it covers and its price per session."""
    return TemplateResponse(
        request,
        "booking/products/packages.html",
        {
            "packages": on_sale(),
            "signed_in": signin.signed_in_account(request),
            "pay_online": provider.stripe_enabled(),
        },
    )


@never_cache
@require_POST
def buy(request, package_id):
    """On to Stripe Checkout for a signed-in client; a guest signs in first."""
    account = signin.signed_in_account(request)
    if account is None:
        messages.info(
            request,
            "Sign in with the link we email you first: your packages belong to "
            "your email address.",
        )
        return redirect("booking:account_sign_in")
    if not provider.stripe_enabled():
        messages.info(request, "Please contact the practice to buy a package.")
        return redirect("booking:packages")
    try:
        package = purchases.buyable(package_id)
        purchase = purchases.start_checkout(package=package, email=account.email)
    except BookingError as error:
        return problem_page(request, error, status=409)
    return redirect(purchase.checkout_url)


@never_cache
def bought(request, purchase_id):
    """Stripe's success URL: granted here if Stripe says paid (else the webhook
    does it); only the buyer sees their package."""
    account = signin.signed_in_account(request)
    purchase = Purchase.objects.filter(pk=purchase_id).first()
    if account is None or purchase is None or purchase.client_email != account.email:
        return redirect("booking:account_packages")
    if provider.stripe_enabled():
        purchases.confirm_from_redirect(purchase, request.GET.get("session_id", ""))
        purchase.refresh_from_db()
    return TemplateResponse(
        request, "booking/products/bought.html", {"purchase": purchase}
    )


@never_cache
def my_packages(request):
    """The signed-in client's packages: sessions left, expiry, every line."""
    account = signin.signed_in_account(request)
    if account is None:
        return redirect("booking:account_sign_in")
    held = ledger.with_balances(
        ledger.entitlements_of(account.email)
        .select_related("package", "service")
        .prefetch_related("lines__booking", "refunds")
    )
    grants = credits.grants_of(account.email).prefetch_related("lines__booking")
    return TemplateResponse(
        request,
        "booking/products/my_packages.html",
        {
            "account": account,
            "entitlements": held,
            "credit_balances": credits.balances(account.email),
            "grants": grants,
            "client_refunds": refunding.client_may_refund(),
            "now": timezone.now(),
        },
    )


@never_cache
@require_POST
def refund_unused(request, entitlement_id):
    """A client refunds their package's unused sessions (when the practice's
    setting allows); only their own."""
    account = signin.signed_in_account(request)
    if account is None:
        return redirect("booking:account_sign_in")
    entitlement = ledger.entitlements_of(account.email).filter(pk=entitlement_id)
    if not entitlement.exists():
        return redirect("booking:account_packages")
    try:
        refund = refunding.refund_unused(
            entitlement=entitlement.get(), reason="", by_client=True
        )
    except BookingError as error:
        return problem_page(request, error, status=409)
    messages.success(
        request,
        f"{refund.sessions} unused session(s) refunded: {refund.amount} "
        f"{refund.currency} goes back to how you paid.",
    )
    return redirect("booking:account_packages")


@never_cache
@require_POST
@manage_link_view
def pay_with_credit(request, token, booking):
    """The manage page's "Use my credit": all of it, or part with the rest by
    card (on to Stripe Checkout)."""
    account = signin.signed_in_account(request)
    if account is not None and account.email != booking.client_email.strip().lower():
        account = None  # another person's account names no Stripe Customer here
    try:
        card = credit_paying.pay_with_credit(
            booking=booking, manage_token=token, account=account
        )
    except BookingError as error:
        return problem_page(request, error, status=409)
    if card is not None:
        return redirect(card.checkout_url)
    messages.success(
        request, f"Paid with your credit: booking {booking.reference} is confirmed."
    )
    return redirect("booking:manage", token=token)


@never_cache
@require_POST
@manage_link_view
def pay_with_package(request, token, booking):
    """The manage page's "Use a package session"."""
    try:
        paying.pay_with_package(booking=booking)
    except BookingError as error:
        return problem_page(request, error, status=409)
    left = ledger.sessions_left(booking.client_email, service=booking.service)
    messages.success(
        request,
        f"Paid with a package session: booking {booking.reference} is confirmed. "
        f"You have {left} session(s) left.",
    )
    return redirect("booking:manage", token=token)
