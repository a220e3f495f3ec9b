"""Client accounts (issue 21): a client signs in with a one-time link emailed to
them, and sees every booking made with that address in one place.

    models    ClientAccount (one per address, made when a link is first used)
              and SignInLink (hashed, single-use, short-lived)
    services  asking for a link, signing in with it, the account's details,
              signing out everywhere, deleting the account
    signin    the browser session of a signed-in client
    selectors a client's sessions and receipts, in a constant number of queries

An account is optional: guest booking stays, and a signed-in client's bookings
are simply those made with the proven address."""
