"""Two-factor sign-in for the admin (django-otp): an authenticator app's 6-digit
codes (TOTP) and ten single-use recovery codes.

    devices     who must use it, enrolment, checking a code, recovery codes
    middleware  holds a signed-in user at the second step until they pass it
    views       the admin's pages: the second step, enrolment, recovery codes,
                the "Two-factor sign-in" page of the account

The password step stays Wagtail's (config/admin_login.py); this area only adds
what comes after it. Bearer-token API calls are not sessions and are not asked
for a code (README "Two-factor sign-in")."""
