"""Absolute links a client follows from an email: to the separate frontend when
FRONTEND_URL is set (it serves the same paths and drives the JSON API), else to
Haven's own pages. Links for the practice (the admin) always point at Haven."""

from django.conf import settings


def client_link(path: str) -> str:
    return f"{settings.FRONTEND_URL}{path}"


def verify_link(token: str) -> str:
    return client_link(f"/book/verify/{token}/")


def manage_link(token: str) -> str:
    return client_link(f"/book/manage/{token}/")
