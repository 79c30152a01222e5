"""TravelAPI: flights, cards, insurance (from ``multi_turn_func_doc/travel_booking.json``).

Generated ids come from a private generator seeded with 141053, drawn in this order: access token
(``authenticate_travel``, 6 digits), booking id then transaction id (``book_flight``, 7 and 8
digits), insurance id (``purchase_insurance``, 9 digits), card id (``register_credit_card``,
12 digits). These are the ids the ground truth refers to (first booking ``3426812``).
Prices: a fixed economy fare per route, business x2, first x5; exchange rates per USD are fixed.
"""

from __future__ import annotations

import copy
from typing import Any, Optional

from toolenv.suites.bfcl.backends.base import Backend, is_number

AIRPORTS = {
    "Rivermist": "RMS", "Stonebrook": "SBK", "Maplecrest": "MPC", "Silverpine": "SVP", "Shadowridge": "SHD",
    "London": "LHR", "Paris": "CDG", "Sunset Valley": "SSV", "Oakendale": "OKD", "Willowbend": "WLB",
    "Crescent Hollow": "CRH", "Autumnville": "ATV", "Pinehaven": "PHV", "Greenfield": "GFD",
    "San Francisco": "SFO", "Los Angeles": "LAX", "New York": "JFK", "Chicago": "ORD", "Boston": "BOS",
    "Beijing": "PEK", "Hong Kong": "HKG", "Rome": "CIA", "Tokyo": "HND",
}
ALL_AIRPORTS = list(dict.fromkeys(AIRPORTS.values()))
ECONOMY_FARES = {  # unordered routes; others get a deterministic fare from the codes
    frozenset(("SFO", "LAX")): 200.0,
    frozenset(("LAX", "JFK")): 1200.0,
    frozenset(("RMS", "JFK")): 420.0,
    frozenset(("SFO", "CIA")): 1400.0,
    frozenset(("SFO", "BOS")): 750.0,
    frozenset(("RMS", "SBK")): 250.0,
    frozenset(("RMS", "LAX")): 360.0,
    frozenset(("JFK", "PEK")): 1100.0,
    frozenset(("SFO", "ORD")): 500.0,
}
CLASS_FACTOR = {"economy": 1.0, "business": 2.0, "first": 5.0}
RATES_PER_USD = {
    "USD": 1.0, "RMB": 7.0, "EUR": 0.8, "JPY": 110.0, "GBP": 0.7, "CAD": 1.3, "AUD": 1.4,
    "INR": 70.0, "RUB": 60.0, "BRL": 3.8, "MXN": 20.0,
}


def economy_fare(a: str, b: str) -> float:
    fare = ECONOMY_FARES.get(frozenset((a, b)))
    if fare is None:
        h = sum((i + 1) * ord(c) for i, c in enumerate("".join(sorted((a, b)))))
        fare = float(150 + (h * 37) % 850)
    return fare


class TravelAPI(Backend):
    SEED = 141053
    DEFAULT_STATE = {
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
        super().__init__()
        self._insurance: dict[str, dict[str, Any]] = {}

    def _token_ok(self, access_token: Any) -> bool:
        return self.access_token is not None and access_token == self.access_token

    def _card(self, card_id: Any) -> dict | None:
        c = self.credit_card_list.get(card_id) if isinstance(card_id, str) else None
        return c if isinstance(c, dict) else None

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
        return {"status": self.access_token is not None}

    def get_budget_fiscal_year(self, lastModifiedAfter: Optional[str] = None, includeRemoved: Optional[str] = None) -> dict[str, str]:
        return {"budget_fiscal_year": "2018"}

    # ------------------------------------------------------------------ cards
    def register_credit_card(self, access_token: str, card_number: str, expiration_date: str, cardholder_name: str, card_verification_number: int) -> dict[str, Any]:
        if not self._token_ok(access_token):
            return {"error": "Token not valid"}
        if any(isinstance(c, dict) and c.get("card_number") == card_number for c in self.credit_card_list.values()):
            return {"error": "Card already registered"}
        card_id = str(self._random.randint(100000000000, 999999999999))
        self.credit_card_list[card_id] = {
            "card_number": card_number,
            "expiration_date": expiration_date,
            "cardholder_name": cardholder_name,
            "card_verification_number": card_verification_number,
            "balance": 10000.0,
        }
        return {"card_id": card_id}

    def get_all_credit_cards(self) -> dict[str, Any]:
        return {"credit_card_list": copy.deepcopy(self.credit_card_list)}

    def get_credit_card_balance(self, access_token: str, card_id: str) -> dict[str, Any]:
        if not self._token_ok(access_token):
            return {"error": "Token not valid"}
        card = self._card(card_id)
        if card is None:
            return {"error": "Card not registered"}
        return {"card_balance": card.get("balance", 0.0)}

    # ------------------------------------------------------------------ flights
    def get_nearest_airport_by_city(self, location: str) -> dict[str, str]:
        code = AIRPORTS.get(location)
        if code is None:
            return {"error": f"No airport found for location '{location}'."}
        return {"nearest_airport": code}

    def list_all_airports(self) -> dict[str, Any]:
        return {"airports": list(ALL_AIRPORTS)}

    def _fare(self, travel_from: Any, travel_to: Any, travel_class: Any) -> float | None:
        if travel_from not in ALL_AIRPORTS or travel_to not in ALL_AIRPORTS or travel_from == travel_to:
            return None
        factor = CLASS_FACTOR.get(str(travel_class).lower())
        if factor is None:
            return None
        return economy_fare(travel_from, travel_to) * factor

    def get_flight_cost(self, travel_from: str, travel_to: str, travel_date: str, travel_class: str) -> dict[str, Any]:
        if str(travel_class).lower() not in CLASS_FACTOR:
            return {"error": "Invalid travel class. Options are: economy, business, first."}
        fare = self._fare(travel_from, travel_to, travel_class)
        if fare is None:
            return {"error": f"No available route for the given airports: {travel_from} -> {travel_to}."}
        return {"travel_cost_list": [fare]}

    def book_flight(self, access_token: str, card_id: str, travel_date: str, travel_from: str, travel_to: str, travel_class: str) -> dict[str, Any]:
        if not self._token_ok(access_token):
            return {"booking_status": False, "error": "Token not valid"}
        card = self._card(card_id)
        if card is None:
            return {"booking_status": False, "error": "Card not registered"}
        fare = self._fare(travel_from, travel_to, travel_class)
        if fare is None:
            return {"booking_status": False, "error": "No available route for the given airports."}
        if card.get("balance", 0.0) < fare:
            return {"booking_status": False, "error": "Insufficient funds"}
        card["balance"] = card.get("balance", 0.0) - fare
        booking_id = str(self._random.randint(1000000, 9999999))
        transaction_id = str(self._random.randint(10000000, 99999999))
        self.booking_record[booking_id] = {
            "card_id": card_id,
            "travel_date": travel_date,
            "travel_from": travel_from,
            "travel_to": travel_to,
            "travel_class": travel_class,
            "travel_cost": fare,
            "transaction_id": transaction_id,
        }
        return {"booking_id": booking_id, "transaction_id": transaction_id, "booking_status": True, "booking_history": {}}

    def get_booking_history(self, access_token: str) -> dict[str, Any]:
        if not self._token_ok(access_token):
            return {"error": "Token not valid"}
        return {"booking_history": copy.deepcopy(self.booking_record)}

    def cancel_booking(self, access_token: str, booking_id: str) -> dict[str, Any]:
        if not self._token_ok(access_token):
            return {"cancel_status": False, "error": "Token not valid"}
        record = self.booking_record.get(booking_id) if isinstance(booking_id, str) else None
        if record is None:
            return {"cancel_status": False, "error": "Booking not found"}
        card = self._card(record.get("card_id")) if isinstance(record, dict) else None
        if card is not None and is_number(record.get("travel_cost")):
            card["balance"] = card.get("balance", 0.0) + record["travel_cost"]
        del self.booking_record[booking_id]
        return {"cancel_status": True}

    def retrieve_invoice(self, access_token: str, booking_id: Optional[str] = None, insurance_id: Optional[str] = None) -> dict[str, Any]:
        if not self._token_ok(access_token):
            return {"error": "Token not valid"}
        record = self.booking_record.get(booking_id) if isinstance(booking_id, str) else None
        if record is None:
            return {"error": "Booking not found"}
        invoice = {"booking_id": booking_id}
        if isinstance(record, dict):
            for k in ("travel_date", "travel_from", "travel_to", "travel_class", "travel_cost", "transaction_id"):
                if k in record:
                    invoice[k] = record[k]
        if insurance_id is not None:
            ins = self._insurance.get(insurance_id)
            if ins is None or ins.get("booking_id") != booking_id:
                return {"error": "Insurance not found"}
            invoice["insurance_id"] = insurance_id
            invoice["insurance_cost"] = ins.get("insurance_cost")
        return {"invoice": invoice}

    def purchase_insurance(self, access_token: str, insurance_type: str, insurance_cost: float, booking_id: str, card_id: str) -> dict[str, Any]:
        if not self._token_ok(access_token):
            return {"insurance_status": False, "error": "Token not valid"}
        if not isinstance(booking_id, str) or booking_id not in self.booking_record:
            return {"insurance_status": False, "error": "Booking not found"}
        card = self._card(card_id)
        if card is None:
            return {"insurance_status": False, "error": "Credit card not registered"}
        if not is_number(insurance_cost) or insurance_cost < 0:
            return {"insurance_status": False, "error": "Invalid insurance cost"}
        if card.get("balance", 0.0) < insurance_cost:
            return {"insurance_status": False, "error": "Insufficient funds"}
        card["balance"] = card.get("balance", 0.0) - insurance_cost
        insurance_id = str(self._random.randint(100000000, 999999999))
        self._insurance[insurance_id] = {"booking_id": booking_id, "insurance_type": insurance_type, "insurance_cost": insurance_cost, "card_id": card_id}
        return {"insurance_id": insurance_id, "insurance_status": True}

    def contact_customer_support(self, booking_id: str, message: str) -> dict[str, str]:
        if not isinstance(booking_id, str) or booking_id not in self.booking_record:
            return {"error": "Booking not found"}
        return {"customer_support_message": f"Thank you for contacting customer support. We will get back to you shortly. {message}"}

    def set_budget_limit(self, access_token: str, budget_limit: float) -> dict[str, Any]:
        if not self._token_ok(access_token):
            return {"error": "Token not valid"}
        if not is_number(budget_limit) or budget_limit < 0:
            return {"error": "Budget limit must be a non-negative number"}
        self.budget_limit = float(budget_limit)
        return {"budget_limit": self.budget_limit}

    def compute_exchange_rate(self, base_currency: str, target_currency: str, value: float) -> dict[str, Any]:
        a, b = RATES_PER_USD.get(base_currency), RATES_PER_USD.get(target_currency)
        if a is None or b is None:
            return {"error": "No available exchange rate for the given currencies."}
        if not is_number(value):
            return {"error": "Value must be a number."}
        return {"exchanged_value": value / a * b}

    def verify_traveler_information(self, first_name: str, last_name: str, date_of_birth: str, passport_number: str) -> dict[str, Any]:
        if (self.user_first_name is not None and first_name != self.user_first_name) or (self.user_last_name is not None and last_name != self.user_last_name):
            return {"verification_status": False, "verification_failure": "Cannot book flight information for another user. Expected {self.user_first_name} {self.user_last_name}, got {first_name} {last_name}".format(self=self, first_name=first_name, last_name=last_name)}
        try:
            year, month, day = (int(x) for x in str(date_of_birth).split("-"))
        except ValueError:
            return {"verification_status": False, "verification_failure": "Invalid date of birth format. Please use YYYY-MM-DD."}
        age = 2024 - year - ((month, day) > (9, 19))
        if age < 18:
            return {"verification_status": False, "verification_failure": "Traveler must be at least 18 years old."}
        if not str(passport_number).startswith("US"):
            return {"verification_status": False, "verification_failure": "Passport must be issued by the United States."}
        return {"verification_status": True}
