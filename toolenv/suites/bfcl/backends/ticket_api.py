"""TicketAPI: a support-ticket queue (from ``multi_turn_func_doc/ticket_api.json``).

Behaves as the official backend, call for call: new tickets take ``ticket_counter`` as id (then
it is incremented); creating and listing need a logged-in user, reading/closing/resolving/editing
do not. Arguments are not type-checked: a wrong type fails with the Python error of the
comparison or lookup it reaches (the executor reports it), tickets are matched by ``==`` (so
``True`` finds ticket 1), and a ticket lacking a field fails with a ``KeyError`` where the field is
read. There is no long-context mode (no ``long_context`` attribute).
"""

from __future__ import annotations

from typing import Any, Optional

from toolenv.suites.bfcl.backends.base import Backend

#: fields ``edit_ticket`` may change
EDITABLE = frozenset({"title", "description", "status", "priority"})


class TicketAPI(Backend):
    DEFAULT_STATE = {"ticket_queue": [], "ticket_counter": 1, "current_user": None}

    def _find(self, ticket_id: Any) -> dict | None:
        """The first ticket whose ``id`` equals ``ticket_id`` (``KeyError`` on a ticket without id)."""
        return next((t for t in self.ticket_queue if t["id"] == ticket_id), None)

    @staticmethod
    def _missing(ticket_id: Any) -> dict[str, str]:
        return {"error": f"Ticket with ID {ticket_id} not found."}

    # ------------------------------------------------------------------ session
    def ticket_login(self, username: str, password: str) -> dict[str, bool]:
        if not (username and password):
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

    # ------------------------------------------------------------------ tickets
    def create_ticket(self, title: str, description: str = "", priority: int = 1) -> dict[str, Any]:
        """Queue a ticket; the priority is only range-checked (``1 <= priority <= 5``)."""
        if not self.current_user:
            return {"error": "User not authenticated. Please log in to create a ticket."}
        if priority < 1 or priority > 5:
            return {"error": "Invalid priority. Priority must be between 1 and 5."}
        ticket = {"id": self.ticket_counter, "title": title, "description": description,
                  "status": "Open", "priority": priority, "created_by": self.current_user}
        self.ticket_queue.append(ticket)
        self.ticket_counter += 1
        return ticket

    def get_ticket(self, ticket_id: int) -> dict[str, Any]:
        ticket = self._find(ticket_id)
        return ticket if ticket else self._missing(ticket_id)

    def close_ticket(self, ticket_id: int) -> dict[str, str]:
        ticket = self._find(ticket_id)
        if not ticket:
            return self._missing(ticket_id)
        if ticket["status"] == "Closed":
            return {"error": f"Ticket with ID {ticket_id} is already closed."}
        ticket["status"] = "Closed"
        return {"status": f"Ticket {ticket_id} has been closed successfully."}

    def resolve_ticket(self, ticket_id: int, resolution: str) -> dict[str, str]:
        ticket = self._find(ticket_id)
        if not ticket:
            return self._missing(ticket_id)
        if ticket["status"] == "Resolved":
            return {"error": f"Ticket with ID {ticket_id} is already resolved."}
        ticket.update(status="Resolved", resolution=resolution)
        return {"status": f"Ticket {ticket_id} has been resolved successfully."}

    def edit_ticket(self, ticket_id: int, updates: dict) -> dict[str, str]:
        """Apply the non-``None`` values of ``updates`` (unchecked); unknown fields are refused."""
        ticket = self._find(ticket_id)
        if not ticket:
            return self._missing(ticket_id)
        unknown = set(updates.keys()) - EDITABLE
        if unknown:
            return {"error": f"Invalid fields for update: {', '.join(unknown)}"}
        ticket.update({k: v for k, v in updates.items() if v is not None})
        return {"status": f"Ticket {ticket_id} has been updated successfully."}

    def get_user_tickets(self, status: Optional[str] = None) -> list[dict[str, Any]]:
        """The current user's tickets, filtered case-insensitively by a (truthy) ``status``."""
        if not self.current_user:
            return [{"error": "User not authenticated. Please log in to view tickets."}]
        mine = [t for t in self.ticket_queue if t["created_by"] == self.current_user]
        if status:
            mine = [t for t in mine if t["status"].lower() == status.lower()]
        return mine
