"""The WebSockets (issue 24), served by config/asgi.py:

- `/ws/chat/<conversation>/`: the conversation's two parties only: new
  messages, typing, read receipts; the socket may send `typing` and `read`.
- `/ws/notifications/`: the signed-in person's "new message" notices.
- `/ws/booking-updates/`: a booking changed state, for every booking the
  person may see (the admin's `visible_bookings` rules: all of them, or a
  consultant's own), a signed-in client's own, and the bookings whose status
  or manage page this browser opened.

Who is asking comes from the browser's session: a staff login (that has passed
two-factor sign-in where it must) or a client's account, as the pages decide;
or, for a separate frontend, from the client's API access token offered as a
subprotocol (booking/web/socket_auth.py), and then from nothing else. A socket
whose token is refused is closed with 4401; one that may see nothing, 4403.
Messages are sent over HTTP (the form); the socket only carries events. Group
names: booking.messaging.live."""

from dataclasses import dataclass, field

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from booking.accounts.models import ClientAccount
from booking.accounts.signin import ACCOUNT, EPOCH
from booking.admin.permissions import own_consultant, sees_everyone
from booking.core.models import Booking
from booking.messaging import live, services
from booking.messaging.models import Conversation, Side
from booking.signin import devices
from booking.web import socket_auth
from booking.web.watching import GRANTED, WATCHED

REFUSED = 4403


@dataclass
class Visitor:
    """Who a socket belongs to, read once when it opens."""

    user: object = None
    client_email: str = ""
    granted: list = field(default_factory=list)
    watched: list = field(default_factory=list)
    # Signed in by an access token: when it expires; why it was refused.
    expires: float | None = None
    refused: str = ""


def staff_user(user, session):
    """The login, if signed in and past its second factor where it needs one."""
    if user is None or not (user.is_authenticated and user.is_active):
        return None
    persistent = session.get(DEVICE_ID_SESSION_KEY)
    device = Device.from_persistent_id(persistent) if persistent else None
    verified = device is not None and device.user_id == user.pk and device.confirmed
    if not verified and (devices.has_second_factor(user) or devices.required_for(user)):
        return None
    return user


@database_sync_to_async
def visitor_of(scope) -> Visitor:
    raw = socket_auth.offered_token(scope)
    if raw is not None:  # the token's client, whatever the cookies say
        found = socket_auth.sign_in(raw)
        return Visitor(
            client_email=found.email, expires=found.expires, refused=found.problem
        )
    session = scope.get("session") or {}
    account = None
    if session.get(ACCOUNT) is not None:
        account = ClientAccount.objects.filter(
            pk=session.get(ACCOUNT), session_epoch=session.get(EPOCH)
        ).first()
    return Visitor(
        user=staff_user(scope.get("user"), session),
        client_email=account.email if account else "",
        granted=list(session.get(GRANTED, [])),
        watched=list(session.get(WATCHED, [])),
    )


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """Joins the groups `groups_for` allows, then relays their events."""

    async def connect(self):
        self.ended = False
        self.visitor = await visitor_of(self.scope)
        # A socket that offered a token is answered with the subprotocol, or
        # the browser drops it.
        offered = socket_auth.offered_token(self.scope) is not None
        self.subprotocol = socket_auth.BEARER if offered else None
        if self.visitor.refused:
            await self.refuse(socket_auth.UNAUTHENTICATED, self.visitor.refused)
            return
        self.groups = await self.groups_for(self.visitor)
        if not self.groups:
            await self.refuse(REFUSED)
            return
        for group in self.groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept(self.subprotocol)

    async def refuse(self, code: int, reason: str = ""):
        # Accepted, then closed with a code of our own: a refusal before
        # accepting reaches the browser as a network error it would retry.
        self.groups = []
        await self.accept(self.subprotocol)
        await self.close(code=code, reason=reason or None)

    async def signed_in(self) -> bool:
        """False, closing the socket with 4401 the first time, once the token
        it was opened with has expired."""
        if not self.ended and socket_auth.expired(self.visitor.expires):
            self.ended = True
            await self.close(
                code=socket_auth.UNAUTHENTICATED, reason=socket_auth.EXPIRED
            )
        return not self.ended

    async def send_json(self, content, close=False):
        """Every event goes out here: none after the token expired."""
        if await self.signed_in():
            await super().send_json(content, close)

    async def groups_for(self, visitor: Visitor) -> list[str]:
        raise NotImplementedError


class ChatConsumer(LiveConsumer):
    async def groups_for(self, visitor):
        pk = self.scope["url_route"]["kwargs"]["conversation_id"]
        self.conversation_id = pk
        self.side = await database_sync_to_async(side_in)(pk, visitor)
        return [live.chat_group(pk)] if self.side else []

    async def receive_json(self, content, **kwargs):
        if not await self.signed_in():
            return
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "typing":
            await self.channel_layer.group_send(
                live.chat_group(self.conversation_id),
                {"type": "chat.typing", "sender": self.side},
            )
        elif kind == "read":
            await database_sync_to_async(mark_read)(self.conversation_id, self.side)

    async def chat_message(self, event):
        await self.send_json({**event, "type": "message"})

    async def chat_typing(self, event):
        if event["sender"] != self.side:
            await self.send_json({"type": "typing", "sender": event["sender"]})

    async def chat_read(self, event):
        await self.send_json({"type": "read", "reader": event["reader"]})


def side_in(pk: int, visitor: Visitor) -> str | None:
    """The visitor's side in conversation `pk`, or None (a reader with the
    admin's permission reads the page, logged, never a live socket)."""
    conversation = Conversation.objects.select_related("consultant").filter(pk=pk)
    conversation = conversation.first()
    if conversation is None:
        return None
    if visitor.user is not None and services.staff_side(conversation, visitor.user):
        return Side.CONSULTANT
    if services.client_may_open(
        conversation, email=visitor.client_email, granted=visitor.granted
    ):
        return Side.CLIENT
    return None


def mark_read(pk: int, side: str) -> None:
    services.mark_read(conversation=Conversation.objects.get(pk=pk), reader=side)


class NotificationsConsumer(LiveConsumer):
    async def groups_for(self, visitor):
        groups = []
        if visitor.user is not None:
            groups.append(live.user_group(visitor.user.pk))
        if visitor.client_email:
            groups.append(live.client_group(visitor.client_email))
        return groups

    async def notify_message(self, event):
        await self.send_json(
            {
                "type": "message",
                "conversation": event["conversation"],
                "text": "You have a new message.",
            }
        )


class BookingUpdatesConsumer(LiveConsumer):
    async def groups_for(self, visitor):
        return await database_sync_to_async(booking_groups_for)(visitor)

    async def booking_changed(self, event):
        await self.send_json({**event, "type": "booking"})


def booking_groups_for(visitor: Visitor) -> list[str]:
    groups = []
    if visitor.user is not None:
        if sees_everyone(visitor.user):
            groups.append(live.ALL_BOOKINGS)
        elif (consultant := own_consultant(visitor.user)) is not None:
            groups.append(live.consultant_bookings_group(consultant.pk))
    if visitor.client_email:
        groups.append(live.client_bookings_group(visitor.client_email))
    watched = Booking.objects.filter(pk__in=visitor.watched[-20:])
    groups += [live.booking_group(pk) for pk in watched.values_list("pk", flat=True)]
    return groups
