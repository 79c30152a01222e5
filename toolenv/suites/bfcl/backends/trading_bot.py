"""TradingBot: a brokerage account (from ``multi_turn_func_doc/trading_bot.json``).

Orders are keyed by integer id; a new order takes ``order_counter`` as id. The clock is fixed
(``get_current_time`` -> ``10:30 AM``, transactions stamped ``2024-09-19 10:30:00``) so runs are
deterministic.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Optional

from toolenv.suites.bfcl.backends.base import Backend, int_keys, is_number

NOW_TIME = "10:30 AM"
NOW_STAMP = "2024-09-19 10:30:00"

COMPANY_SYMBOLS = {
    "apple": "AAPL", "google": "GOOG", "alphabet": "GOOG", "tesla": "TSLA", "microsoft": "MSFT",
    "nvidia": "NVDA", "amazon": "AMZN", "zetacorp": "ZETA", "zeta": "ZETA", "alphatech": "ALPH",
    "omegaindustries": "OMEG", "omega": "OMEG", "quasarltd": "QUAS", "quasar": "QUAS",
    "neptunesystems": "NEPT", "neptune": "NEPT", "synexsolutions": "SYNX", "synex": "SYNX",
}
SECTORS = {
    "technology": ["AAPL", "GOOG", "MSFT", "NVDA"],
    "automobile": ["TSLA", "F", "GM"],
}

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


class TradingBot(Backend):
    DEFAULT_STATE = {
        "orders": {
            12345: {"id": 12345, "order_type": "Buy", "symbol": "AAPL", "price": 210.65, "amount": 10, "status": "Completed"},
            12446: {"id": 12446, "order_type": "Sell", "symbol": "GOOG", "price": 2840.56, "amount": 5, "status": "Pending"},
        },
        "account_info": {"account_id": 12345, "balance": 10000.0, "binding_card": 1974202140965533},
        "authenticated": False,
        "market_status": "Open",
        "order_counter": 12446,
        "stocks": DEFAULT_STOCKS,
        "watch_list": ["NVDA"],
        "transaction_history": [],
    }

    def _load_scenario(self, scenario: dict[str, Any], long_context: bool = False) -> None:
        super()._load_scenario(scenario, long_context)
        self.orders = int_keys(self.orders)

    def _order(self, order_id: Any) -> dict | None:
        if isinstance(order_id, bool) or not isinstance(order_id, int):
            return None
        o = self.orders.get(order_id)
        return o if isinstance(o, dict) else None

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
        return {"current_time": NOW_TIME}

    def get_symbol_by_name(self, name: str) -> dict[str, str]:
        key = re.sub(r"[^a-z]", "", str(name).lower())
        return {"symbol": COMPANY_SYMBOLS.get(key, "Stock not found")}

    def get_stock_info(self, symbol: str) -> dict[str, Any]:
        info = self.stocks.get(symbol) if isinstance(symbol, str) else None
        if info is None:
            return {"error": f"Stock with symbol '{symbol}' not found."}
        return copy.deepcopy(info)

    def get_available_stocks(self, sector: str) -> dict[str, Any]:
        return {"stock_list": list(SECTORS.get(str(sector).lower(), []))}

    def filter_stocks_by_price(self, stocks: list, min_price: float, max_price: float) -> dict[str, Any]:
        if not isinstance(stocks, list) or not is_number(min_price) or not is_number(max_price):
            return {"error": "Invalid arguments."}
        out = [s for s in stocks if isinstance(s, str) and s in self.stocks and min_price <= self.stocks[s].get("price", 0) <= max_price]
        return {"filtered_stocks": out}

    def notify_price_change(self, stocks: list, threshold: float) -> dict[str, str]:
        if not isinstance(stocks, list) or not is_number(threshold):
            return {"error": "Invalid arguments."}
        moved = [s for s in stocks if isinstance(s, str) and s in self.stocks and abs(self.stocks[s].get("percent_change", 0)) >= threshold]
        if moved:
            return {"notification": f"Stocks {', '.join(moved)} have significant price changes."}
        return {"notification": "No significant price changes in the selected stocks."}

    # ------------------------------------------------------------------ watchlist
    def add_to_watchlist(self, stock: str) -> dict[str, Any]:
        if stock not in self.stocks:
            return {"error": f"Stock with symbol '{stock}' not found."}
        if stock not in self.watch_list:
            self.watch_list.append(stock)
        return {"watchlist": list(self.watch_list)}

    def remove_stock_from_watchlist(self, symbol: str) -> dict[str, str]:
        if symbol not in self.watch_list:
            return {"error": f"Stock {symbol} not found in watchlist."}
        self.watch_list.remove(symbol)
        return {"status": f"Stock {symbol} removed from watchlist successfully."}

    def get_watchlist(self) -> dict[str, Any]:
        return {"watchlist": list(self.watch_list)}

    # ------------------------------------------------------------------ orders
    def place_order(self, order_type: str, symbol: str, price: float, amount: int) -> dict[str, Any]:
        if not self.authenticated:
            return {"error": "User not authenticated. Please log in to place an order."}
        if symbol not in self.stocks:
            return {"error": f"Invalid stock symbol: {symbol}"}
        if not is_number(price) or price <= 0 or isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            return {"error": "Price and amount must be positive values."}
        if order_type not in ("Buy", "Sell"):
            return {"error": f"Invalid order type: {order_type}. Use 'Buy' or 'Sell'."}
        if order_type == "Buy" and price * amount > self.account_info.get("balance", 0):
            return {"error": "Insufficient funds to place the order."}
        order_id = self.order_counter
        self.orders[order_id] = {"id": order_id, "order_type": order_type, "symbol": symbol, "price": price, "amount": amount, "status": "Open"}
        self.order_counter += 1
        return {"order_id": order_id, "order_type": order_type, "status": "Pending", "price": price, "amount": amount}

    def get_order_details(self, order_id: int) -> dict[str, Any]:
        o = self._order(order_id)
        if o is None:
            return {"error": f"Order with ID {order_id} not found."}
        out = copy.deepcopy(o)
        out.setdefault("id", order_id)
        return out

    def cancel_order(self, order_id: int) -> dict[str, Any]:
        o = self._order(order_id)
        if o is None:
            return {"error": f"Order with ID {order_id} not found."}
        if o.get("status") == "Completed":
            return {"error": f"Can't cancel order {order_id}. Order is already completed."}
        o["status"] = "Cancelled"
        return {"order_id": order_id, "status": "Cancelled"}

    def get_order_history(self) -> dict[str, Any]:
        return {"order_history": [k for k, v in self.orders.items() if isinstance(v, dict)]}

    # ------------------------------------------------------------------ account
    def get_account_info(self) -> dict[str, Any]:
        if not self.authenticated:
            return {"error": "User not authenticated. Please log in to view account information."}
        return copy.deepcopy(self.account_info)

    def fund_account(self, amount: float) -> dict[str, Any]:
        if not self.authenticated:
            return {"error": "User not authenticated. Please log in to fund the account."}
        if not is_number(amount) or amount <= 0:
            return {"error": "Funding amount must be positive."}
        self.account_info["balance"] = self.account_info.get("balance", 0) + amount
        self.transaction_history.append({"type": "deposit", "amount": amount, "timestamp": NOW_STAMP})
        return {"status": "Account funded successfully", "new_balance": self.account_info["balance"]}

    def withdraw_funds(self, amount: float) -> dict[str, Any]:
        if not self.authenticated:
            return {"error": "User not authenticated. Please log in to withdraw funds."}
        if not is_number(amount) or amount <= 0:
            return {"error": "Withdrawal amount must be positive."}
        if amount > self.account_info.get("balance", 0):
            return {"error": "Insufficient funds for withdrawal."}
        self.account_info["balance"] = self.account_info.get("balance", 0) - amount
        self.transaction_history.append({"type": "withdrawal", "amount": amount, "timestamp": NOW_STAMP})
        return {"status": "Withdrawal successful", "new_balance": self.account_info["balance"]}

    def get_transaction_history(self, start_date: Optional[str] = None, end_date: Optional[str] = None) -> dict[str, Any]:
        if not self.authenticated:
            return {"error": "User not authenticated. Please log in to view transaction history."}
        lo = str(start_date) if start_date else "0000-00-00"
        hi = str(end_date) + " 99" if end_date else "9999-99-99"
        out = [copy.deepcopy(t) for t in self.transaction_history if isinstance(t, dict) and lo <= str(t.get("timestamp", "")) <= hi]
        return {"transaction_history": out}
