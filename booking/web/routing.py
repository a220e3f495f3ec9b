"""The WebSocket routes (booking/web/sockets.py), mounted by config/asgi.py."""

from django.urls import path

from booking.web import sockets

websocket_urlpatterns = [
    path("ws/chat/<int:conversation_id>/", sockets.ChatConsumer.as_asgi()),
    path("ws/notifications/", sockets.NotificationsConsumer.as_asgi()),
    path("ws/booking-updates/", sockets.BookingUpdatesConsumer.as_asgi()),
]
