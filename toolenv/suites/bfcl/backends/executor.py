"""Run BFCL call strings on backend instances: ``ast`` parsing and dispatch by name, no ``eval``.

Mirrors the official executor: every public method of every involved class is callable by its
bare name (a later class wins a name clash); arguments may be positional or keyword, literal
values, simple arithmetic or nested calls to other tools; each call's result becomes a string
(``str`` as is, ``dict`` as ``json.dumps``, anything else ``str()``); a failure becomes
``"Error during execution: <message>"`` with Python's own message (e.g. ``name 'x' is not
defined``, ``GorillaFileSystem.cd() missing 1 required positional argument: 'folder'``).
"""

from __future__ import annotations

import ast
import copy
import hashlib
import json
import pickle
from typing import Any

from toolenv.suites.bfcl.backends import CLASSES, STATELESS, Backend
from toolenv.suites.bfcl.backends.file_system import Directory, File
from toolenv.suites.bfcl.decode import _arith, _Arith, bound_value

BLOCKED = frozenset({"kill", "exit", "quit", "remove", "unlink", "popen", "Popen", "run"})
MAX_CALL_CHARS = 20_000


def _canon(x: Any, path: frozenset[int] = frozenset()) -> Any:
    """A JSON-able view of backend state (file trees included) for hashing. A container met again
    on its own path (``cp d d`` nests a directory in itself, as officially) becomes ``{"cycle": name}``
    instead of recursing forever."""
    if isinstance(x, (Directory, dict, list, tuple)):
        if id(x) in path:
            return {"cycle": x.name if isinstance(x, Directory) else type(x).__name__}
        path = path | {id(x)}
    if isinstance(x, Directory):
        return {"dir": x.name, "contents": {k: _canon(v, path) for k, v in x.contents.items()}}
    if isinstance(x, File):
        return {"file": x.name, "content": x.content}
    if isinstance(x, dict):
        return {str(k): _canon(v, path) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_canon(v, path) for v in x]
    if isinstance(x, set):
        return sorted(repr(v) for v in x)
    return x


class ExecError(Exception):
    pass


def _error_text(e: BaseException) -> str:
    try:
        return f"Error during execution: {e}"
    except Exception:  # noqa: BLE001 - an exception whose message cannot be built
        return f"Error during execution: {type(e).__name__}"


def _copy_json(x: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, scalars): what ``initial_config`` holds; several
    times faster than ``copy.deepcopy``."""
    t = type(x)
    if t is dict:
        return {k: _copy_json(v) for k, v in x.items()}
    if t is list:
        return [_copy_json(v) for v in x]
    if t in (str, int, float, bool) or x is None:
        return x
    return copy.deepcopy(x)


_METHOD_NAMES: dict[type, tuple[str, ...]] = {}


def _method_names(cls: type) -> tuple[str, ...]:
    """The public methods of a backend class (computed once per class)."""
    names = _METHOD_NAMES.get(cls)
    if names is None:
        names = _METHOD_NAMES[cls] = tuple(a for a in dir(cls) if not a.startswith("_") and callable(getattr(cls, a)))
    return names


class Executor:
    """Persistent backend instances of one entry, and a method table over them. ``long_context``:
    the backends load their scenario in the official long-context mode."""

    def __init__(self, involved_classes: list[str], initial_config: dict[str, Any], long_context: bool = False) -> None:
        self.instances: dict[str, Backend] = {}
        self.methods: dict[str, Any] = {}
        for name in involved_classes:
            cls = CLASSES.get(name)
            if cls is None:
                raise ValueError(f"unknown backend class {name!r}; known: {sorted(CLASSES)}")
            inst = cls()
            if name not in STATELESS:
                inst._load_scenario(_copy_json(initial_config.get(name, {})), long_context=long_context)
            self.instances[name] = inst
        self._index()

    def _index(self) -> None:
        self.methods = {}
        for inst in self.instances.values():  # a later class wins a name clash, as officially
            for attr in _method_names(type(inst)):
                self.methods[attr] = getattr(inst, attr)

    # ------------------------------------------------------------------ state
    def state(self) -> dict[str, dict[str, Any]]:
        """Public attributes of every instance (what the official state check compares)."""
        return {n: i._public_state() for n, i in self.instances.items()}

    def snapshot(self) -> bytes:
        return pickle.dumps(self.instances, protocol=pickle.HIGHEST_PROTOCOL)

    def restore(self, snap: bytes) -> None:
        self.instances = pickle.loads(snap)
        self._index()

    def state_hash(self) -> str:
        blob = json.dumps(_canon(self.state()), sort_keys=True, default=repr)
        return hashlib.sha256(blob.encode()).hexdigest()

    # ------------------------------------------------------------------ execution
    def execute(self, calls: list[str]) -> list[str]:
        return [self.execute_one(c) for c in calls]

    def execute_one(self, call: str) -> str:
        try:
            if not isinstance(call, str):
                raise ExecError(f"call must be a string, got {type(call).__name__}")
            head = call.split("(")[0] if "(" in call else call
            if "." in head:
                head = head.split(".")[1]
            if head.strip() in BLOCKED:
                raise ExecError(f"Function call {head.strip()} is not allowed.")
            if len(call) > MAX_CALL_CHARS:
                raise ExecError("call too long")
            try:
                node = ast.parse(call.strip(), mode="eval").body
            except SyntaxError as e:
                raise ExecError(f"{e.msg} (<string>, line {e.lineno})") from None
            self._budget = _Arith()  # one arithmetic cost budget per call
            result = self._eval(node, 0)
        except RecursionError:
            return "Error during execution: maximum recursion depth exceeded"
        except Exception as e:  # noqa: BLE001 - any failure is reported like the official executor
            return _error_text(e)
        try:
            if type(result) is str:
                return result
            if type(result) is dict:
                try:
                    return json.dumps(result)
                except (TypeError, ValueError):
                    return str(result)
            return str(result)
        except Exception as e:  # noqa: BLE001 - e.g. an int beyond the int-str limit in the result
            return _error_text(e)

    def _eval(self, node: ast.AST, depth: int) -> Any:
        if depth > 50:
            raise ExecError("expression nested too deeply")
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        if isinstance(node, ast.Constant):
            return bound_value(node.value)  # an integer beyond a double's range is a TooLarge marker
        if isinstance(node, ast.Name):
            if node.id in self.methods:
                return self.methods[node.id]
            raise NameError(f"name '{node.id}' is not defined")
        if isinstance(node, ast.List):
            return [self._eval(e, depth + 1) for e in node.elts]
        if isinstance(node, ast.Tuple):
            return tuple(self._eval(e, depth + 1) for e in node.elts)
        if isinstance(node, ast.Set):
            return {self._eval(e, depth + 1) for e in node.elts}
        if isinstance(node, ast.Dict):
            out = {}
            for k, v in zip(node.keys, node.values):
                if k is None:
                    sub = self._eval(v, depth + 1)
                    if not isinstance(sub, dict):
                        raise TypeError(f"'{type(sub).__name__}' object is not a mapping")
                    out.update(sub)
                else:
                    out[self._eval(k, depth + 1)] = self._eval(v, depth + 1)
            return out
        if isinstance(node, (ast.UnaryOp, ast.BinOp)):
            if any(isinstance(n, (ast.Call, ast.Attribute, ast.Subscript)) for n in ast.walk(node)):
                raise ExecError("only literal arithmetic is supported in arguments")
            return _arith(node, 0, getattr(self, "_budget", None))
        raise ExecError(f"unsupported expression: {ast.unparse(node)}")

    def _call(self, node: ast.Call, depth: int) -> Any:
        func = node.func
        if isinstance(func, ast.Attribute):
            base = func.value
            while isinstance(base, (ast.Attribute, ast.Call, ast.Subscript)):
                base = base.func if isinstance(base, ast.Call) else base.value
            name = base.id if isinstance(base, ast.Name) else ast.unparse(base)
            raise NameError(f"name '{name}' is not defined")
        if not isinstance(func, ast.Name):
            raise ExecError(f"unsupported call target: {ast.unparse(func)}")
        fn = self.methods.get(func.id)
        if fn is None:
            raise NameError(f"name '{func.id}' is not defined")
        args: list[Any] = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                args.extend(self._eval(a.value, depth + 1))
            else:
                args.append(self._eval(a, depth + 1))
        kwargs: dict[str, Any] = {}
        for kw in node.keywords:
            v = self._eval(kw.value, depth + 1)
            if kw.arg is None:
                if not isinstance(v, dict):
                    raise TypeError(f"argument after ** must be a mapping, not {type(v).__name__}")
                kwargs.update(v)
            else:
                kwargs[kw.arg] = v
        return fn(*args, **kwargs)
