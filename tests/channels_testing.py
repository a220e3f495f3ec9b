"""`channels.testing.WebsocketCommunicator` without daphne. The package's
`__init__` also imports its live-server test case, which needs daphne; Haven
serves with uvicorn and does not install it. Only the communicator is used, so
an empty stand-in lets the import through when daphne is absent."""

import importlib.util
import sys
import types

if importlib.util.find_spec("daphne") is None:
    stand_in = types.ModuleType("daphne.testing")
    stand_in.DaphneProcess = None
    sys.modules.setdefault("daphne", types.ModuleType("daphne"))
    sys.modules.setdefault("daphne.testing", stand_in)

from channels.testing import WebsocketCommunicator  # noqa: E402

__all__ = ["WebsocketCommunicator"]
