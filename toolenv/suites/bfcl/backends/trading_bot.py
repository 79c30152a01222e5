"""TradingBot: a brokerage account (from ``multi_turn_func_doc/trading_bot.json``).

Behaves as the official backend, call for call. Orders are keyed by integer id (digit-string keys
of a JSON config become ints); a new order takes ``order_counter`` as id and stores its price as a
float. The clock is fixed at 2024-09-01 10:30 (``get_current_time`` -> ``10:30 AM``); deposits and
withdrawals are stamped with a time drawn in the following 24 hours from a private generator
seeded with the config's ``random_seed`` (default 1053520). Arguments are not type-checked: a wrong
type fails with the Python error of the comparison or lookup it reaches (the executor reports it).

Long-context mode (public flag ``long_context``) leaves the state alone but pads some answers with
the official filler data: the watch list (then answered as a bare list), the sector lists, the
moving averages of ``get_stock_info``, order metadata and the transaction history.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, Optional

from toolenv.suites.bfcl.backends.base import Backend, long_context_data

#: the fixed "now" of the official backend (naive, local time)
NOW = datetime(2024, 9, 1, 10, 30)
SEED = 1053520

#: ``get_symbol_by_name`` matches these names exactly
COMPANY_SYMBOLS = {
    "Apple": "AAPL", "Google": "GOOG", "Tesla": "TSLA", "Microsoft": "MSFT", "Nvidia": "NVDA",
    "Zeta Corp": "ZETA", "Alpha Tech": "ALPH", "Omega Industries": "OMEG", "Quasar Ltd.": "QUAS",
    "Neptune Systems": "NEPT", "Synex Solutions": "SYNX", "Amazon": "AMZN", "Gorilla": "GORI",
}
#: ``get_available_stocks`` matches these sector names exactly
SECTORS = {"Technology": ["AAPL", "GOOG", "MSFT", "NVDA"], "Automobile": ["TSLA", "F", "GM"]}
#: the long-context filler appended to each sector's list
SECTOR_EXTENSIONS = {"Technology": "TECHNOLOGY_EXTENSION", "Automobile": "AUTOMOBILE_EXTENSION"}

DEFAULT_STOCKS = {
    "AAPL": {"price": 227.16, "percent_change": 0.17, "volume": 2.552, "MA(5)": 227.11, "MA(20)": 227.09},
    "GOOG": {"price": 2840.34, "percent_change": 0.24, "volume": 1.123, "MA(5)": 2835.67, "MA(20)": 2842.15},
    "TSLA": {"price": 667.92, "percent_change": -0.12, "volume": 1.654, "MA(5)": 671.15, "MA(20)": 668.2},
    "MSFT": {"price": 310.23, "percent_change": 0.09, "volume": 3.234, "MA(5)": 309.88, "MA(20)": 310.11},
    "NVDA": {"price": 220.34, "percent_change": 0.34, "volume": 1.234, "MA(5)": 220.45, "MA(20)": 220.67},
    "ALPH": {"price": 1320.45, "percent_change": -0.08, "volume": 1.567, "MA(5)": 1321.12, "MA(20)": 1325.78},
    "OMEG": {"price": 457.23, "percent_change": 0.12, "volume": 2.345, "MA(5)": 456.78, "MA(20)": 458.12},
    "QUAS": {"price": 725.89, "percent_change": -0.03, "volume": 1.789, "MA(5)": 726.45, "MA(20)": 728.0},
    "NEPT": {"price": 88.34, "percent_change": 0.19, "volume": 0.654, "MA(5)": 88.21, "MA(20)": 88.67},
    "SYNX": {"price": 345.67, "percent_change": 0.11, "volume": 2.112, "MA(5)": 345.34, "MA(20)": 346.12},
    "ZETA": {"price": 22.09, "percent_change": -0.05, "volume": 0.789, "MA(5)": 22.12, "MA(20)": 22.34},
}


_FILLER: dict[str, Any] = {}


def _filler(name: str) -> Any:
    """A long-context constant, loaded once (callers copy before changing anything)."""
    if name not in _FILLER:
        _FILLER[name] = long_context_data(name)
    return _FILLER[name]


class TradingBot(Backend):
    DEFAULT_STATE = {
        "orders": {
            12345: {"id": 12345, "order_type": "Buy", "symbol": "AAPL", "price": 210.65, "amount": 10, "status": "Completed"},
            12446: {"id": 12446, "order_type": "Sell", "symbol": "GOOG", "price": 2840.56, "amount": 5, "status": "Pending"},
        },
        "account_info": {"account_id": 12345, "balance": 10000.0, "binding_card": 1974202140965533},
        "authenticated": False,
        "market_status": "Closed",
        "order_counter": 12446,
        "stocks": DEFAULT_STOCKS,
        "watch_list": ["NVDA"],
        "transaction_history": [],
    }

    def _load_scenario(self, scenario: dict[str, Any], long_context: bool = False) -> None:
        super()._load_scenario(scenario, long_context)
        self.orders = {int(k) if isinstance(k, str) and k.isdigit() else k: v for k, v in self.orders.items()}
        self.long_context = long_context
        self._random = random.Random(scenario.get("random_seed", SEED))

    def _timestamp(self) -> str:
        """A random second of the 24 hours after ``NOW`` (local time), as ``YYYY-MM-DD HH:MM:SS``."""
        lo, hi = int(NOW.timestamp()), int((NOW + timedelta(days=1)).timestamp())
        return datetime.fromtimestamp(self._random.randint(lo, hi)).strftime("%Y-%m-%d %H:%M:%S")

    def _not_logged_in(self, action: str) -> dict[str, str]:
        return {"error": f"User not authenticated. Please log in to {action}."}

    # ------------------------------------------------------------------ session
    def trading_login(self, username: str, password: str) -> dict[str, str]:
        if self.authenticated:
            return {"status": "Already logged in"}
        self.authenticated = True
        return {"status": "Logged in successfully"}

    def trading_logout(self) -> dict[str, str]:
        if not self.authenticated:
            return {"status": "No user is currently logged in"}
        self.authenticated = False
        return {"status": "Logged out successfully"}

    def trading_get_login_status(self) -> dict[str, bool]:
        return {"status": bool(self.authenticated)}

    # ------------------------------------------------------------------ market data
    def get_current_time(self) -> dict[str, str]:
        return {"current_time": NOW.strftime("%I:%M %p")}

    def get_symbol_by_name(self, name: str) -> dict[str, str]:
        return {"symbol": COMPANY_SYMBOLS.get(name, "Stock not found")}

    def get_stock_info(self, symbol: str) -> dict[str, Any]:
        if symbol not in self.stocks:
            return {"error": f"Stock with symbol '{symbol}' not found."}
        if not self.long_context:
            return self.stocks[symbol]
        info = self.stocks[symbol].copy()
        info["MA(5)"], info["MA(20)"] = _filler("MA_5_EXTENSION"), _filler("MA_20_EXTENSION")
        return info

    def get_available_stocks(self, sector: str) -> dict[str, list[str]]:
        sectors = {k: list(v) for k, v in SECTORS.items()}
        if self.long_context:
            for k, name in SECTOR_EXTENSIONS.items():
                sectors[k].extend(_filler(name))
        return {"stock_list": sectors.get(sector, [])}

    def filter_stocks_by_price(self, stocks: list, min_price: float, max_price: float) -> dict[str, list]:
        def price(symbol: Any) -> Any:
            return self.stocks.get(symbol, {}).get("price", 0)

        return {"filtered_stocks": [s for s in stocks if price(s) >= min_price and price(s) <= max_price]}

    def notify_price_change(self, stocks: list, threshold: float) -> dict[str, str]:
        moved = [s for s in stocks if s in self.stocks and abs(self.stocks[s]["percent_change"]) >= threshold]
        if not moved:
            return {"notification": "No significant price changes in the selected stocks."}
        return {"notification": f"Stocks {', '.join(moved)} have significant price changes."}

    # ------------------------------------------------------------------ watchlist
    def add_to_watchlist(self, stock: str) -> dict[str, list]:
        """Add a known symbol (no login needed); unknown or already-watched ones change nothing."""
        if stock not in self.watch_list and stock in self.stocks:
            self.watch_list.append(stock)
        return {"watchlist": self.watch_list}

    def remove_stock_from_watchlist(self, symbol: str) -> dict[str, str]:
        if not self.authenticated:
            return self._not_logged_in("modify the watchlist")
        if symbol not in self.watch_list:
            return {"error": f"Stock {symbol} not found in watchlist."}
        self.watch_list.remove(symbol)
        return {"status": f"Stock {symbol} removed from watchlist successfully."}

    def get_watchlist(self) -> Any:
        """``{"watchlist": [...]}``; a bare list when logged out (one error string) or in long context."""
        if not self.authenticated:
            return ["Error: User not authenticated. Please log in to view the watchlist."]
        if self.long_context:
            return self.watch_list + _filler("WATCH_LIST_EXTENSION")
        return {"watchlist": self.watch_list}

    # ------------------------------------------------------------------ orders
    def place_order(self, order_type: str, symbol: str, price: float, amount: int) -> dict[str, Any]:
        if not self.authenticated:
            return self._not_logged_in("place an order")
        if symbol not in self.stocks:
            return {"error": f"Invalid stock symbol: {symbol}"}
        if price <= 0 or amount <= 0:
            return {"error": "Price and amount must be positive values."}
        if order_type.lower() == "buy":
            cost, balance = float(price) * int(amount), self.account_info.get("balance", 0)
            if cost > balance:
                return {"error": f"Insufficient funds: required ${cost:.2f} but only ${balance:.2f} available."}
        price = float(price)
        order_id = self.order_counter
        self.orders[order_id] = {"id": order_id, "order_type": order_type, "symbol": symbol,
                                 "price": price, "amount": amount, "status": "Open"}
        self.order_counter += 1
        return {"order_id": order_id, "order_type": order_type, "status": "Pending", "price": price, "amount": amount}

    def get_order_details(self, order_id: int) -> dict[str, Any]:
        """The stored order (in long context a copy with ``metadata``: the filler texts about its symbol)."""
        if order_id not in self.orders:
            return {"error": f"Order with ID {order_id} not found."
                             f"Here is the list of orders_id: {list(self.orders.keys())}"}
        if not self.long_context:
            return self.orders[order_id]
        order = self.orders[order_id].copy()
        symbol = order["symbol"]
        order["metadata"] = {k: text.format(symbol=symbol) for k, text in _filler("ORDER_DETAIL_EXTENSION").items()}
        return order

    def cancel_order(self, order_id: int) -> dict[str, Any]:
        if order_id not in self.orders:
            return {"error": f"Order with ID {order_id} not found."}
        order = self.orders[order_id]
        if order["status"] == "Completed":
            return {"error": f"Can't cancel order {order_id}. Order is already completed."}
        order["status"] = "Cancelled"
        return {"order_id": order_id, "status": "Cancelled"}

    def get_order_history(self) -> Any:
        if not self.authenticated:
            return [self._not_logged_in("view order history")]
        return {"history": list(self.orders.keys())}

    # ------------------------------------------------------------------ account
    def get_account_info(self) -> dict[str, Any]:
        if not self.authenticated:
            return self._not_logged_in("view account information")
        return self.account_info

    def fund_account(self, amount: float) -> dict[str, Any]:
        """Deposit (no market-hours check, unlike ``withdraw_funds``)."""
        if not self.authenticated:
            return self._not_logged_in("fund the account")
        if amount <= 0:
            return {"error": "Funding amount must be positive."}
        self.account_info["balance"] += amount
        self.transaction_history.append({"type": "deposit", "amount": amount, "timestamp": self._timestamp()})
        return {"status": "Account funded successfully", "new_balance": self.account_info["balance"]}

    def withdraw_funds(self, amount: float) -> dict[str, Any]:
        """Withdraw; needs ``market_status == "Open"``."""
        if not self.authenticated:
            return self._not_logged_in("make a transaction")
        if self.market_status != "Open":
            return {"error": "Market is closed. Transactions are not allowed."}
        if amount <= 0:
            return {"error": "Transaction amount must be positive."}
        if amount > self.account_info["balance"]:
            return {"error": "Insufficient funds for withdrawal."}
        self.account_info["balance"] -= amount
        self.transaction_history.append({"type": "withdrawal", "amount": amount, "timestamp": self._timestamp()})
        return {"status": "Withdrawal successful", "new_balance": self.account_info["balance"]}

    def get_transaction_history(self, start_date: Optional[str] = None, end_date: Optional[str] = None) -> Any:
        """Transactions whose timestamp lies in [start_date 00:00, end_date 00:00] (both optional);
        in long context the filler transactions are appended unfiltered."""
        if not self.authenticated:
            return [self._not_logged_in("view transaction history")]
        lo = datetime.strptime(start_date, "%Y-%m-%d") if start_date else datetime.min
        hi = datetime.strptime(end_date, "%Y-%m-%d") if end_date else datetime.max
        out = [t for t in self.transaction_history
               if lo <= datetime.strptime(t["timestamp"], "%Y-%m-%d %H:%M:%S") <= hi]
        if self.long_context:
            out.extend(_filler("TRANSACTION_HISTORY_EXTENSION"))
        return {"transaction_history": out}
