"""Where the generating stages run: in this process, or dealt out to Ray worker actors.

The generating stages — deficiency rollouts, the search, evaluation and the BFCL suites — hand
their work to a `Generator` as a list of *units*: a chunk of episodes (``batch_size`` consecutive
episodes of the stage, played together through one batched agent) or one search tree. A unit's
result depends only on the unit (its tasks, seeds, the policy checkpoint and the config), and the
results are merged in unit order, so a stage gives the same rollouts, pairs and metrics whether
its units run here one after another (`LocalGenerator`, ``ray.num_workers: 0``) or on any number
of Ray workers (`RayGenerator`); tests/training/test_ray_workers.py checks both.

A Ray worker (`GenWorker`) holds a policy replica (reloaded only when the checkpoint changes) and
plays its units with its own envs. Checkpoints and task files reach it by path (a local Ray, or a
run directory on storage every node mounts) or through Ray's object store (the driver puts the
files once; each worker unpacks them into a local cache): ``ray.checkpoint``.

Faults: a worker that dies in the middle of a unit (killed, out of memory, its node lost) is
replaced by a fresh actor and the unit is redone there, up to ``ray.max_worker_restarts`` times
per unit. Results are kept by unit index, so no unit is lost or counted twice. A run killed as a
whole resumes from its last finished stage, as always (`training.run`).

Ray is joined at ``ray.address`` or ``$RAY_ADDRESS`` (a cluster), else started locally with
``num_workers x cpus_per_worker`` CPUs; only the main process of a run talks to Ray.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections import deque
from pathlib import Path
from typing import Any, Sequence

# env kwargs that name files the workers need (the task pool, spec files/folders, BFCL data)
FILE_KWARGS = ("tasks", "tool_specs", "data_dir")


def generator(cfg: Any) -> "Generator":
    """The generator a run config asks for: Ray workers when ``ray.num_workers > 0``, else this process."""
    return RayGenerator(cfg) if cfg.ray.num_workers > 0 else LocalGenerator(cfg)


def chunks(n: int, size: int) -> list[range]:
    """``range(n)`` cut into consecutive units of ``size`` (the last may be shorter)."""
    size = max(1, int(size))
    return [range(i, min(i + size, n)) for i in range(0, n, size)]


def policy_key(path: str | Path) -> str:
    """What identifies a checkpoint: its path and the time its stage finished (a retrained policy in
    the same folder gets a new key, so workers reload it)."""
    from training.io import is_done, read_done

    path = Path(path)
    done = read_done(path).get("finished_at", "") if is_done(path) else ""
    return hashlib.blake2b(f"{path.resolve()}|{done}".encode(), digest_size=10).hexdigest()


# ---------------------------------------------------------------------------------- the work itself
class Work:
    """Plays units with one policy replica; the same code in this process and in a Ray worker."""

    def __init__(self, cfg_dict: dict[str, Any], threads: int | None, cache_dir: str | None = None):
        from training.config import config_from_dict

        self.cfg = config_from_dict(cfg_dict)
        self.threads = threads
        self.cache = Path(cache_dir) if cache_dir else None
        self._key: str | None = None
        self._model: Any = None
        self._tok: Any = None

    # ----------------------------------------------------------------- files by path or object store
    def local(self, ship: Any) -> Any:
        """The local path of a shipped file or folder (`Generator.ship`); other values as they are."""
        if not isinstance(ship, dict) or "ship" not in ship:
            return ship
        if ship["blob"] is None:
            return ship["path"]
        import ray

        if self.cache is None:
            self.cache = Path(tempfile.mkdtemp(prefix="toolenv-worker-"))
        dest = self.cache / ship["key"] / Path(ship["path"]).name
        if not dest.exists():
            files: dict[str, bytes] = ray.get(ship["blob"][0])
            tmp = Path(tempfile.mkdtemp(dir=self.cache))
            root = tmp / dest.name
            for rel, data in files.items():
                p = root / rel if rel else root
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_bytes(data)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(root, dest)
            shutil.rmtree(tmp, ignore_errors=True)
        return str(dest)

    def policy(self, ship: dict[str, Any]) -> tuple[Any, Any]:
        if ship["key"] != self._key:
            from training.model import load_model, load_tokenizer

            path = self.local(ship)
            self._model, self._tok = load_model(path, self.cfg.model), load_tokenizer(path)
            self._model.eval()
            self._key = ship["key"]
        return self._model, self._tok

    def close(self) -> None:
        """Drop the policy replica and the cache of unpacked files."""
        self.release()
        if self.cache is not None:
            shutil.rmtree(self.cache, ignore_errors=True)

    def release(self) -> None:
        """Drop the policy replica (the next unit loads it again)."""
        self._key = self._model = self._tok = None
        import gc

        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:  # pragma: no cover - the train extra is installed wherever a policy runs
            pass

    def env_kwargs(self, kw: dict[str, Any]) -> dict[str, Any]:
        return {k: [self.local(x) for x in v] if isinstance(v, list) else self.local(v) for k, v in kw.items()}

    # ----------------------------------------------------------------- the two kinds of unit
    def run(self, policy: dict[str, Any], kind: str, unit: dict[str, Any]) -> list[dict[str, Any]]:
        from training.run import threads

        model, tok = self.policy(policy)
        with threads(self.threads):
            if kind == "rollouts":
                return self.rollouts(model, tok, **unit)
            if kind == "search":
                return self.search(model, tok, **unit)
        raise ValueError(f"unknown unit kind {kind!r}")

    def rollouts(self, model: Any, tok: Any, env_kwargs: dict[str, Any], task_indices: list[int], seeds: list[int],
                 max_new_tokens: int, gen_batch_size: int | None, trace: bool = False) -> list[dict[str, Any]]:
        """One greedy episode per (task index, seed), all played together (one batch)."""
        from toolenv.evaluation import rollout
        from training.evaluate import make_agent

        agent = make_agent(model, tok, max_new_tokens, gen_batch_size)
        return rollout(agent, self.env_kwargs(env_kwargs), task_indices, seeds, batch_size=len(task_indices),
                       trace=trace)

    def search(self, model: Any, tok: Any, env_kwargs: dict[str, Any], selected: list[dict[str, Any]],
               key_prefix: str) -> list[dict[str, Any]]:
        """One search tree per selected task (`training.search.search_trees`)."""
        import gymnasium as gym

        import toolenv  # noqa: F401
        from toolenv.tasks import load_tasks
        from training.policy import Policy
        from training.search import search_trees

        kw = self.env_kwargs(env_kwargs)
        env = gym.make("ToolUse-v0", **kw)
        try:
            return search_trees(Policy(model, tok), env, load_tasks(kw["tasks"]), selected, self.cfg, key_prefix,
                                progress=False)
        finally:
            env.close()


# ---------------------------------------------------------------------------------- the driver side
class Generator:
    """Cuts a stage's work into units and merges their results in order; `_map` runs them."""

    def __init__(self, cfg: Any):
        self.cfg = cfg
        self.replaced = 0  # workers replaced after dying (Ray only)

    def rollouts(self, policy_dir: str | Path, env_kwargs: dict[str, Any], task_indices: Sequence[int],
                 seeds: Sequence[int], *, batch_size: int, max_new_tokens: int, gen_batch_size: int | None = None,
                 trace: bool = False, desc: str = "episodes") -> list[dict[str, Any]]:
        """One greedy episode per (task index, seed): records as `toolenv.evaluation.rollout` gives them,
        in the order asked. Units: ``batch_size`` consecutive episodes."""
        kw = self.ship_kwargs(env_kwargs)
        units = [{"env_kwargs": kw, "task_indices": [task_indices[i] for i in r], "seeds": [seeds[i] for i in r],
                  "max_new_tokens": max_new_tokens, "gen_batch_size": gen_batch_size, "trace": trace}
                 for r in chunks(len(task_indices), batch_size)]
        return [rec for out in self._map(policy_dir, "rollouts", units, desc) for rec in out]

    def search(self, policy_dir: str | Path, env_kwargs: dict[str, Any], selected: Sequence[dict[str, Any]],
               key_prefix: str) -> list[dict[str, Any]]:
        """One search tree per selected task (`training.search.search_trees`), in the order of ``selected``.
        Units: one task."""
        kw = self.ship_kwargs(env_kwargs)
        units = [{"env_kwargs": kw, "selected": [s], "key_prefix": key_prefix} for s in selected]
        return [tree for out in self._map(policy_dir, "search", units, f"MCTS {key_prefix}") for tree in out]

    def ship(self, path: str | Path) -> Any:
        return str(path)

    def ship_policy(self, policy_dir: str | Path) -> dict[str, Any]:
        """The policy checkpoint as the workers get it: shipped (`ship`) and keyed by `policy_key`."""
        shipped = self.ship(policy_dir)
        if not isinstance(shipped, dict):
            shipped = {"ship": 1, "path": shipped, "blob": None}
        return dict(shipped, key=policy_key(policy_dir))

    def ship_kwargs(self, kw: dict[str, Any]) -> dict[str, Any]:
        """``kw`` with the files the workers need (`FILE_KWARGS`) shipped (`ship`)."""
        out = dict(kw)
        for k in FILE_KWARGS:
            v = out.get(k)
            if isinstance(v, (str, Path)) and Path(v).exists():
                out[k] = self.ship(v)
            elif isinstance(v, (list, tuple)) and all(isinstance(x, (str, Path)) and Path(x).exists() for x in v):
                out[k] = [self.ship(x) for x in v]
        return out

    @property
    def workers(self) -> int:
        return 0

    @property
    def where(self) -> str:
        """For a stage's log line: "" in this process, " on N Ray workers" otherwise."""
        return f" on {self.workers} Ray workers" if self.workers else ""

    def _map(self, policy_dir: str | Path, kind: str, units: list[dict[str, Any]], desc: str) -> list[list[dict[str, Any]]]:
        raise NotImplementedError

    def release(self) -> None:
        """Free this process's policy replica (before a training stage needs the memory)."""

    def close(self) -> None:
        pass

    def __enter__(self) -> "Generator":
        return self

    def __exit__(self, *exc: Any) -> bool:
        self.close()
        return False


class LocalGenerator(Generator):
    """The units one after another in this process (``ray.num_workers: 0``)."""

    def __init__(self, cfg: Any):
        super().__init__(cfg)
        self.work = Work(cfg.to_dict(), cfg.gen_threads)

    def release(self) -> None:
        self.work.release()

    def _map(self, policy_dir, kind, units, desc):
        from tqdm.auto import tqdm

        policy = self.ship_policy(policy_dir)
        return [self.work.run(policy, kind, u) for u in tqdm(units, desc=desc, leave=False)]


class RayGenerator(Generator):
    """The units dealt to ``ray.num_workers`` actors; a dead worker is replaced and its unit redone."""

    def __init__(self, cfg: Any):
        super().__init__(cfg)
        import ray

        rc = cfg.ray
        address = rc.address or os.environ.get("RAY_ADDRESS") or None
        self.started_ray = False
        if not ray.is_initialized():
            if address:
                ray.init(address=address, log_to_driver=True)
            else:
                ray.init(num_cpus=max(1, int(round(rc.num_workers * rc.cpus_per_worker))), include_dashboard=False,
                         log_to_driver=True)
                self.started_ray = True
        self.cluster = bool(address)
        self.by_store = rc.checkpoint == "object_store" or (rc.checkpoint == "auto" and self.cluster)
        self._actor_cls = ray.remote(num_cpus=rc.cpus_per_worker, num_gpus=rc.gpus_per_worker)(GenWorker)
        self.threads = rc.worker_threads or cfg.gen_threads
        self._cfg_dict = cfg.to_dict()
        self.actors = [self._new_actor() for _ in range(rc.num_workers)]
        self._shipped: dict[str, Any] = {}
        self.running: dict[Any, tuple[int, int]] = {}

    @property
    def workers(self) -> int:
        return len(self.actors)

    def _new_actor(self) -> Any:
        return self._actor_cls.remote(self._cfg_dict, self.threads)

    def ship(self, path: str | Path) -> Any:
        """A file or folder for the workers: its path, and with ``checkpoint: object_store`` its bytes put
        into the object store once (keyed by path, size and modification time)."""
        path = Path(path)
        if not self.by_store:
            return str(path)
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        sig = "|".join(f"{p}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files)
        key = hashlib.blake2b(f"{path.resolve()}|{sig}".encode(), digest_size=10).hexdigest()
        if key not in self._shipped:
            import ray

            blob = {("" if p == path else str(p.relative_to(path))): p.read_bytes() for p in files}
            self._shipped[key] = {"ship": 1, "path": str(path), "key": key, "blob": [ray.put(blob)]}
        return self._shipped[key]

    def _map(self, policy_dir, kind, units, desc):
        import ray
        from ray.exceptions import RayActorError
        from tqdm.auto import tqdm

        policy = self.ship_policy(policy_dir)
        results: dict[int, list[dict[str, Any]]] = {}
        queue, idle = deque(range(len(units))), deque(range(len(self.actors)))
        self.running = running = {}  # in flight: object ref -> (worker, unit)
        tries = [0] * len(units)
        bar = tqdm(total=len(units), desc=f"{desc} ({len(self.actors)} Ray workers)", leave=False)
        while queue or running:
            while queue and idle:
                w, j = idle.popleft(), queue.popleft()
                running[self.actors[w].run.remote(policy, kind, units[j])] = (w, j)
            done, _ = ray.wait(list(running), num_returns=1)
            for ref in done:
                w, j = running.pop(ref)
                try:
                    results[j] = ray.get(ref)
                    bar.update(1)
                except RayActorError as e:  # the worker died: a fresh one redoes the unit
                    tries[j] += 1
                    if tries[j] > self.cfg.ray.max_worker_restarts:
                        raise RuntimeError(f"{desc}: unit {j} lost its worker {tries[j]} times "
                                           f"(ray.max_worker_restarts={self.cfg.ray.max_worker_restarts}): {e}") from e
                    self.actors[w] = self._new_actor()
                    self.replaced += 1
                    queue.appendleft(j)
                idle.append(w)
        bar.close()
        return [results[j] for j in range(len(units))]

    def close(self) -> None:
        import ray

        try:  # each worker deletes its cache of unpacked checkpoints and files
            ray.get([a.close.remote() for a in self.actors], timeout=60)
        except Exception:  # noqa: BLE001 - a dead or stuck worker: its temp folder stays, the actor goes
            pass
        for a in self.actors:
            ray.kill(a)
        self.actors = []
        if self.started_ray:
            ray.shutdown()


class GenWorker(Work):
    """A Ray actor: `Work` (whose files that come through the object store are unpacked into a private
    temp folder, made on first need and deleted by `close`)."""

    def __init__(self, cfg_dict: dict[str, Any], threads: int | None):
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        super().__init__(cfg_dict, threads)
