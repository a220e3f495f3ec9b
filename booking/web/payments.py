"""Paying through the manage link, coming back from Stripe Checkout, and Stripe's
webhook (DESIGN §5). The rules live in `booking.payments.events` and
`booking.lifecycle`."""

import logging

import stripe
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from booking.accounts import signin
from booking.core.errors import BookingError
from booking.core.states import BookingStatus
from booking.payments import events, provider
from booking.web.views import manage_link_view, problem_page

logger = logging.getLogger(__name__)


@never_cache
@require_POST
@manage_link_view
def pay(request, token, booking):
    """The manage page's "Pay" button: on to Stripe Checkout. In offline mode the
    manage page shows the practice's instructions instead."""
    if not provider.stripe_enabled():
        messages.info(request, "Please pay as the instructions below describe.")
        return redirect("booking:manage", token=token)
    # A signed-in client paying for their own booking pays as their one Stripe
    # Customer (issue 21), so Stripe offers the card they saved.
    account = signin.signed_in_account(request)
    if account is not None and account.email != booking.client_email.strip().lower():
        account = None
    try:
        url = events.checkout_url(booking=booking, token=token, account=account)
    except BookingError as error:
        return problem_page(request, error, status=409)
    return redirect(url)


@never_cache
@manage_link_view
def pay_return(request, token, booking):
    """Stripe's success URL. It confirms the booking itself when Stripe says the
    session is paid, so the client need not wait for the webhook; until one of
    the two has, the page says the payment is being confirmed and refreshes."""
    session_id = request.GET.get("session_id", "")
    if session_id and provider.stripe_enabled():
        events.confirm_from_redirect(booking, session_id)
        booking.refresh_from_db()
    return TemplateResponse(
        request,
        "booking/pay_return.html",
        {
            "booking": booking,
            "token": token,
            "confirmed": booking.status
            in (BookingStatus.CONFIRMED, BookingStatus.COMPLETED),
            "confirming": booking.status == BookingStatus.PAYMENT_PENDING,
        },
    )


@never_cache
def pay_cancel(request, token):
    """Stripe's cancel URL: back to the manage page, where "Pay" reopens the same
    Checkout Session while it lasts."""
    messages.info(request, "Your payment was not completed. You can try again.")
    return redirect("booking:manage", token=token)


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe's events, signature-checked on the raw body; an event id seen before
    is answered 200 and changes nothing."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        logger.error("A Stripe webhook arrived but STRIPE_WEBHOOK_SECRET is unset.")
        return HttpResponseBadRequest("Webhook not configured.")
    event = _verified_event(request)
    if event is None:
        return HttpResponseBadRequest("Invalid payload or signature.")
    handled = events.handle_event(event)
    return HttpResponse("ok" if handled else "already processed")


def _verified_event(request):
    """The event, if signed with the platform endpoint's secret or (events of
    consultants' connected accounts, such as `account.updated`) the Connect
    endpoint's; else None."""
    secrets = [settings.STRIPE_WEBHOOK_SECRET, settings.STRIPE_CONNECT_WEBHOOK_SECRET]
    for secret in filter(None, secrets):
        try:
            return stripe.Webhook.construct_event(
                request.body, request.headers.get("Stripe-Signature", ""), secret
            )
        except stripe.SignatureVerificationError:
            continue
        except ValueError:
            return None
    return None
