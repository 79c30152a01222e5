"""GorillaFileSystem: an in-memory file tree (from ``multi_turn_func_doc/gorilla_file_system.json``).

State compared by the scorer: ``root`` (names and contents, recursively). The current directory
is private (``_current_dir``), so two runs that end in different directories with the same tree
have the same state.
"""

from __future__ import annotations

from typing import Any, Optional, Union

from toolenv.suites.bfcl.backends.base import Backend


class File:
    def __init__(self, name: str = "", content: str = "") -> None:
        self.name = name
        self.content = content

    def __eq__(self, other: object) -> bool:
        return isinstance(other, File) and self.name == other.name and self.content == other.content

    def __repr__(self) -> str:
        return f"<File: {self.name}, Content: {self.content}>"

    def _copy(self) -> "File":
        return File(self.name, self.content)


class Directory:
    def __init__(self, name: str, parent: Optional["Directory"] = None) -> None:
        self.name = name
        self._parent = parent
        self.contents: dict[str, Union[File, "Directory"]] = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Directory) and self.name == other.name and self.contents == other.contents

    def __repr__(self) -> str:
        return f"<Directory: {self.name}, Contents: {list(self.contents.keys())}>"

    def _copy(self, parent: Optional["Directory"] = None, name: str | None = None) -> "Directory":
        d = Directory(self.name if name is None else name, parent)
        for k, v in self.contents.items():
            d.contents[k] = v._copy(d) if isinstance(v, Directory) else v._copy()
        return d

    def _size(self) -> int:
        return sum(c._size() if isinstance(c, Directory) else len(c.content.encode("utf-8")) for c in self.contents.values())


def _human(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} TB"


class GorillaFileSystem(Backend):
    def __init__(self) -> None:
        super().__init__()
        self.root = Directory("/", None)
        self._current_dir = self.root

    def _load_scenario(self, scenario: dict[str, Any], long_context: bool = False) -> None:
        self.root = Directory("/", None)
        tree = scenario.get("root")
        if isinstance(tree, dict) and tree:
            name = next(iter(tree))
            self.root = Directory(name, None)
            self._load_dir(tree[name].get("contents", {}), self.root)
        self._current_dir = self.root

    def _load_dir(self, contents: dict[str, Any], into: Directory) -> None:
        for name, node in contents.items():
            if node.get("type") == "directory":
                d = Directory(name, into)
                self._load_dir(node.get("contents", {}), d)
                into.contents[name] = d
            else:
                into.contents[name] = File(name, node.get("content", ""))

    # ------------------------------------------------------------------ helpers
    def _path_of(self, d: Directory) -> str:
        parts = []
        while d is not None:
            parts.append(d.name)
            d = d._parent
        parts.reverse()
        return "/" + "/".join(p for p in parts if p != "/")

    def _resolve_dir(self, path: str) -> Directory | None:
        """A directory path relative to the current one ("..", ".", "a/b") or absolute ("/root/a")."""
        if path.startswith("/"):
            cur = self.root
            parts = [p for p in path.split("/") if p]
            if parts and parts[0] == self.root.name:
                parts = parts[1:]
        else:
            cur = self._current_dir
            parts = [p for p in path.split("/") if p]
        for p in parts:
            if p == ".":
                continue
            if p == "..":
                if cur._parent is None:
                    return None
                cur = cur._parent
                continue
            nxt = cur.contents.get(p)
            if not isinstance(nxt, Directory):
                return None
            cur = nxt
        return cur

    # ------------------------------------------------------------------ tools
    def pwd(self) -> dict[str, str]:
        return {"current_working_directory": self._path_of(self._current_dir)}

    def ls(self, a: bool = False) -> dict[str, Any]:
        names = [n for n in self._current_dir.contents if a or not n.startswith(".")]
        return {"current_directory_content": names}

    def cd(self, folder: str) -> dict[str, Any]:
        if not isinstance(folder, str):
            return {"error": f"cd: {folder}: No such file or directory"}
        if folder == ".." and self._current_dir._parent is None:
            return {"error": "cd: ..: Current directory is already the root. Cannot go back."}
        target = self._resolve_dir(folder)
        if target is None:
            return {"error": f"cd: {folder}: No such file or directory"}
        self._current_dir = target
        return {"current_working_directory": target.name}

    def mkdir(self, dir_name: str) -> Optional[dict[str, str]]:
        if not isinstance(dir_name, str) or not dir_name or "/" in dir_name:
            return {"error": f"mkdir: cannot create directory '{dir_name}': Invalid directory name"}
        if dir_name in self._current_dir.contents:
            return {"error": f"mkdir: cannot create directory '{dir_name}': File exists"}
        self._current_dir.contents[dir_name] = Directory(dir_name, self._current_dir)
        return None

    def touch(self, file_name: str) -> Optional[dict[str, str]]:
        if not isinstance(file_name, str) or not file_name or "/" in file_name:
            return {"error": f"touch: cannot touch '{file_name}': Invalid character"}
        if file_name in self._current_dir.contents:
            return {"error": f"touch: cannot touch '{file_name}': File exists"}
        self._current_dir.contents[file_name] = File(file_name)
        return None

    def echo(self, content: str, file_name: Optional[str] = None) -> dict[str, Any]:
        if file_name is None:
            return {"terminal_output": content}
        if not isinstance(file_name, str) or not file_name or "/" in file_name:
            return {"error": f"echo: cannot write to '{file_name}': Invalid character"}
        node = self._current_dir.contents.get(file_name)
        if isinstance(node, Directory):
            return {"error": f"echo: {file_name}: Is a directory"}
        if node is None:
            self._current_dir.contents[file_name] = File(file_name, str(content))
        else:
            node.content = str(content)
        return {"terminal_output": None}

    def _file(self, file_name: Any, cmd: str) -> File | dict[str, str]:
        node = self._current_dir.contents.get(file_name) if isinstance(file_name, str) else None
        if isinstance(node, File):
            return node
        if isinstance(node, Directory):
            return {"error": f"{cmd}: {file_name}: Is a directory"}
        return {"error": f"{cmd}: {file_name}: No such file or directory"}

    def cat(self, file_name: str) -> dict[str, Any]:
        f = self._file(file_name, "cat")
        return f if isinstance(f, dict) else {"file_content": f.content}

    def find(self, path: str = ".", name: Optional[str] = None) -> dict[str, Any]:
        start = self._resolve_dir(path) if isinstance(path, str) else None
        if start is None:
            return {"error": f"find: '{path}': No such file or directory"}
        matches: list[str] = []

        def walk(d: Directory, prefix: str) -> None:
            for n, node in d.contents.items():
                p = f"{prefix}/{n}"
                if name is None or (isinstance(name, str) and name in n):
                    matches.append(p)
                if isinstance(node, Directory):
                    walk(node, p)

        walk(start, path.rstrip("/") or "/")
        return {"matches": matches}

    def wc(self, file_name: str, mode: str = "l") -> dict[str, Any]:
        f = self._file(file_name, "wc")
        if isinstance(f, dict):
            return f
        if mode == "l":
            return {"count": len(f.content.splitlines()), "type": "lines"}
        if mode == "w":
            return {"count": len(f.content.split()), "type": "words"}
        if mode == "c":
            return {"count": len(f.content), "type": "characters"}
        return {"error": f"wc: invalid mode '{mode}'"}

    def sort(self, file_name: str) -> dict[str, Any]:
        f = self._file(file_name, "sort")
        if isinstance(f, dict):
            return f
        return {"sorted_content": "\n".join(sorted(f.content.splitlines()))}

    def grep(self, file_name: str, pattern: str) -> dict[str, Any]:
        f = self._file(file_name, "grep")
        if isinstance(f, dict):
            return f
        if not isinstance(pattern, str):
            return {"error": "grep: pattern must be a string"}
        return {"matching_lines": [line for line in f.content.splitlines() if pattern in line]}

    def du(self, human_readable: bool = False) -> dict[str, Any]:
        size = self._current_dir._size()
        return {"disk_usage": _human(size) if human_readable else f"{size} bytes"}

    def tail(self, file_name: str, lines: int = 10) -> dict[str, Any]:
        f = self._file(file_name, "tail")
        if isinstance(f, dict):
            return f
        if not isinstance(lines, int) or isinstance(lines, bool) or lines < 0:
            return {"error": f"tail: invalid number of lines: '{lines}'"}
        all_lines = f.content.splitlines()
        return {"last_lines": "\n".join(all_lines[-lines:] if lines else [])}

    def _move_or_copy(self, source: Any, destination: Any, cmd: str, keep: bool) -> dict[str, str]:
        cur = self._current_dir
        if not isinstance(source, str) or source not in cur.contents:
            return {"error": f"{cmd}: cannot {'copy' if keep else 'move'} '{source}': No such file or directory"}
        if not isinstance(destination, str) or not destination:
            return {"error": f"{cmd}: invalid destination '{destination}'"}
        node = cur.contents[source]
        target = cur.contents.get(destination)
        if "/" in destination and target is None:
            target = self._resolve_dir(destination)
            if target is None:
                return {"error": f"{cmd}: no path allowed in destination. Only file name and folder name is supported for this operation."}
        if isinstance(target, Directory):
            if target is node:
                return {"error": f"{cmd}: cannot {'copy' if keep else 'move'} '{source}' into itself"}
            if source in target.contents:
                return {"error": f"{cmd}: cannot overwrite '{source}' in '{destination}': File exists"}
            new = node._copy(target) if isinstance(node, Directory) else node._copy()
            target.contents[source] = new
        else:
            if target is not None:
                return {"error": f"{cmd}: cannot overwrite '{destination}': File exists"}
            if isinstance(node, Directory):
                new = node._copy(cur, destination)
            else:
                new = File(destination, node.content)
            cur.contents[destination] = new
        if not keep:
            del cur.contents[source]
        verb = "copied" if keep else "moved"
        return {"result": f"'{source}' {verb} to '{destination}'"}

    def mv(self, source: str, destination: str) -> dict[str, str]:
        return self._move_or_copy(source, destination, "mv", keep=False)

    def cp(self, source: str, destination: str) -> dict[str, str]:
        return self._move_or_copy(source, destination, "cp", keep=True)

    def rm(self, file_name: str) -> dict[str, str]:
        if not isinstance(file_name, str) or file_name not in self._current_dir.contents:
            return {"error": f"rm: cannot remove '{file_name}': No such file or directory"}
        del self._current_dir.contents[file_name]
        return {"result": f"'{file_name}' removed"}

    def rmdir(self, dir_name: str) -> dict[str, str]:
        node = self._current_dir.contents.get(dir_name) if isinstance(dir_name, str) else None
        if not isinstance(node, Directory):
            return {"error": f"rmdir: failed to remove '{dir_name}': No such directory"}
        if node.contents:
            return {"error": f"rmdir: failed to remove '{dir_name}': Directory not empty"}
        del self._current_dir.contents[dir_name]
        return {"result": f"'{dir_name}' removed"}

    def diff(self, file_name1: str, file_name2: str) -> dict[str, Any]:
        f1 = self._file(file_name1, "diff")
        if isinstance(f1, dict):
            return f1
        f2 = self._file(file_name2, "diff")
        if isinstance(f2, dict):
            return f2
        l1, l2 = f1.content.splitlines(), f2.content.splitlines()
        out = []
        for i in range(max(len(l1), len(l2))):
            a = l1[i] if i < len(l1) else None
            b = l2[i] if i < len(l2) else None
            if a == b:
                continue
            if a is not None and b is not None:
                out.append(f"- {a}\n+ {b}")
            elif a is not None:
                out.append(f"- {a}")
            else:
                out.append(f"+ {b}")
        return {"diff_lines": "\n".join(out)}
