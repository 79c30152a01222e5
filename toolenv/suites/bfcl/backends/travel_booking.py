"""TravelAPI: flights, cards, insurance (from ``multi_turn_func_doc/travel_booking.json``).

Behaves as the official backend (``bfcl_eval`` 2026.3.23), quirks included:

* ids come from a private generator seeded with ``random_seed`` (default 141053), drawn in call
  order: access token (6 digits), card id (12) then its balance (10000-99999), booking id (7) then
  transaction id (8), insurance id (9); the ground truth refers to them (first booking ``3426812``);
* fares are per *directed* route (``FARES``), x2 business, x5 first, x2 again when the digits of the
  travel date sum to an even number; in long-context mode ``get_flight_cost`` lists the fares of
  every route;
* the token checks compare ``token_expires_in`` with 0 and the given token with the stored one
  (``None`` matches ``None`` before any login);
* ``register_credit_card`` looks the card *number* up among the card *ids*; insurance is not
  recorded (``retrieve_invoice`` ignores ``insurance_id``) and ``purchase_insurance`` takes
  ``booking_id`` before ``insurance_cost``, as the official signature;
* long-context mode adds the official extension cards and bookings as shared objects (a balance
  change made through one instance is seen by every later one, as with the official constants).
"""

from __future__ import annotations

import copy
import random
from datetime import datetime
from typing import Any, Optional

from toolenv.suites.bfcl.backends.base import Backend, shared_long_context_data

DEFAULT_SEED = 141053
#: directed routes and their economy fares, in the official order (it is the long-context list's)
_FARE_TABLE = """
SFO: LAX 200 JFK 500 ORD 400 BOS 450 RMS 300 SBK 350 MPC 370 SVP 320 SHD 330 SSV 340 OKD 360 WLB 310 CRH 380 ATV 390 PHV 420 GFD 430 CIA 700
LAX: SFO 100 JFK 600 ORD 500 BOS 550 RMS 310 SBK 320 MPC 330 SVP 340 SHD 350 SSV 360 OKD 370 WLB 380 CRH 390 ATV 400 PHV 410 GFD 420 HND 430
JFK: ORD 300 BOS 250 RMS 450 SBK 460 MPC 470 SVP 480 SHD 490 SSV 500 OKD 510 WLB 520 CRH 530 ATV 540 PHV 550 GFD 560 LAX 570 HND 800 PVG 950 PEK 1000
ORD: LAX 180 BOS 200 RMS 350 SBK 360 MPC 370 SVP 380 SHD 390 SSV 400 OKD 410 WLB 420 CRH 430 ATV 440 PHV 450 GFD 460
BOS: RMS 400 SBK 410 MPC 420 SVP 430 SHD 440 SSV 450 OKD 460 WLB 470 CRH 480 ATV 490 PHV 500 GFD 510
RMS: BOS 200 JFK 210 SBK 220 MPC 230 SVP 240 SHD 250 SSV 260 OKD 270 WLB 280 CRH 290 ATV 300 PHV 310 GFD 320 LAX 330
SBK: MPC 200 SVP 210 SHD 220 SSV 230 OKD 240 WLB 250 CRH 260 ATV 270 PHV 280 GFD 290
MPC: SVP 210 SHD 220 SSV 230 OKD 240 WLB 250 CRH 260 ATV 270 PHV 280 GFD 290
SVP: SHD 230 SSV 240 OKD 250 WLB 260 CRH 270 ATV 280 PHV 290 GFD 300
SHD: SSV 220 OKD 230 WLB 240 CRH 250 ATV 260 PHV 270 GFD 280
SSV: OKD 240 WLB 250 CRH 260 ATV 270 PHV 280 GFD 290
OKD: WLB 230 CRH 240 ATV 250 PHV 260 GFD 270
WLB: CRH 250 ATV 260 PHV 270 GFD 280
CRH: ATV 240 PHV 250 GFD 260 SFO 270 RMS 280 HKG 290 JFK 300
ATV: PHV 230 GFD 240
PHV: GFD 220
LHR: CDG 100
OKD: LAX 220
"""


def _parse_fares(table: str) -> dict[tuple[str, str], int]:
    fares: dict[tuple[str, str], int] = {}
    for line in table.strip().splitlines():
        origin, rest = line.split(":")
        words = rest.split()
        for dest, fare in zip(words[::2], words[1::2]):
            fares[(origin, dest)] = int(fare)
    return fares


FARES = _parse_fares(_FARE_TABLE)
CLASS_FACTOR = {"economy": 1, "business": 2, "first": 5}
#: book_flight's error shows the set of classes; a set's order depends on the string hashes of the
#: process and, where they collide, on insertion order: officially a set literal whose elements
#: the installed ``bfcl_eval`` bytecode holds in this order
TRAVEL_CLASS_SET_ORDER = ("first", "economy", "business")
#: what list_all_airports returns, in its order
AIRPORT_CODES = ["RMS", "SBK", "MPC", "SVP", "SHD", "CDG", "LHR", "SSV", "OKD", "WLB", "PEK", "HND", "HKG",
                 "CIA", "CRH", "ATV", "PHV", "GFD", "SFO", "LAX", "JFK", "ORD", "BOS"]
CITY_AIRPORT = {
    "Rivermist": "RMS", "Stonebrook": "SBK", "Maplecrest": "MPC", "Silverpine": "SVP", "Shadowridge": "SHD",
    "London": "LHR", "Paris": "CDG", "Sunset Valley": "SSV", "Oakendale": "OKD", "Willowbend": "WLB",
    "Crescent Hollow": "CRH", "Autumnville": "ATV", "Pinehaven": "PHV", "Greenfield": "GFD",
    "San Francisco": "SFO", "Los Angeles": "LAX", "New York": "JFK", "Chicago": "ORD", "Boston": "BOS",
    "Beijing": "PEK", "Hong Kong": "HKG", "Rome": "CIA", "Tokyo": "HND",
}
#: units of the second currency per unit of the first (int or float as officially: it shows in
#: Python's error messages); converting the other way divides and rounds to 2 decimals
EXCHANGE_RATES: list[tuple[str, str, int | float]] = [
    ("USD", "RMB", 7), ("USD", "EUR", 0.8), ("USD", "JPY", 110), ("USD", "GBP", 0.7), ("USD", "CAD", 1.3),
    ("USD", "AUD", 1.4), ("USD", "INR", 70), ("USD", "RUB", 60), ("USD", "BRL", 3.8), ("USD", "MXN", 20),
]


class TravelAPI(Backend):
    DEFAULT_STATE: dict[str, Any] = {
        "credit_card_list": {},
        "booking_record": {},
        "access_token": None,
        "token_type": None,
        "token_expires_in": None,
        "token_scope": None,
        "user_first_name": None,
        "user_last_name": None,
        "budget_limit": None,
    }

    def __init__(self) -> None:
        self._flight_cost_lookup: dict[str, dict[str, float]] = {}
        self._load_scenario({})

    def _load_scenario(self, scenario: dict[str, Any], long_context: bool = False) -> None:
        self._random = random.Random(scenario.get("random_seed", DEFAULT_SEED))
        for k, v in self.DEFAULT_STATE.items():
            setattr(self, k, copy.deepcopy(scenario[k] if k in scenario else v))
        self.long_context = long_context
        if long_context:  # the extension never overrides the scenario's own entries
            for name, table in (("CREDIT_CARD_EXTENSION", self.credit_card_list),
                                ("BOOKING_RECORD_EXTENSION", self.booking_record)):
                for key, entry in shared_long_context_data(name).items():
                    if key not in table:
                        table[key] = entry

    def _token_error(self, access_token: Any) -> str | None:
        if self.token_expires_in == 0:
            return "Token expired"
        if access_token != self.access_token:
            return "Invalid access token"
        return None

    # ------------------------------------------------------------------ auth
    def authenticate_travel(self, client_id: str, client_secret: str, refresh_token: str, grant_type: str, user_first_name: str, user_last_name: str) -> dict[str, Any]:
        self.token_expires_in = 2
        self.access_token = str(self._random.randint(100000, 999999))
        self.token_type = "Bearer"
        self.token_scope = grant_type
        self.user_first_name = user_first_name
        self.user_last_name = user_last_name
        return {"expires_in": 2, "access_token": self.access_token, "token_type": "Bearer", "scope": grant_type}

    def travel_get_login_status(self) -> dict[str, bool]:
        logged_out = self.token_expires_in is None or self.token_expires_in == 0
        return {"status": not logged_out}

    def get_budget_fiscal_year(self, lastModifiedAfter: Optional[str] = None, includeRemoved: Optional[str] = None) -> dict[str, str]:
        return {"budget_fiscal_year": "2018"}

    # ------------------------------------------------------------------ cards
    def register_credit_card(self, access_token: str, card_number: str, expiration_date: str, cardholder_name: str, card_verification_number: int) -> dict[str, Any]:
        if self.token_expires_in is None:
            return {"error": "Token not initialized"}
        error = self._token_error(access_token)
        if error:
            return {"error": error}
        if card_number in self.credit_card_list:  # officially the number is looked up among the ids
            return {"error": "Card already registered"}
        card_id = str(self._random.randint(100000000000, 999999999999))
        self.credit_card_list[card_id] = {
            "card_number": card_number,
            "expiration_date": expiration_date,
            "cardholder_name": cardholder_name,
            "card_verification_number": card_verification_number,
            "balance": self._random.randint(10000, 99999),
        }
        return {"card_id": card_id}

    def get_all_credit_cards(self) -> dict[str, Any]:
        return {"credit_card_list": self.credit_card_list}

    def get_credit_card_balance(self, access_token: str, card_id: str) -> dict[str, Any]:
        error = self._token_error(access_token)
        if error:
            return {"error": error}
        if card_id not in self.credit_card_list:
            return {"error": f"Card not registered. Here are a list of card_id's: {list(self.credit_card_list)}"}
        return {"card_balance": self.credit_card_list[card_id]["balance"]}

    # ------------------------------------------------------------------ flights
    def get_nearest_airport_by_city(self, location: str) -> dict[str, str]:
        return {"nearest_airport": CITY_AIRPORT.get(location, "Unknown")}

    def list_all_airports(self) -> list[str]:
        return list(AIRPORT_CODES)

    def get_flight_cost(self, travel_from: str, travel_to: str, travel_date: str, travel_class: str) -> dict[str, Any]:
        if (travel_from, travel_to) not in FARES:
            raise ValueError("No available route for the given airports.")
        if travel_class not in ("economy", "business", "first"):
            raise ValueError("Invalid travel class. Options are: economy, business, first.")
        digits = sum(int(ch) for ch in travel_date if ch.isdigit())
        factor = CLASS_FACTOR[travel_class] * (2 if digits % 2 == 0 else 1)
        routes = FARES.items() if self.long_context else [((travel_from, travel_to), FARES[(travel_from, travel_to)])]
        self._flight_cost_lookup = {}
        costs = []
        for (a, b), fare in routes:
            cost = float(fare * factor)
            self._flight_cost_lookup[f"{a}|{b}|{travel_class}|{travel_date}"] = {"cost": cost}
            costs.append(cost)
        return {"travel_cost_list": costs}

    def book_flight(self, access_token: str, card_id: str, travel_date: str, travel_from: str, travel_to: str, travel_class: str) -> dict[str, Any]:
        def fail(error: str) -> dict[str, Any]:
            return {"booking_status": False, "error": error}

        error = self._token_error(access_token)
        if error:
            return fail(error)
        if card_id not in self.credit_card_list:
            return fail("Card not registered")
        card = self.credit_card_list[card_id]
        if "balance" not in card:
            return fail("Balance not found")
        airports = self.list_all_airports()
        if travel_from not in airports:
            return fail(f"Invalid departure airport code: {travel_from}")
        if travel_to not in airports:
            return fail(f"Invalid destination airport code: {travel_to}")
        try:
            datetime.strptime(travel_date, "%Y-%m-%d")
        except ValueError:
            return fail("Invalid date format. Use YYYY-MM-DD.")
        classes = set(frozenset(TRAVEL_CLASS_SET_ORDER))  # shown as Python prints this set
        if travel_class not in classes:
            return fail(f"Invalid travel class. Must be one of {classes}")
        try:
            self.get_flight_cost(travel_from=travel_from, travel_to=travel_to, travel_date=travel_date, travel_class=travel_class)
            entry = self._flight_cost_lookup.get(f"{travel_from}|{travel_to}|{travel_class}|{travel_date}")
            if entry is None:
                return fail("No available route for the given parameters")
            cost = entry["cost"]
        except ValueError as e:
            return fail(str(e))
        if card["balance"] < cost:
            return fail("Insufficient funds")
        if self.budget_limit is not None and card["balance"] < self.budget_limit:
            return fail("Balance is less than budget limit")
        card["balance"] -= cost
        booking_id = str(self._random.randint(1000000, 9999999))
        transaction_id = str(self._random.randint(10000000, 99999999))
        self.booking_record[booking_id] = {
            "card_id": card_id,
            "travel_date": travel_date,
            "travel_from": travel_from,
            "travel_to": travel_to,
            "travel_class": travel_class,
            "travel_cost": cost,
            "transaction_id": transaction_id,
        }
        history = self.booking_record if self.long_context else {}
        return {"booking_id": booking_id, "transaction_id": transaction_id, "booking_status": True, "booking_history": history}

    def retrieve_invoice(self, access_token: str, booking_id: Optional[str] = None, insurance_id: Optional[str] = None) -> dict[str, Any]:
        error = self._token_error(access_token)
        if error:
            return {"error": error}
        if booking_id not in self.booking_record:
            return {"error": "Booking not found"}
        record = self.booking_record[booking_id]
        invoice = {"booking_id": booking_id}
        for k in ("travel_date", "travel_from", "travel_to", "travel_class", "travel_cost", "transaction_id"):
            invoice[k] = record[k]
        return {"invoice": invoice}

    def get_booking_history(self, access_token: str) -> dict[str, Any]:
        error = self._token_error(access_token)
        if error:
            return {"error": error}
        return {"booking_history": copy.deepcopy(self.booking_record)}

    def cancel_booking(self, access_token: str, booking_id: str) -> dict[str, Any]:
        error = self._token_error(access_token)
        if error:
            return {"cancel_status": False, "error": error}
        if booking_id not in self.booking_record:
            return {"cancel_status": False, "error": "Booking not found"}
        record = self.booking_record[booking_id]
        card_id, cost = record["card_id"], record["travel_cost"]
        self.credit_card_list[card_id]["balance"] += cost
        del self.booking_record[booking_id]
        return {"cancel_status": True}

    def purchase_insurance(self, access_token: str, insurance_type: str, booking_id: str, insurance_cost: float, card_id: str) -> dict[str, Any]:
        error = self._token_error(access_token)
        if error:
            return {"insurance_status": False, "error": error}
        if self.budget_limit is not None and self.budget_limit < insurance_cost:
            return {"insurance_status": False, "error": "Exceeded budget limit"}
        if booking_id not in self.booking_record:
            return {"insurance_status": False, "error": "Booking not found"}
        if card_id not in self.credit_card_list:
            return {"insurance_status": False, "error": "Credit card not registered"}
        self.credit_card_list[card_id]["balance"] -= insurance_cost
        return {"insurance_id": str(self._random.randint(100000000, 999999999)), "insurance_status": True}

    def contact_customer_support(self, booking_id: str, message: str) -> dict[str, str]:
        if booking_id not in self.booking_record:
            return {"error": "Booking not found"}
        return {"customer_support_message": "Thank you for contacting customer support. Your message has been received and we will get back to you shortly."}

    # ------------------------------------------------------------------ misc
    def set_budget_limit(self, access_token: str, budget_limit: float) -> dict[str, Any]:
        error = self._token_error(access_token)
        if error:
            return {"error": error}
        self.budget_limit = float(budget_limit)
        return {"budget_limit": self.budget_limit}

    def compute_exchange_rate(self, base_currency: str, target_currency: str, value: float) -> dict[str, float]:
        for a, b, rate in EXCHANGE_RATES:
            if base_currency == a and target_currency == b:
                return {"exchanged_value": float(value * rate)}
            if base_currency == b and target_currency == a:
                return {"exchanged_value": round(value / rate, 2)}
        raise ValueError("No available exchange rate for the given currencies.")

    def verify_traveler_information(self, first_name: str, last_name: str, date_of_birth: str, passport_number: str) -> dict[str, Any]:
        def fail(why: str) -> dict[str, Any]:
            return {"verification_status": False, "verification_failure": why}

        if self.user_first_name != first_name or self.user_last_name != last_name:
            return fail("Cannot book flight information for another user."
                        f"Expected {self.user_first_name} {self.user_last_name}, got {first_name} {last_name}")
        try:
            born = datetime.strptime(date_of_birth, "%Y-%m-%d")
            today = datetime.today()
            age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        except ValueError:
            return fail("Invalid date of birth format. Please use YYYY-MM-DD.")
        if age < 18:
            return fail("Traveler must be at least 18 years old.")
        if not passport_number.startswith("US"):
            return fail("Passport must be issued by the United States.")
        return {"verification_status": True}
