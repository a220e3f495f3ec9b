import pytest
from django.db import transaction


@pytest.fixture(autouse=True)
def after_commit_at_once(monkeypatch, request):
    """Each test runs inside one transaction that never commits; what a change
    does after commit (emails, offering a freed seat) runs at once instead."""
    if request.node.get_closest_marker("django_db") and any(
        m.kwargs.get("transaction") for m in request.node.iter_markers("django_db")
    ):
        return

    def at_once(func, using=None, robust=False):
        func()

    monkeypatch.setattr(transaction, "on_commit", at_once)
