"""The eight stateful BFCL multi-turn backends, written from their function docs.

``CLASSES`` maps the class names used in entries' ``involved_classes`` / ``initial_config`` to
our implementations; :class:`toolenv.suites.bfcl.backends.executor.Executor` runs call strings on
them (parsed with ``ast``, dispatched by name; nothing is evaluated).
"""

from toolenv.suites.bfcl.backends.base import Backend
from toolenv.suites.bfcl.backends.file_system import GorillaFileSystem
from toolenv.suites.bfcl.backends.math_api import MathAPI
from toolenv.suites.bfcl.backends.message_api import MessageAPI
from toolenv.suites.bfcl.backends.posting_api import TwitterAPI
from toolenv.suites.bfcl.backends.ticket_api import TicketAPI
from toolenv.suites.bfcl.backends.trading_bot import TradingBot
from toolenv.suites.bfcl.backends.travel_booking import TravelAPI
from toolenv.suites.bfcl.backends.vehicle_control import VehicleControlAPI

CLASSES: dict[str, type[Backend]] = {
    "GorillaFileSystem": GorillaFileSystem,
    "MathAPI": MathAPI,
    "MessageAPI": MessageAPI,
    "TwitterAPI": TwitterAPI,
    "TicketAPI": TicketAPI,
    "TradingBot": TradingBot,
    "TravelAPI": TravelAPI,
    "VehicleControlAPI": VehicleControlAPI,
}
#: which function-doc file documents which class
DOC_FILES = {
    "GorillaFileSystem": "gorilla_file_system.json",
    "MathAPI": "math_api.json",
    "MessageAPI": "message_api.json",
    "TwitterAPI": "posting_api.json",
    "TicketAPI": "ticket_api.json",
    "TradingBot": "trading_bot.json",
    "TravelAPI": "travel_booking.json",
    "VehicleControlAPI": "vehicle_control.json",
}
STATELESS = frozenset({"MathAPI"})

__all__ = ["Backend", "CLASSES", "DOC_FILES", "STATELESS"] + list(CLASSES)
