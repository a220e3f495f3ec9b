"""The WebSocket test client (`channels.testing.WebsocketCommunicator`), in one
place for the messaging and live-update tests. Importing `channels.testing` needs
daphne (its live-server case), which is a test requirement only: production serves
with uvicorn."""

from channels.testing import WebsocketCommunicator

__all__ = ["WebsocketCommunicator"]
