"""The ASGI application: Django's HTTP views, and the WebSockets of
booking/web/routing.py behind the session's sign-in and an Origin check
(ALLOWED_HOSTS), or behind a client's API access token (no Origin check: such
a socket never reads the session; booking/web/socket_auth.py). Production
serves both with one server (Procfile: gunicorn with uvicorn's worker)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Django is set up before anything that imports models.
http = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from booking.web.routing import websocket_urlpatterns  # noqa: E402
from booking.web.socket_auth import OriginOrToken  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": http,
        "websocket": OriginOrToken(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
