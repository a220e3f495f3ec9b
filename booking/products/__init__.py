"""Packages of prepaid sessions (issue 22): what the practice sells, what a client
bought (their entitlement) and the ledger of sessions that moves it.

- `models`: `Package`, `Purchase`, `Entitlement`, `CreditLine`, `ClientLock`.
- `ledger`: balances (sums of lines, never a stored number), the per-client lock,
  granting, using, returning and expiring sessions.
- `allowance`: whether a new active booking holds the client's one place or is
  one their unused package sessions allow.
- `purchases`: buying a package by Stripe Checkout or offline.
- `emails`: the receipt, "sessions left", expiry warning and expired emails.
- `reports`: liabilities (sessions sold and unused) by expiry month and currency.
"""
