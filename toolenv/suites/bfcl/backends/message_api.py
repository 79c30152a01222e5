"""MessageAPI: a workspace messenger (from ``multi_turn_func_doc/message_api.json``).

``inbox`` is a list of ``{receiver_id: message}`` records of sent messages. Message ids come from
a private generator seeded with 200191 (the ids the ground truth refers to, e.g. 67410 first).
"""

from __future__ import annotations

from typing import Any

from toolenv.suites.bfcl.backends.base import Backend


class MessageAPI(Backend):
    SEED = 200191
    DEFAULT_STATE = {
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

    def __init__(self) -> None:
        super().__init__()
        self._generated_ids: set[int] = set()

    def _new_id(self) -> int:
        while True:
            i = self._random.randint(10000, 99999)
            if i not in self._generated_ids:
                self._generated_ids.add(i)
                return i

    def list_users(self) -> dict[str, Any]:
        return {"user_list": list(self.user_map.keys())}

    def get_user_id(self, user: str) -> dict[str, Any]:
        if user not in self.user_map:
            return {"error": f"User '{user}' not found in the workspace."}
        return {"user_id": self.user_map[user]}

    def message_login(self, user_id: str) -> dict[str, Any]:
        if user_id not in self.user_map.values():
            return {"login_status": False, "message": f"User ID '{user_id}' not found."}
        self.current_user = user_id
        return {"login_status": True, "message": f"User '{user_id}' logged in successfully."}

    def message_get_login_status(self) -> dict[str, bool]:
        return {"login_status": bool(self.current_user)}

    def send_message(self, receiver_id: str, message: str) -> dict[str, Any]:
        if not self.current_user:
            return {"error": "No user is currently logged in."}
        if receiver_id not in self.user_map.values():
            return {"error": f"Receiver ID '{receiver_id}' not found."}
        message_id = self._new_id()
        self.inbox.append({receiver_id: message})
        self.message_count += 1
        return {"sent_status": True, "message_id": message_id, "message": f"Message sent to '{receiver_id}' successfully."}

    def delete_message(self, receiver_id: str) -> dict[str, Any]:
        if not self.current_user:
            return {"error": "No user is currently logged in."}
        for i in range(len(self.inbox) - 1, -1, -1):
            record = self.inbox[i]
            if isinstance(record, dict) and receiver_id in record:
                del self.inbox[i]
                return {"deleted_status": True, "receiver_id": receiver_id, "message": f"Receiver {receiver_id}'s latest message deleted successfully."}
        return {"error": f"No message found to receiver '{receiver_id}'."}

    def view_messages_sent(self) -> dict[str, Any]:
        if not self.current_user:
            return {"error": "No user is currently logged in."}
        sent: dict[str, list] = {}
        for record in self.inbox:
            if isinstance(record, dict):
                for receiver, msg in record.items():
                    sent.setdefault(receiver, []).append(msg)
        return {"messages": sent}

    def add_contact(self, user_name: str) -> dict[str, Any]:
        if user_name in self.user_map:
            return {"added_status": False, "user_id": self.user_map[user_name], "message": f"User name '{user_name}' already exists."}
        self.user_count += 1
        user_id = f"USR{self.user_count:03d}"
        self.user_map[user_name] = user_id
        return {"added_status": True, "user_id": user_id, "message": f"Contact '{user_name}' added successfully."}

    def search_messages(self, keyword: str) -> dict[str, Any]:
        if not self.current_user:
            return {"error": "No user is currently logged in."}
        kw = str(keyword).lower()
        results = []
        for record in self.inbox:
            if isinstance(record, dict):
                for receiver, msg in record.items():
                    if isinstance(msg, str) and kw in msg.lower():
                        results.append({"receiver_id": receiver, "message": msg})
        return {"results": results}

    def get_message_stats(self) -> dict[str, Any]:
        if not self.current_user:
            return {"error": "No user is currently logged in."}
        contacts = set()
        received = 0
        for record in self.inbox:
            if isinstance(record, dict):
                for receiver in record:
                    contacts.add(receiver)
                    if receiver == self.current_user:
                        received += 1
        return {"stats": {"received_count": received, "total_contacts": len(contacts)}}
