"""Haven's booking domain: one Django app (label `booking`), one package per area.

    core/           consultants, services, bookings, tokens; states, errors, roles
    scheduling/     hours, time off, free slots, calendar files and feeds
    notifications/  the email outbox, what each email says, reminders
    payments/       Stripe and offline payments, refunds, earnings, payouts
    privacy/        consent, the access log, data requests, erasure, retention
    reviews/        clients' reviews
    courses/        the dated meetings of a course or workshop
    participants/   the people a client names when booking; their attendance
    waitlist/       clients waiting for a full slot; the seats offered to them
    intake/         the questions a service asks when booking; checking answers
    lifecycle/      every change to a booking: the booking services and their steps
    team/           inviting consultants to the admin, applications to join
    spreadsheets/   import-export resources, exports, imports, historical bookings
    admin/          the Wagtail admin's screens
    web/            the public booking journey
    api/            the JSON API
    demo/           demo bookings and hours
    signin/         two-factor sign-in for the admin (django-otp): codes, recovery
                    codes, the step after the password
    management/     manage.py commands (turn_off_two_factor, for a lost phone)
    tasks.py        django-q2 entry points
    models.py       imports every area's models, so that Django finds them

Dependencies point one way: the edges (admin, web, api, tasks) -> lifecycle -> the
areas -> core; `booking` never imports `cms`. tests/test_layout.py holds the code to
it (no import cycles, no other module's `_private` names). The README's "Layout"
section says more.
"""
