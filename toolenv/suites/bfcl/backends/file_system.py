"""GorillaFileSystem: an in-memory file tree (from ``multi_turn_func_doc/gorilla_file_system.json``).

State compared by the scorer: ``root`` (names and contents, recursively; a directory's ``parent``
back-link is public but left out of ``==``) and the ``long_context`` flag. The current directory is
private (``_current_dir``).

It behaves like the official backend in every result and state effect, quirks included:

* arguments are not type-checked: a wrong type fails with Python's own message where the official
  code fails (``'int' object has no attribute 'rstrip'``, ``argument of type 'int' is not
  iterable``, ``unhashable type: 'list'``, ...), and ``echo`` stores any content as it is;
* ``pwd`` includes the root's name (``/workspace/docs``; the nameless default root gives ``//``);
* ``cd`` takes one level (``..``, ``.``, ``/`` or a child name; a trailing ``/`` is dropped) and
  answers ``{}`` after ``..``; ``find`` takes a path from the current directory (``/x`` from the
  root, whose own name is not part of it; no ``..``);
* the name ``.`` stands for the current directory when an item of that name exists;
* ``cp`` of a directory shares the copied children with the original (a shallow copy: writing a
  file in one writes it in both, and the children's ``parent`` still is the original); ``mv`` of a
  directory re-parents only the directory itself; ``cp d d`` nests ``d`` in itself (a cycle);
* ``cp`` into a directory that already holds the name raises ``File 'x' already exists in
  directory 'd'.`` (its own "File exists" check looks for ``d/x``, which never matches);
* ``tail`` with ``lines=0`` gives the whole file, with a negative count all but the first lines;
* ``diff`` compares line pairs only up to the shorter file;
* long-context mode: every loaded file not in ``FILES_TAIL_USED`` gets ``FILE_CONTENT_EXTENSION``
  appended, and every loaded directory without sub-directories gets the empty files
  ``POPULATE_FILE_EXTENSION``.
"""

from __future__ import annotations

from typing import Any, Optional, Union

from toolenv.suites.bfcl.backends.base import Backend, long_context_data

#: characters a name given to mkdir/touch/echo/cat may not contain
_FORBIDDEN = '|/\\?%*:"><'


class File:
    """A file: its name and content (any value ``echo`` stored)."""

    def __init__(self, name: Any, content: Any = "") -> None:
        self.name = name
        self.content = content

    def __eq__(self, other: object) -> bool:
        return isinstance(other, File) and self.name == other.name and self.content == other.content

    def __repr__(self) -> str:
        return f"<<File: {self.name}, Content: {self.content}>>"

    def _read(self) -> Any:
        return self.content


class Directory:
    """A directory: name, ``parent`` back-link (``None`` for a root) and ``contents`` by name."""

    def __init__(self, name: Any, parent: Optional["Directory"] = None) -> None:
        self.name = name
        self.parent = parent
        self.contents: dict[Any, Union[File, "Directory"]] = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Directory) and self.name == other.name and self.contents == other.contents

    def __repr__(self) -> str:
        parent = self.parent.name if self.parent else None
        return f"<Directory: {self.name}, Parent: {parent}, Contents: {self.contents}>"

    def _get_item(self, name: Any) -> Union[File, "Directory", None]:
        """The item called ``name``; ``.`` is this directory itself."""
        if name == ".":
            return self
        return self.contents.get(name)

    def _add_file(self, name: Any, content: Any = "") -> None:
        if name in self.contents:
            raise ValueError(f"File '{name}' already exists in directory '{self.name}'.")
        self.contents[name] = File(name, content)

    def _add_directory(self, name: Any) -> "Directory":
        if name in self.contents:
            raise ValueError(f"Directory '{name}' already exists in directory '{self.name}'.")
        new = Directory(name, self)
        self.contents[name] = new
        return new


def _valid_name(name: Any) -> bool:
    """False when ``name`` has a forbidden character (a non-iterable ``name`` raises TypeError)."""
    return not any(c in name for c in _FORBIDDEN)


def _tree_size(item: Any) -> int:
    if isinstance(item, File):
        return len(item._read().encode("utf-8"))
    if isinstance(item, Directory):
        return sum(_tree_size(child) for child in item.contents.values())
    return 0


class GorillaFileSystem(Backend):
    def __init__(self) -> None:
        super().__init__()
        self.root = Directory("/", None)
        self.long_context = False
        self._current_dir = self.root

    def _load_scenario(self, scenario: dict[str, Any], long_context: bool = False) -> None:
        self.long_context = long_context
        self.root = Directory("/", None)
        if "root" in scenario:
            name = list(scenario["root"].keys())[0]
            self.root = Directory(name, None)
            self._load_dir(scenario["root"][name]["contents"], self.root)
        self._current_dir = self.root

    def _load_dir(self, contents: dict[str, Any], into: Directory) -> None:
        tail_used = long_context_data("FILES_TAIL_USED") if self.long_context else []
        has_subdir = False
        for name, node in contents.items():
            if node["type"] == "directory":
                has_subdir = True
                sub = Directory(name, into)
                self._load_dir(node["contents"], sub)
                into.contents[name] = sub
            elif node["type"] == "file":
                content = node["content"]
                if self.long_context and name not in tail_used:
                    content += long_context_data("FILE_CONTENT_EXTENSION")
                into.contents[name] = File(name, content)
        if self.long_context and not has_subdir:
            for name in long_context_data("POPULATE_FILE_EXTENSION"):
                into._add_file(name)

    # ------------------------------------------------------------------ helpers
    def _navigate(self, path: Any) -> Directory | None:
        """The directory at ``path`` (``None``/``.``: current; ``/``: root; ``a/b`` from the current
        directory, ``/a/b`` from the root), or None when a part is not a directory."""
        if path is None or path == ".":
            return self._current_dir
        if path == "/":
            return self.root
        parts = path.strip("/").split("/")
        node = self.root if path.startswith("/") else self._current_dir
        for part in parts:
            node = node._get_item(part)
            if not isinstance(node, Directory):
                return None
        return node

    def _local_file(self, name: Any) -> File | None:
        """The file ``name`` of the current directory (an unhashable name raises TypeError)."""
        if name in self._current_dir.contents:
            item = self._current_dir._get_item(name)
            if isinstance(item, File):
                return item
        return None

    # ------------------------------------------------------------------ tools
    def pwd(self) -> dict[str, str]:
        names = []
        node = self._current_dir
        while node is not None:
            names.append(node.name)
            node = node.parent
        return {"current_working_directory": "/" + "/".join(reversed(names))}

    def ls(self, a: bool = False) -> dict[str, Any]:
        names = list(self._current_dir.contents)
        if not a:
            names = [n for n in names if not n.startswith(".")]
        return {"current_directory_content": names}

    def cd(self, folder: str) -> dict[str, Any]:
        folder = folder.rstrip("/") or "/"
        if folder not in (".", "..", "/") and "/" in folder:
            return {"error": f"cd: {folder}: Unsupported path. Only one folder level at a time is supported."}
        if folder == "..":
            cur = self._current_dir
            if cur.parent:
                self._current_dir = cur.parent
                return {}
            if self.root == cur:
                return {"error": "Current directory is already the root. Cannot go back."}
            return {"error": "cd: ..: No such directory"}
        target = self._navigate(folder)
        if target is None:
            return {"error": f"cd: '{folder}': No such file or directory"}
        self._current_dir = target
        return {"current_working_directory": target.name}

    def mkdir(self, dir_name: str) -> Optional[dict[str, str]]:
        if not _valid_name(dir_name):
            return {"error": f"mkdir: cannot create directory '{dir_name}': Invalid character"}
        if dir_name in self._current_dir.contents:
            return {"error": f"mkdir: cannot create directory '{dir_name}': File exists"}
        self._current_dir._add_directory(dir_name)
        return None

    def touch(self, file_name: str) -> Optional[dict[str, str]]:
        if not _valid_name(file_name):
            return {"error": f"touch: cannot touch '{file_name}': Invalid character"}
        if file_name in self._current_dir.contents:
            return {"error": f"touch: cannot touch '{file_name}': File exists"}
        self._current_dir._add_file(file_name)
        return None

    def echo(self, content: str, file_name: Optional[str] = None) -> Optional[dict[str, Any]]:
        if file_name is None:
            return {"terminal_output": content}
        if not _valid_name(file_name):
            return {"error": f"echo: cannot write to '{file_name}': Invalid character"}
        if not file_name:
            return {"terminal_output": content}
        if file_name not in self._current_dir.contents:
            return {"error": f"echo: cannot write to '{file_name}': No such file"}
        item = self._current_dir._get_item(file_name)
        if not isinstance(item, File):
            raise AttributeError(f"'{type(item).__name__}' object has no attribute '_write'")
        item.content = content
        return None

    def cat(self, file_name: str) -> dict[str, Any]:
        if not _valid_name(file_name):
            return {"error": f"cat: '{file_name}': Invalid character"}
        if file_name not in self._current_dir.contents:
            return {"error": f"cat: '{file_name}': No such file or directory"}
        item = self._current_dir._get_item(file_name)
        if isinstance(item, File):
            return {"file_content": item.content}
        return {"error": f"cat: '{file_name}': Is a directory"}

    def find(self, path: str = ".", name: Optional[str] = None) -> dict[str, Any]:
        start = self._navigate(path)
        if start is None:
            return {"error": f"find: '{path}': No such file or directory"}
        matches: list[str] = []

        def walk(directory: Directory, prefix: str) -> None:
            for item_name, item in directory.contents.items():
                item_path = f"{prefix}/{item_name}"
                if name is None or name in item_name:
                    matches.append(item_path)
                if isinstance(item, Directory):
                    walk(item, item_path)

        walk(start, path.rstrip("/"))
        return {"matches": matches}

    def wc(self, file_name: str, mode: str = "l") -> dict[str, Any]:
        if mode not in ["l", "w", "c"]:
            return {"error": f"wc: invalid mode '{mode}'"}
        f = self._local_file(file_name)
        if f is None:
            return {"error": f"wc: {file_name}: No such file or directory"}
        if mode == "l":
            return {"count": len(f.content.splitlines()), "type": "lines"}
        if mode == "w":
            return {"count": len(f.content.split()), "type": "words"}
        return {"count": len(f.content), "type": "characters"}

    def sort(self, file_name: str) -> dict[str, Any]:
        f = self._local_file(file_name)
        if f is None:
            return {"error": f"sort: {file_name}: No such file or directory"}
        return {"sorted_content": "\n".join(sorted(f.content.splitlines()))}

    def grep(self, file_name: str, pattern: str) -> dict[str, Any]:
        f = self._local_file(file_name)
        if f is None:
            return {"error": f"grep: {file_name}: No such file or directory"}
        return {"matching_lines": [line for line in f.content.splitlines() if pattern in line]}

    def du(self, human_readable: bool = False) -> dict[str, str]:
        size: float = _tree_size(self._current_dir)
        if not human_readable:
            return {"disk_usage": f"{size} bytes"}
        for unit in ("B", "KB", "MB", "GB", "TB"):
            if size < 1024:
                return {"disk_usage": f"{size:.2f} {unit}"}
            size /= 1024
        return {"disk_usage": f"{size:.2f} PB"}

    def tail(self, file_name: str, lines: int = 10) -> dict[str, Any]:
        f = self._local_file(file_name)
        if f is None:
            return {"error": f"tail: {file_name}: No such file or directory"}
        all_lines = f.content.splitlines()
        if lines > len(all_lines):
            lines = len(all_lines)
        return {"last_lines": "\n".join(all_lines[-lines:])}

    def diff(self, file_name1: str, file_name2: str) -> dict[str, Any]:
        contents = self._current_dir.contents
        if file_name1 in contents and file_name2 in contents:
            f1 = self._current_dir._get_item(file_name1)
            f2 = self._current_dir._get_item(file_name2)
            if isinstance(f1, File) and isinstance(f2, File):
                pairs = zip(f1.content.splitlines(), f2.content.splitlines())
                return {"diff_lines": "\n".join(f"- {a}\n+ {b}" for a, b in pairs if a != b)}
        return {"error": f"diff: {file_name1} or {file_name2}: No such file or directory"}

    def _transfer(self, source: Any, destination: Any, cmd: str, verb: str, keep: bool) -> dict[str, str]:
        """mv (``keep=False``) and cp: into an existing directory ``destination``, or under the new
        name ``destination``."""
        cur = self._current_dir
        if source not in cur.contents:
            return {"error": f"{cmd}: cannot {verb} '{source}': No such file or directory"}
        item = cur._get_item(source)
        if "/" in destination:
            return {"error": f"{cmd}: path not allowed in destination. Provide only a file or directory name."}
        if destination in cur.contents:
            target = cur._get_item(destination)
            if not isinstance(target, Directory):
                return {"error": f"{cmd}: cannot {verb} '{source}' to '{destination}': Not a directory"}
            # mv refuses when the name is taken; cp looks for "destination/source", never present
            taken = source if not keep else f"{destination}/{source}"
            if taken in target.contents:
                return {"error": f"{cmd}: cannot {verb} '{source}' to '{destination}/{source}': File exists"}
            into, new_name, shown = target, source, f"{destination}/{source}"
        else:
            into, new_name, shown = cur, destination, destination
        if not keep:
            cur.contents.pop(source)
        if isinstance(item, File):
            into._add_file(new_name, item.content)
        else:
            new = into._add_directory(new_name)
            new.contents = item.contents.copy() if keep else item.contents
        return {"result": f"'{source}' {'copied' if keep else 'moved'} to '{shown}'"}

    def mv(self, source: str, destination: str) -> dict[str, str]:
        return self._transfer(source, destination, "mv", "move", keep=False)

    def cp(self, source: str, destination: str) -> dict[str, str]:
        return self._transfer(source, destination, "cp", "copy", keep=True)

    def rm(self, file_name: str) -> dict[str, str]:
        if file_name not in self._current_dir.contents:
            return {"error": f"rm: cannot remove '{file_name}': No such file or directory"}
        self._current_dir.contents.pop(file_name)
        return {"result": f"'{file_name}' removed"}

    def rmdir(self, dir_name: str) -> dict[str, str]:
        if dir_name not in self._current_dir.contents:
            return {"error": f"rmdir: cannot remove '{dir_name}': No such file or directory"}
        item = self._current_dir._get_item(dir_name)
        if not isinstance(item, Directory):
            return {"error": f"rmdir: cannot remove '{dir_name}': Not a directory"}
        if item.contents:
            return {"error": f"rmdir: cannot remove '{dir_name}': Directory not empty"}
        self._current_dir.contents.pop(dir_name)
        return {"result": f"'{dir_name}' removed"}
