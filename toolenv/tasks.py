"""The `Task` type: what the user asks, which tools are offered, and the verifiable ground truth.

A task is a list of user turns. Each turn holds ordered *steps*; a step is a group of calls that
may be made in any order (a parallel group). A turn with no steps expects a text answer without
any call (irrelevance, or asking the user for a missing value). The env plays the next turn's
user message once the agent answers the current one.

Ground-truth argument values are JSON values, or one of these constraint objects:

* ``{"$ref": "c0/results/0/flight_id"}`` -- the value found at that JSON pointer inside the
  response of the ground-truth call labelled ``c0`` (resolved when the episode runs);
* ``{"$one_of": [v1, v2, ...]}`` -- any of the listed values is right;
* ``{"$any": true}`` -- the argument may be given with any value, or omitted.

A task file may open with a header line, ``{"toolenv_tasks": {...}}``, that records where the
tasks' tools came from (`ToolSource`: the spec paths, or the bundled specs, or the spec documents
themselves, and the registry's content fingerprint), so that the env, `toolenv export` and
`toolenv eval` find the tools without ``--tool-specs`` (`task_registry`). Files without the header
load as before (their tools are whatever the caller passes, by default the bundled specs).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

if TYPE_CHECKING:
    from toolenv.spec import ToolRegistry

CATEGORIES = (
    "simple",
    "multiple",
    "parallel",
    "parallel_multiple",
    "multi_step",
    "irrelevance",
    "missing_argument",
    "multi_turn",
)


@dataclass
class GTCall:
    """One ground-truth call: a label (for references), the tool name and argument constraints."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    label: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "name": self.name, "arguments": self.arguments}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "GTCall":
        return cls(name=d["name"], arguments=dict(d.get("arguments", {})), label=d.get("label", ""))


@dataclass
class Turn:
    """A user message and the steps that answer it (empty: answer without a call)."""

    user: str
    steps: list[list[GTCall]] = field(default_factory=list)
    answer: str = ""  # the expert's final text for this turn (a summary, or a clarifying question)

    def to_dict(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "steps": [[c.to_dict() for c in step] for step in self.steps],
            "answer": self.answer,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Turn":
        return cls(
            user=d["user"],
            steps=[[GTCall.from_dict(c) for c in step] for step in d.get("steps", [])],
            answer=d.get("answer", ""),
        )

    @property
    def calls(self) -> list[GTCall]:
        return [c for step in self.steps for c in step]


@dataclass
class Task:
    """A verifiable tool-use task. ``tools`` names the offered tools, in presentation order."""

    id: str
    category: str
    tools: list[str]
    turns: list[Turn]
    system: str | None = None
    difficulty: float = 0.0
    seed: int = 0  # seeds the simulated world (initial records), so references resolve the same way
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The opening messages: optional system prompt and the first user turn."""
        msgs: list[dict[str, Any]] = []
        if self.system:
            msgs.append({"role": "system", "content": self.system})
        msgs.append({"role": "user", "content": self.turns[0].user})
        return msgs

    @property
    def num_calls(self) -> int:
        return sum(len(t.calls) for t in self.turns)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "difficulty": self.difficulty,
            "messages": self.messages,
            "tools": list(self.tools),
            "turns": [t.to_dict() for t in self.turns],
            "system": self.system,
            "seed": self.seed,
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Task":
        missing = [k for k in ("id", "category", "tools", "turns") if k not in d]
        if missing:
            raise ValueError(f"task is missing field(s) {missing}")
        return cls(
            id=str(d["id"]),
            category=d["category"],
            tools=list(d["tools"]),
            turns=[Turn.from_dict(t) for t in d["turns"]],
            system=d.get("system"),
            difficulty=float(d.get("difficulty", 0.0)),
            seed=int(d.get("seed", 0)),
            meta=dict(d.get("meta", {})),
        )


#: the key of a task file's header line, and the header version this code writes and reads
HEADER_KEY = "toolenv_tasks"
HEADER_VERSION = 1


@dataclass
class ToolSource:
    """Where a task file's tools came from: the registry's content fingerprint
    (`toolenv.spec.ToolRegistry.fingerprint`), a short content hash per tool (to say which tools
    differ when a fingerprint does not match), and one of: the bundled specs (``bundled``), the
    spec files or folders (``paths``, absolute), or the spec documents themselves (``documents``:
    ``[{"label": file name, "doc": decoded JSON}]``, loaded by the one spec loader, never run)."""

    fingerprint: str
    tools: dict[str, str] = field(default_factory=dict)
    paths: list[str] = field(default_factory=list)
    bundled: bool = False
    documents: list[dict[str, Any]] | None = None
    #: ``paths`` relative to the folder of the task file this source was read from (a fallback
    #: for a project folder that moved); recomputed on every save
    relative: list[str | None] = field(default_factory=list)

    @classmethod
    def from_registry(cls, registry: "ToolRegistry", paths: Any = None, *, embed: bool = False) -> "ToolSource":
        """The source of ``registry``, loaded from ``paths`` (None: the bundled specs). ``embed``
        stores the spec documents in the file (checked: they must load back to the same registry)."""
        if isinstance(paths, (str, Path)):
            paths = [paths]
        src = cls(fingerprint=registry.fingerprint(), tools=tool_hashes(registry), bundled=paths is None,
                  paths=[] if paths is None else [os.path.abspath(p) for p in paths])
        if embed:
            src.documents = _registry_documents(registry)
            src.bundled, src.paths = False, []
        return src

    def describe(self) -> str:
        """Where the tools are, in words (for messages)."""
        if self.documents is not None:
            return f"the {len(self.documents)} spec document(s) embedded in the task file"
        if self.bundled:
            return "the bundled specs"
        return ", ".join(self.paths) or "(no paths)"

    def to_dict(self, task_file: str | Path | None = None) -> dict[str, Any]:
        d: dict[str, Any] = {"fingerprint": self.fingerprint, "tools": dict(self.tools)}
        if self.documents is not None:
            d["documents"] = self.documents
        elif self.bundled:
            d["bundled"] = True
        else:
            d["paths"] = list(self.paths)
            if task_file is not None:
                base = Path(task_file).absolute().parent
                d["relative"] = [_relative(p, base) for p in self.paths]
        return d

    @classmethod
    def from_dict(cls, d: Any, where: str) -> "ToolSource":
        if not isinstance(d, dict) or not isinstance(d.get("fingerprint"), str):
            raise ValueError(f"{where}: the header's tool_specs must be an object with a 'fingerprint' string")
        tools = d.get("tools", {})
        paths = d.get("paths", [])
        docs = d.get("documents")
        rel = d.get("relative", [])
        if not isinstance(tools, dict) or not all(isinstance(v, str) for v in tools.values()):
            raise ValueError(f"{where}: the header's tool_specs.tools must map tool names to hashes")
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            raise ValueError(f"{where}: the header's tool_specs.paths must be a list of strings")
        if not isinstance(rel, list) or not all(p is None or isinstance(p, str) for p in rel):
            raise ValueError(f"{where}: the header's tool_specs.relative must be a list of strings")
        if docs is not None and (not isinstance(docs, list) or not all(
                isinstance(x, dict) and isinstance(x.get("label"), str) and "doc" in x for x in docs)):
            raise ValueError(f"{where}: the header's tool_specs.documents must be a list of {{label, doc}} objects")
        bundled = d.get("bundled", False) is True
        if docs is None and not bundled and not paths:
            raise ValueError(f"{where}: the header's tool_specs names no paths, documents nor the bundled specs")
        return cls(fingerprint=d["fingerprint"], tools=dict(tools), paths=list(paths), bundled=bundled,
                   documents=docs, relative=list(rel))


class TaskList(list):
    """A list of tasks that remembers the `ToolSource` of the file it was read from (``None`` for a
    file without a header); `save_tasks` writes it back as the header."""

    tool_source: ToolSource | None = None
    path: str | None = None  # the file it was read from


def tool_hashes(registry: "ToolRegistry") -> dict[str, str]:
    """``{tool name: short hash of its content}`` (name, description, schemas, effect, toolkit)."""
    out = {}
    for name, t in registry.tools.items():
        eff = t.effect
        blob = json.dumps([t.name, t.description, t.parameters, t.response,
                           None if eff is None else [eff.collection, eff.action, eff.id_param], t.domain],
                          sort_keys=True, ensure_ascii=True, default=str)
        out[name] = hashlib.blake2b(blob.encode(), digest_size=6).hexdigest()
    return out


def _relative(path: str, base: Path) -> str | None:
    try:
        return os.path.relpath(path, base)
    except ValueError:  # another drive (Windows)
        return None


def _registry_documents(registry: "ToolRegistry") -> list[dict[str, Any]]:
    """The decoded spec files the registry was read from, in load order (files that gave no tool
    are left out; the round trip below catches a registry that needs them)."""
    from toolenv.spec import ToolRegistry
    from toolenv.spec_checks import default_limits, read_spec_file

    files: list[str] = []
    for tk in registry.toolkits.values():
        for f in [tk.source, *(t.source for t in tk.tools)]:
            if f and f not in files:
                files.append(f)
    docs = []
    for f in files:
        if Path(f).suffix.lower() in (".yaml", ".yml"):  # OpenAPI / Swagger YAML, read as the loader does
            from toolenv.openapi import read_yaml_file

            doc, probs = read_yaml_file(f, default_limits())
        else:
            doc, probs = read_spec_file(f, default_limits())
        if probs:
            raise ValueError(f"cannot embed {f}: {probs[0][1]}")
        try:  # what the task file will hold, exactly (JSON, key order kept)
            doc = json.loads(json.dumps(doc, ensure_ascii=False, allow_nan=False))
        except (TypeError, ValueError) as e:
            raise ValueError(f"cannot embed {f}: not JSON data ({e})") from None
        docs.append({"label": Path(f).name, "doc": doc})  # the file name keeps the domain; not the folder
    try:
        back = ToolRegistry.from_documents([(d["doc"], d["label"]) for d in docs])
    except ValueError:
        back = None
    if back is None or back.fingerprint() != registry.fingerprint():
        raise ValueError("these specs cannot be embedded in the task file (their documents do not load back to the "
                         "same tools); record their paths instead (leave out the embedding)")
    return docs


def save_tasks(tasks: Iterable[Task], path: str | Path, tool_source: ToolSource | None = None) -> int:
    """Write tasks as JSON lines (atomically); returns the count. ``tool_source`` (default: the
    ``tool_source`` of a `TaskList` passed as ``tasks``) is written first, as the header line."""
    path = Path(path)
    if tool_source is None:
        tool_source = getattr(tasks, "tool_source", None)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    n = 0
    with tmp.open("w", encoding="utf-8") as f:
        if tool_source is not None:
            header = {HEADER_KEY: {"version": HEADER_VERSION, "tool_specs": tool_source.to_dict(path)}}
            # not sort_keys: the order of properties is part of a spec (and of its fingerprint)
            f.write(json.dumps(header, ensure_ascii=False) + "\n")
        for t in tasks:
            f.write(json.dumps(t.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
    tmp.replace(path)
    return n


def _header(obj: Any, where: str) -> ToolSource | None:
    """The `ToolSource` of a header object (None when the object is not a header)."""
    if not (isinstance(obj, dict) and HEADER_KEY in obj):
        return None
    h = obj[HEADER_KEY]
    if not isinstance(h, dict):
        raise ValueError(f"{where}: invalid task file header: {HEADER_KEY!r} must be an object")
    version = h.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError(f"{where}: invalid task file header: 'version' must be a positive integer")
    if version > HEADER_VERSION:
        raise ValueError(f"{where}: task file header version {version} is newer than this toolenv reads "
                         f"({HEADER_VERSION}); upgrade toolenv")
    return ToolSource.from_dict(h.get("tool_specs"), where)


def read_tool_source(path: str | Path) -> ToolSource | None:
    """The `ToolSource` recorded in a task file's header line (None: no header)."""
    path = Path(path)
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if line.strip():
                try:
                    obj = json.loads(line)
                except ValueError:
                    return None  # not a header; iter_tasks reports the line
                return _header(obj, f"{path}:{lineno}")
    return None


def iter_tasks(path: str | Path) -> Iterator[Task]:
    """Read tasks from a JSONL file (the header line, if any, is skipped: `read_tool_source`); a bad
    line raises ValueError naming file and line."""
    path = Path(path)
    with path.open(encoding="utf-8") as f:
        first = True
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                if isinstance(obj, dict) and HEADER_KEY in obj:
                    if not first:
                        raise ValueError("a task file header is only allowed on the first line")
                    _header(obj, f"{path}:{lineno}")
                    first = False
                    continue
                first = False
                yield Task.from_dict(obj)
            except (ValueError, KeyError, TypeError) as e:
                msg = str(e)
                raise ValueError(msg if msg.startswith(f"{path}:") else f"{path}:{lineno}: invalid task: {e}") from e


def load_tasks(path: str | Path) -> TaskList:
    """The tasks of a JSONL file, as a `TaskList` carrying the file's `ToolSource` (None without a header)."""
    out = TaskList(iter_tasks(path))
    out.tool_source = read_tool_source(path)
    out.path = str(path)
    return out


# ---- the tools of a task file -------------------------------------------------------------------
def task_registry(source: ToolSource | None, tool_specs: Any = None, *, limits: Any = None,
                  task_file: str | Path | None = None, option: str = "tool_specs") -> "ToolRegistry":
    """The registry the tasks run on.

    ``tool_specs`` given (paths, or a `ToolRegistry`): those specs, which must match the recorded
    fingerprint when there is one (else ValueError naming both). Not given: the recorded source
    (embedded documents; the bundled specs; the recorded paths, or the same paths relative to the
    task file's folder), checked against the fingerprint; no source: the bundled specs, as before.
    ``option`` names the argument in messages (``--tool-specs`` for the CLI)."""
    from toolenv.spec import ToolRegistry, load_registry

    label = str(task_file) if task_file is not None else "the tasks"
    if tool_specs is not None and not (isinstance(tool_specs, (list, tuple)) and not tool_specs):
        reg = tool_specs if isinstance(tool_specs, ToolRegistry) else load_registry(tool_specs, limits=limits)
        if source is not None and reg.fingerprint() != source.fingerprint:
            given = "the given registry" if isinstance(tool_specs, ToolRegistry) else _names(tool_specs)
            raise ValueError(f"{option} {given} (fingerprint {reg.fingerprint()[:12]}) do not match the tools "
                             f"{label} was made with ({source.describe()}, fingerprint {source.fingerprint[:12]}): "
                             f"{_difference(source, reg)}")
        return reg
    if source is None:
        return load_registry(None, limits=limits)
    if source.documents is not None:
        reg = ToolRegistry.from_documents([(d["doc"], d["label"]) for d in source.documents], limits=limits)
        what = "the spec documents embedded in the file"
    elif source.bundled:
        reg = load_registry(None, limits=limits)
        what = "the bundled specs (changed since)"
    else:
        reg = load_registry(_recorded_paths(source, task_file, label, option), limits=limits)
        what = f"{source.describe()} (changed since)"
    if reg.fingerprint() != source.fingerprint:
        raise ValueError(f"{label}: the tools in {what} do not match the recorded fingerprint "
                         f"({reg.fingerprint()[:12]} != {source.fingerprint[:12]}; {_difference(source, reg)}); "
                         f"re-synthesize the tasks, or pass the original specs with {option}")
    return reg


def _names(tool_specs: Any) -> str:
    if isinstance(tool_specs, (str, Path)):
        return str(tool_specs)
    return ", ".join(str(p) for p in tool_specs)


def _recorded_paths(source: ToolSource, task_file: str | Path | None, label: str, option: str) -> list[str]:
    """The recorded spec paths where they exist, else the same paths relative to the task file."""
    out = []
    base = Path(task_file).absolute().parent if task_file is not None else None
    for i, p in enumerate(source.paths):
        rel = source.relative[i] if i < len(source.relative) else None
        if os.path.exists(p):
            out.append(p)
        elif base is not None and rel is not None and (base / rel).exists():
            out.append(str(base / rel))
        else:
            near = f" nor at {base / rel}" if base is not None and rel is not None else ""
            raise ValueError(f"{label} was made with the tool specs at {p}, which is not there{near}; "
                             f"pass the specs with {option}")
    return out


def _difference(source: ToolSource, reg: "ToolRegistry") -> str:
    """Which tools differ between a recorded source and a registry, in words."""
    now = tool_hashes(reg)
    missing = [n for n in source.tools if n not in now]
    extra = [n for n in now if n not in source.tools]
    changed = [n for n in source.tools if n in now and now[n] != source.tools[n]]
    parts = []
    for what, names in (("missing", missing), ("not recorded", extra), ("changed", changed)):
        if names:
            parts.append(f"{what}: {', '.join(names[:6])}" + (f" and {len(names) - 6} more" if len(names) > 6 else ""))
    return "; ".join(parts) or "the same tools, with other differences (collections, toolkits or their order)"
