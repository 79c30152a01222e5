"""MessageAPI: a workspace messenger (from ``multi_turn_func_doc/message_api.json``).

``inbox`` is a list of one-entry ``{receiver_id: message}`` records of sent messages (every
record counts as sent by whoever is logged in). Message ids come from a private generator seeded
with the config's ``random_seed`` (default 200191: 67410 first); ``generated_ids`` (public state)
holds the ids handed out, and ``send_message`` reports an id as ``{"new_id": id}``, as the
official backend does. The long-context flag changes nothing here.
"""

from __future__ import annotations

import copy
import random
from typing import Any

from toolenv.suites.bfcl.backends.base import Backend

_NOT_LOGGED_IN = "No user is currently logged in."


class MessageAPI(Backend):
    SEED = 200191
    DEFAULT_STATE = {
        "generated_ids": set(),
        "user_count": 4,
        "user_map": {"Alice": "USR001", "Bob": "USR002", "Catherine": "USR003", "Daniel": "USR004"},
        "inbox": [
            {"USR002": "My name is Alice. I want to connect."},
            {"USR003": "Could you upload the file?"},
            {"USR004": "Could you upload the file?"},
        ],
        "message_count": 3,
        "current_user": None,
    }

    def _load_scenario(self, scenario: dict[str, Any], long_context: bool = False) -> None:
        super()._load_scenario(scenario, long_context)
        self._random = random.Random(copy.deepcopy(scenario.get("random_seed", self.SEED)))

    @staticmethod
    def _record(message: dict[str, Any]) -> tuple[Any, Any]:
        """(receiver, content) of an inbox record: its first entry."""
        return list(message.items())[0]

    def _generate_id(self) -> dict[str, int]:
        new_id = self._random.randint(10000, 99999)
        while new_id in self.generated_ids:
            new_id = self._random.randint(10000, 99999)
        self.generated_ids.add(new_id)
        return {"new_id": new_id}

    def list_users(self) -> dict[str, Any]:
        return {"user_list": list(self.user_map.keys())}

    def get_user_id(self, user: str) -> dict[str, Any]:
        if user not in self.user_map:
            return {"error": f"User '{user}' not found in the workspace."}
        return {"user_id": self.user_map.get(user)}

    def message_login(self, user_id: str) -> dict[str, Any]:
        if user_id not in list(self.user_map.values()):
            return {"login_status": False, "message": f"User ID '{user_id}' not found."}
        self.current_user = user_id
        return {"login_status": True, "message": f"User '{user_id}' logged in successfully."}

    def message_get_login_status(self) -> dict[str, bool]:
        return {"login_status": bool(self.current_user)}

    def send_message(self, receiver_id: str, message: str) -> dict[str, Any]:
        if not self.current_user:
            return {"error": _NOT_LOGGED_IN}
        if receiver_id not in self.user_map.values():
            return {"error": f"Receiver ID '{receiver_id}' not found."}
        message_id = self._generate_id()
        self.inbox.append({receiver_id: message})
        self.message_count += 1
        return {"sent_status": True, "message_id": message_id, "message": f"Message sent to '{receiver_id}' successfully."}

    def delete_message(self, receiver_id: str) -> dict[str, Any]:
        """Deletes the latest record to ``receiver_id`` -- by ``list.remove``, i.e. the first record
        equal to it (official behaviour)."""
        if not self.current_user:
            return {"error": _NOT_LOGGED_IN}
        for message in reversed(list(self.inbox)):
            receiver, _ = self._record(message)
            if receiver == receiver_id:
                self.inbox.remove(message)
                return {
                    "deleted_status": True,
                    "receiver_id": receiver,
                    "message": f"Receiver {receiver_id}'s latest message deleted successfully.",
                }
        return {"error": f"Receiver ID {receiver_id} not found."}

    def view_messages_sent(self) -> dict[str, Any]:
        if not self.current_user:
            return {"error": _NOT_LOGGED_IN}
        sent: dict[Any, list] = {}
        for message in self.inbox:
            receiver, content = self._record(message)
            sent.setdefault(receiver, []).append(content)
        return {"messages": sent}

    def add_contact(self, user_name: str) -> dict[str, Any]:
        """Takes the next ``USRnnn`` id; the counter moves even when that id is taken (error)."""
        if user_name in self.user_map:
            return {"error": f"User name '{user_name}' already exists."}
        self.user_count += 1
        user_id = "USR" + str(self.user_count).zfill(3)
        if user_id in self.user_map.values():
            return {"error": f"User ID '{user_id}' already exists."}
        self.user_map[user_name] = user_id
        return {"added_status": True, "user_id": user_id, "message": f"Contact '{user_name}' added successfully."}

    def search_messages(self, keyword: str) -> dict[str, Any]:
        if not self.current_user:
            return {"error": _NOT_LOGGED_IN}
        needle = keyword.lower()
        results = []
        for message in self.inbox:
            receiver, content = self._record(message)
            if needle in content.lower():
                results.append({"receiver_id": receiver, "message": content})
        return {"results": results}

    def get_message_stats(self) -> dict[str, Any]:
        """``received_count`` counts every inbox record (official behaviour)."""
        if not self.current_user:
            return {"error": _NOT_LOGGED_IN}
        contacts = set()
        for message in self.inbox:
            receiver, _ = self._record(message)
            contacts.add(receiver)
        return {"stats": {"received_count": len(self.inbox), "total_contacts": len(contacts)}}
