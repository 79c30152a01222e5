"""Run-directory helpers: atomic writes, completion markers, metrics lines.

A stage writes into ``<stage>.tmp-<pid>/`` and renames it to ``<stage>/`` only when complete, then
writes ``<stage>/DONE`` (JSON with what it produced). A stage is finished iff its DONE marker exists;
a leftover temp folder from a killed run is deleted on the next run, so no half-written
checkpoint is ever loaded.

Integrity: the DONE marker also lists every file the stage wrote with its size and BLAKE2b hash
(``"files": {"model.safetensors": {"size": ..., "blake2b": ...}}``). `is_done` checks them (sizes
always, hashes once per process and again whenever a file's size or mtime changes): a missing,
truncated, changed or unreadable file — or an unreadable DONE marker — makes the stage unfinished,
so it is redone, after one line on stderr naming the file. Markers written before this check (no
``"files"``) are trusted as before. `read_json` names the file of truncated or invalid JSON.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

MARKER = "DONE"
HASH = "blake2b"


class CorruptFileError(ValueError):
    """A file of a run directory or checkpoint is truncated, changed, unreadable or holds bad values;
    ``path`` names it and the message says what is wrong."""

    def __init__(self, path: str | Path, problem: str):
        self.path = Path(path)
        super().__init__(f"{path}: {problem}")


def read_json(path: str | Path) -> Any:
    """``json.loads`` of a file; truncated or invalid JSON raises `CorruptFileError` naming it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise CorruptFileError(path, f"not UTF-8 text ({e.reason} at byte {e.start})") from None
    try:
        return json.loads(text)
    except ValueError as e:
        raise CorruptFileError(path, f"truncated or invalid JSON ({e})") from None


def file_digest(path: str | Path) -> str:
    """BLAKE2b (16-byte digest) of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def atomic_write_text(path: str | Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with tmp.open("w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def atomic_write_json(path: str | Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            out.append(json.loads(line))
        except ValueError:
            continue  # a torn last line from a kill
    return out


def is_done(stage_dir: str | Path) -> bool:
    """The stage finished and every file it wrote is still as it was (see the module docstring).
    A stage that fails the check is reported once on stderr and counts as unfinished (redone)."""
    d = Path(stage_dir)
    if not (d / MARKER).exists():
        return False
    problem = verify_stage(d)
    if problem is None:
        return True
    if (str(d), problem) not in _WARNED and int(os.environ.get("RANK", "0")) == 0:
        _WARNED.add((str(d), problem))
        print(f"[run integrity] {problem}; redoing the stage {d}", file=sys.stderr, flush=True)
    return False


def read_done(stage_dir: str | Path) -> dict[str, Any]:
    return read_json(Path(stage_dir) / MARKER)


def verify_stage(stage_dir: str | Path) -> str | None:
    """None if the finished stage's files match its DONE marker, else one line naming the first
    file that does not (missing, truncated or grown, changed, unreadable) or the bad marker."""
    d = Path(stage_dir)
    marker = d / MARKER
    try:
        info = read_done(d)
        mst = marker.stat()
    except (CorruptFileError, OSError) as e:
        return f"{marker}: unreadable stage marker ({e})"
    files = info.get("files") if isinstance(info, dict) else None
    if files is None:
        return None  # a marker written before the file list existed
    if not isinstance(files, dict):
        return f"{marker}: malformed file list"
    key = str(d.resolve())
    cached = _VERIFIED.get(key)
    known = cached[1] if cached is not None and cached[0] == (mst.st_size, mst.st_mtime_ns) else {}
    seen: dict[str, tuple[int, int]] = {}
    for rel, meta in files.items():
        p = d / rel
        try:
            st = p.stat()
        except FileNotFoundError:
            return f"{p}: missing (listed in {marker})"
        except OSError as e:
            return f"{p}: unreadable ({e.strerror or e})"
        if not isinstance(meta, dict) or not isinstance(meta.get("size"), int):
            return f"{marker}: malformed entry for {rel}"
        size = meta["size"]
        if st.st_size != size:
            how = "truncated" if st.st_size < size else "grown"
            return f"{p}: {how}, {st.st_size} bytes where the finished stage wrote {size}"
        stamp = (st.st_size, st.st_mtime_ns)
        if known.get(rel) != stamp:
            try:
                digest = file_digest(p)
            except OSError as e:
                return f"{p}: unreadable ({e.strerror or e})"
            if digest != meta.get(HASH):
                return f"{p}: changed since the stage finished ({HASH} hash differs)"
        seen[rel] = stamp
    _VERIFIED[key] = ((mst.st_size, mst.st_mtime_ns), seen)
    return None


def stage_files(folder: str | Path) -> dict[str, dict[str, Any]]:
    """``{relative path: {"size", "blake2b"}}`` of every file under ``folder`` (not its DONE marker,
    nor folders holding their own marker)."""
    root = Path(folder)
    out: dict[str, dict[str, Any]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(n for n in dirnames if not (here / n / MARKER).exists())
        for name in sorted(filenames):
            p = here / name
            if here == root and name == MARKER:
                continue
            out[p.relative_to(root).as_posix()] = {"size": p.stat().st_size, HASH: file_digest(p)}
    return out


def _remember(stage_dir: Path, files: dict[str, dict[str, Any]]) -> None:
    """Mark a just-written stage verified in this process (its files were hashed a moment ago)."""
    try:
        mst = (stage_dir / MARKER).stat()
        stamps = {}
        for rel, meta in files.items():
            st = (stage_dir / rel).stat()
            if st.st_size == meta["size"]:
                stamps[rel] = (st.st_size, st.st_mtime_ns)
    except OSError:
        return
    _VERIFIED[str(stage_dir.resolve())] = ((mst.st_size, mst.st_mtime_ns), stamps)


_VERIFIED: dict[str, tuple[tuple[int, int], dict[str, tuple[int, int]]]] = {}
_WARNED: set[tuple[str, str]] = set()


class StageDir:
    """Context manager: yields a temp folder; on success renames it into place and marks it done.

        with StageDir(run / "sft") as tmp:
            trainer.save_model(tmp)
            stage.info["steps"] = 120
    """

    def __init__(self, final: str | Path):
        self.final = Path(final)
        self.tmp = self.final.with_name(f"{self.final.name}.tmp-{os.getpid()}")
        self.info: dict[str, Any] = {}

    def __enter__(self) -> Path:
        clean_partial(self.final)
        if self.final.exists():  # present but unmarked: an interrupted older layout
            shutil.rmtree(self.final)
        self.tmp.mkdir(parents=True)
        (self.tmp / OWNER).write_text(f"{os.getpid()} {_process_start(os.getpid())}\n")
        self._t0 = time.time()
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return False
        self.info.setdefault("seconds", round(time.time() - self._t0, 2))
        self.info.setdefault("finished_at", time.strftime("%Y-%m-%dT%H:%M:%S"))
        (self.tmp / OWNER).unlink(missing_ok=True)
        self.info["files"] = stage_files(self.tmp)
        atomic_write_json(self.tmp / MARKER, self.info)
        os.replace(self.tmp, self.final)
        _remember(self.final, self.info["files"])
        return False


def clean_partial(final: str | Path) -> None:
    """Delete temp folders of a stage left by killed runs, and an unmarked final folder. A temp
    folder whose process is still running on this machine is left alone (another run on the same
    directory is writing it)."""
    final = Path(final)
    parent = final.parent
    if parent.exists():
        for p in parent.glob(f"{final.name}.tmp-*"):
            if not _owner_running(p):
                shutil.rmtree(p, ignore_errors=True)
    if final.exists() and not is_done(final):
        shutil.rmtree(final, ignore_errors=True)


OWNER = ".stage-owner"  # in a temp folder while its stage runs: "<pid> <process start time>"


def _process_start(pid: int) -> str:
    """The process's start time (Linux /proc; "" elsewhere): a pid reused later does not match."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _owner_running(tmp: Path) -> bool:
    """Whether the process that created this stage temp folder still runs (on this machine)."""
    try:
        pid_text, _, start = (tmp / OWNER).read_text().strip().partition(" ")
        pid = int(pid_text)
    except (OSError, ValueError):
        return False  # no owner file: left by a killed run (or written before owner files)
    if pid == os.getpid():
        return False  # our own leftover (a failed earlier attempt of this process)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    except OSError:
        return False
    return _process_start(pid) == start
