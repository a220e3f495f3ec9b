"""Money (DESIGN §5): Stripe Checkout and offline payments, refunds, consultants'
earnings and payouts.

- `provider`: Stripe as Haven talks to it (configured or offline mode).
- `checkout`: starting to pay; payments recorded with and without Checkout.
- `refunds`: refunds by the cancellation policy, run and retried as jobs.
- `earnings`: commission, earnings and payouts.
- `connect`: consultants' Stripe Connect accounts and their onboarding.
- `payouts`: the weekly payout run, and payouts made by hand.
- `statement`: a consultant's earnings statement, per currency.
- `events`: what Stripe's events do to a booking (above the lifecycle: it calls
  its transitions; everything else here sits below it).
"""


# Job paths from before the payments area had modules: schedules made by migration
# 0008 and tasks queued by an older release name these. New jobs use the modules.
def retry_refunds() -> int:
    from booking.payments.refunds import retry_refunds as run

    return run()


def run_refund(refund_id: int) -> str:
    from booking.payments.refunds import run_refund as run

    return run(refund_id)


def expire_checkout(payment_id: int) -> str:
    from booking.payments.checkout import expire_checkout as run

    return run(payment_id)
