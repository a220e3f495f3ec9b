"""What the practice owes in sessions: the unused sessions of every entitlement,
by the month they expire and the currency they were sold in. Each row's value is
sessions × the package's share (price / sessions). The rows add up to the sum of
the ledgers' lines."""

from collections import defaultdict
from decimal import Decimal

from booking.products import ledger
from booking.products.models import Entitlement


def liabilities() -> list[dict]:
    totals = defaultdict(lambda: {"sessions": 0, "value": Decimal("0.00")})
    entitlements = Entitlement.objects.select_related("package")
    for entitlement in ledger.with_balances(entitlements):
        if not entitlement.left:
            continue
        month = entitlement.expires_at.strftime("%Y-%m")
        row = totals[(month, entitlement.package.currency)]
        row["sessions"] += entitlement.left
        row["value"] += entitlement.left * entitlement.session_share
    return [
        {"expiry_month": month, "currency": currency, **row}
        for (month, currency), row in sorted(totals.items())
    ]
