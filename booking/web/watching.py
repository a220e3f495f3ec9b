"""What this browser's session lets its sockets hear (booking/web/sockets.py):
the conversations it opened through an emailed link, and the bookings whose
status or manage page it opened."""

GRANTED = "messaging_conversations"
WATCHED = "live_bookings"
# A session remembers at most this many of each (the newest).
REMEMBERED = 20


def remember(request, key: str, pk: int) -> None:
    kept = [p for p in request.session.get(key, []) if p != pk]
    request.session[key] = [*kept, pk][-REMEMBERED:]


def watch_booking(request, booking) -> None:
    """This browser may hear live of `booking`'s state changes."""
    remember(request, WATCHED, booking.pk)
