"""TicketAPI: a support-ticket queue (from ``multi_turn_func_doc/ticket_api.json``).

New tickets take ``ticket_counter`` as id (then it is incremented); creating needs a logged-in
user, reading/closing/resolving/editing does not.
"""

from __future__ import annotations

import copy
from typing import Any, Optional

from toolenv.suites.bfcl.backends.base import Backend

_EDITABLE = ("title", "description", "status", "priority")


class TicketAPI(Backend):
    DEFAULT_STATE = {"ticket_queue": [], "ticket_counter": 1, "current_user": None}

    def _find(self, ticket_id: Any) -> dict | None:
        for t in self.ticket_queue:
            if isinstance(t, dict) and "id" in t and t["id"] == ticket_id and type(t["id"]) == type(ticket_id):
                return t
        return None

    def ticket_login(self, username: str, password: str) -> dict[str, bool]:
        if not username or not password:
            return {"success": False}
        self.current_user = username
        return {"success": True}

    def ticket_get_login_status(self) -> dict[str, bool]:
        return {"login_status": bool(self.current_user)}

    def logout(self) -> dict[str, bool]:
        if not self.current_user:
            return {"success": False}
        self.current_user = None
        return {"success": True}

    def create_ticket(self, title: str, description: str = "", priority: int = 1) -> dict[str, Any]:
        if not self.current_user:
            return {"error": "User not authenticated. Please log in to create a ticket."}
        if not isinstance(priority, int) or isinstance(priority, bool) or not 1 <= priority <= 5:
            return {"error": "Invalid priority. Priority must be an integer between 1 and 5."}
        ticket = {
            "id": self.ticket_counter,
            "title": title,
            "description": description,
            "status": "Open",
            "priority": priority,
            "created_by": self.current_user,
        }
        self.ticket_queue.append(ticket)
        self.ticket_counter += 1
        return copy.deepcopy(ticket)

    def get_ticket(self, ticket_id: int) -> dict[str, Any]:
        t = self._find(ticket_id)
        if t is None:
            return {"error": f"Ticket with ID {ticket_id} not found."}
        return copy.deepcopy(t)

    def close_ticket(self, ticket_id: int) -> dict[str, str]:
        t = self._find(ticket_id)
        if t is None:
            return {"error": f"Ticket with ID {ticket_id} not found."}
        if t.get("status") == "Closed":
            return {"error": f"Ticket with ID {ticket_id} is already closed."}
        t["status"] = "Closed"
        return {"status": f"Ticket {ticket_id} has been closed successfully."}

    def resolve_ticket(self, ticket_id: int, resolution: str) -> dict[str, str]:
        t = self._find(ticket_id)
        if t is None:
            return {"error": f"Ticket with ID {ticket_id} not found."}
        t["status"] = "Resolved"
        t["resolution"] = resolution
        return {"status": f"Ticket {ticket_id} has been resolved successfully."}

    def edit_ticket(self, ticket_id: int, updates: dict) -> dict[str, str]:
        t = self._find(ticket_id)
        if t is None:
            return {"error": f"Ticket with ID {ticket_id} not found."}
        if not isinstance(updates, dict) or any(k not in _EDITABLE for k in updates):
            return {"error": f"Invalid fields for update. Editable fields: {', '.join(_EDITABLE)}."}
        if "priority" in updates:
            p = updates["priority"]
            if not isinstance(p, int) or isinstance(p, bool) or not 1 <= p <= 5:
                return {"error": "Invalid priority. Priority must be an integer between 1 and 5."}
        t.update(updates)
        return {"status": f"Ticket {ticket_id} has been updated successfully."}

    def get_user_tickets(self, status: Optional[str] = None) -> Any:
        if not self.current_user:
            return {"error": "User not authenticated. Please log in to view tickets."}
        out = []
        for t in self.ticket_queue:
            if isinstance(t, dict) and t.get("created_by") == self.current_user:
                if status is None or str(t.get("status", "")).lower() == str(status).lower():
                    out.append(copy.deepcopy(t))
        return out
