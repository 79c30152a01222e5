"""The iTool pipeline end to end, resumable:

    data -> model -> warm-up SFT (easy to hard) -> eval
         -> for each round: deficiencies -> MCTS -> pairs -> preference optimisation -> eval
         [-> continued-SFT baseline with the rounds' optimizer steps -> eval]
         [-> random-order warm-up -> eval]
         -> report.md

    python -m training.itool --config configs/demo.yaml [--output-dir DIR] [--smoke]

Every stage writes into a temp folder renamed into place with a DONE marker (`training.io`);
rerunning the same command skips finished stages, so a killed run resumes where it stopped.

Several processes (``accelerate launch --num_processes N -m training.itool ...`` or ``torchrun``):
the training stages run data-parallel on all of them and the search is dealt out; everything else
runs on the main process while the others wait for its DONE markers (`training.distributed`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from training.config import ITOOLConfig, load_config, save_config
from training.distributed import is_main, rank, wait_for_stage, wait_until, world_size
from training.io import StageDir, atomic_write_json, atomic_write_text, is_done, read_done, read_json


def log(msg: str) -> None:
    if is_main():  # one log for a multi-process run
        print(f"[itool {time.strftime('%H:%M:%S')}] {msg}", flush=True)


class threads:
    """Temporarily set torch's intra-op threads (generation vs training)."""

    def __init__(self, n: int | None):
        self.n = n

    def __enter__(self):
        import torch

        self.old = torch.get_num_threads()
        if self.n:
            torch.set_num_threads(self.n)

    def __exit__(self, *exc):
        import torch

        torch.set_num_threads(self.old)
        return False


class tensorboard_dir:
    """Point transformers' TensorBoard callback at ``<run>/tensorboard/<stage>`` while a trainer is
    built (it reads ``TENSORBOARD_LOGGING_DIR``; the trainers' own output folders are deleted)."""

    def __init__(self, run_dir: Path, stage: str, report_to: str):
        self.path = run_dir / "tensorboard" / stage if report_to == "tensorboard" else None

    def __enter__(self):
        self.old = os.environ.get("TENSORBOARD_LOGGING_DIR")
        if self.path is not None:
            self.path.mkdir(parents=True, exist_ok=True)
            os.environ["TENSORBOARD_LOGGING_DIR"] = str(self.path)

    def __exit__(self, *exc):
        if self.path is not None:
            if self.old is None:
                os.environ.pop("TENSORBOARD_LOGGING_DIR", None)
            else:
                os.environ["TENSORBOARD_LOGGING_DIR"] = self.old
        return False


class Run:
    def __init__(self, cfg: ITOOLConfig):
        self.cfg = cfg
        self.dir = Path(cfg.output_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.t0 = time.time()
        self.main = is_main()  # only the main process writes the run directory

    def writer(self, d: Path) -> "StageDir | _Scratch":
        """Where a training stage writes: the stage's temp folder on the main process; on the other
        processes of a multi-process run a scratch folder, dropped once the main marks ``d`` done."""
        return StageDir(d) if self.main else _Scratch(d)

    # ------------------------------------------------------------------ paths
    @property
    def train_tasks(self) -> Path:
        return self.dir / "data" / "train.jsonl"

    @property
    def test_tasks(self) -> Path:
        return self.dir / "data" / "test.jsonl"

    @property
    def test_seen_tasks(self) -> Path:
        return self.dir / "data" / "test_seen.jsonl"

    def stage(self, name: str) -> Path:
        return self.dir / name

    def env_kwargs(self, which: str) -> dict[str, Any]:
        from training.data import env_kwargs

        path = {"train": self.train_tasks, "test": self.test_tasks, "test_seen": self.test_seen_tasks}[which]
        return env_kwargs(path, self.cfg.data.tool_specs)

    # ------------------------------------------------------------------ stage 1: data
    def data(self) -> None:
        d = self.stage("data")
        if is_done(d):
            return
        if not self.main:
            return wait_for_stage(d)
        from toolenv.tasks import save_tasks
        from training.data import make_env, oracle_rows, save_rows, synthesize_seen_test, synthesize_tasks

        log("data: synthesizing tasks")
        sd = StageDir(d)
        with sd as tmp:
            train, test = synthesize_tasks(self.cfg.data, self.cfg.seed)
            save_tasks(train, tmp / "train.jsonl")
            save_tasks(test, tmp / "test.jsonl")
            seen = synthesize_seen_test(self.cfg.data, self.cfg.seed, train)
            if seen:
                save_tasks(seen, tmp / "test_seen.jsonl")
            env = make_env(tmp / "train.jsonl", self.cfg.data.tool_specs, seed=self.cfg.seed)
            rows = oracle_rows(env, train, self.cfg.seed, self.cfg.data.answer_words)
            env.close()
            save_rows(rows, tmp / "sft_rows.jsonl")
            from collections import Counter

            stats = {
                "train": len(train), "test": len(test),
                "train_by_category": dict(Counter(t.category for t in train)),
                "test_by_category": dict(Counter(t.category for t in test)),
                "test_seen": len(seen),
                "oracle_success": sum(r["oracle_success"] for r in rows) / max(1, len(rows)),
            }
            atomic_write_json(tmp / "stats.json", stats)
            sd.info.update(stats)
        log(f"data: {len(train)} train / {len(test)} test tasks")

    def train_task_list(self) -> list[Any]:
        """The training tasks (loaded once per run object)."""
        if not hasattr(self, "_train_tasks"):
            from toolenv.tasks import load_tasks

            self._train_tasks = load_tasks(self.train_tasks)
        return self._train_tasks

    def rows(self) -> list[dict[str, Any]]:
        from training.data import load_rows

        return load_rows(self.stage("data") / "sft_rows.jsonl")

    # ------------------------------------------------------------------ stage 2: model
    def model_init(self) -> Path:
        d = self.stage("model-init")
        if is_done(d):
            return d
        if not self.main:
            wait_for_stage(d)
            return d
        from training.data import corpus_lines
        from training.model import prepare_model_dir

        log("model: building the initial policy")
        with StageDir(d) as tmp:
            corpus = None
            if not self.cfg.model.model_name_or_path:
                corpus = corpus_lines(self.train_tasks, self.cfg.data.tool_specs, min(800, self.cfg.data.num_train), self.cfg.seed)
            prepare_model_dir(self.cfg.model, tmp, corpus, self.cfg.seed, self.cfg.data.tool_specs)
        return d

    # ------------------------------------------------------------------ helpers
    def load(self, path: Path):
        from training.model import load_model, load_tokenizer

        return load_model(path, self.cfg.model), load_tokenizer(path)

    def load_trainable(self, path: Path):
        """A checkpoint for a training stage: ``model.freeze_layers`` applied."""
        from training.model import freeze_bottom

        model, tok = self.load(path)
        freeze_bottom(model, self.cfg.model.freeze_layers)
        return model, tok

    def examples(self, tokenizer: Any) -> list[dict[str, Any]]:
        from training.sft import tokenize_rows

        if not hasattr(self, "_examples"):
            self._examples = tokenize_rows(self.rows(), tokenizer, self.cfg.sft.max_length)
        return self._examples

    def warmup_examples(self, tokenizer: Any) -> list[dict[str, Any]]:
        """The warm-up's examples: no-call rows repeated ``sft.no_call_repeat`` times."""
        ex = self.examples(tokenizer)
        k = self.cfg.sft.no_call_repeat
        if k <= 1:
            return ex
        tasks = self.train_task_list()
        extra = [e for e in ex if tasks[e["row"]].num_calls == 0]
        return ex + extra * (k - 1)

    # ------------------------------------------------------------------ stage 3: warm-up SFT
    def sft(self, name: str = "sft", curriculum: str | None = None) -> Path:
        d = self.stage(name)
        if is_done(d):
            return d
        from training.model import lora_config, save_policy
        from training.sft import train_sft

        init = self.model_init()
        model, tok = self.load_trainable(init)
        ex = self.warmup_examples(tok)
        log(f"{name}: {len(ex)} examples, curriculum={curriculum or self.cfg.sft.curriculum}")
        with self.writer(d) as tmp, tensorboard_dir(self.dir, name, self.cfg.report_to):
            res = train_sft(model, tok, ex, self.cfg.sft, tmp / "trainer", seed=self.cfg.seed,
                            peft_config=lora_config(self.cfg.model), report_to=self.cfg.report_to, order=curriculum)
            shutil.rmtree(tmp / "trainer", ignore_errors=True)
            if self.main:
                save_policy(res["model"], tok, tmp)
                info = {k: v for k, v in res.items() if k != "model"}
                atomic_write_json(tmp / "train_log.json", {**info, "world_size": world_size()})
        log(f"{name}: {res['steps']} steps, loss {res['train_loss']:.3f}, {res['runtime_s']:.0f}s")
        return d

    # ------------------------------------------------------------------ stage 8: evaluation
    def evaluate(self, name: str, policy_dir: Path, stage: str, rnd: int) -> dict[str, Any]:
        d = self.stage(f"eval/{name}")
        if is_done(d):
            return read_json(d / "report.json")
        if not self.main:  # nothing downstream waits for an evaluation
            return {}
        from training.evaluate import evaluate_policy

        model, tok = self.load(policy_dir)
        log(f"eval {name}: held-out tasks")
        with StageDir(d) as tmp, threads(self.cfg.gen_threads):
            rep = evaluate_policy(model, tok, self.env_kwargs("test"), self.cfg.eval, seed=self.cfg.seed + 17)
            if self.test_seen_tasks.exists():  # second held-out set: training templates, new values/worlds
                seen = evaluate_policy(model, tok, self.env_kwargs("test_seen"), self.cfg.eval, seed=self.cfg.seed + 19)
                rep["seen_templates"] = {k: seen[k] for k in ("episodes", "success_rate", "mean_reward", "complex",
                                                             "by_category", "deficiencies") if k in seen}
            if self.cfg.eval.bfcl_suites and self.bfcl_here(stage, rnd):  # real external data, official scoring
                from training.evaluate import bfcl_data_dir, evaluate_bfcl

                data_dir = bfcl_data_dir(self.cfg.eval)
                if data_dir is None:
                    log(f"eval {name}: BFCL data not found; skipping {self.cfg.eval.bfcl_suites}")
                else:
                    rep["bfcl"] = evaluate_bfcl(model, tok, self.cfg.eval, data_dir, seed=self.cfg.seed + 23)
            rep.update(stage=stage, round=rnd, name=name, policy=str(policy_dir))
            atomic_write_json(tmp / "report.json", rep)
        extra = ""
        if "seen_templates" in rep:
            st = rep["seen_templates"]
            extra = f"; seen templates: success {st['success_rate']:.3f} (complex {st['complex']['success_rate']:.3f})"
        for suite, b in rep.get("bfcl", {}).items():
            if "success_rate" in b:
                extra += f"; {suite} {b['success_rate']:.3f}"
        log(f"eval {name}: success {rep['success_rate']:.3f} (complex {rep['complex']['success_rate']:.3f}), "
            f"reward {rep['mean_reward']:.3f}{extra}")
        self.write_metrics()
        return rep

    def bfcl_here(self, stage: str, rnd: int) -> bool:
        """Whether this evaluation also runs the BFCL suites (``eval.bfcl_stages``)."""
        want = set(self.cfg.eval.bfcl_stages)
        if stage == "round" and "last_round" in want:
            return rnd == self.cfg.rounds
        return stage in want

    def write_metrics(self) -> None:
        """metrics.jsonl: one line per finished evaluation (rebuilt, so resumes never duplicate)."""

        def summary(rep: dict[str, Any]) -> dict[str, Any]:
            return {
                "success_rate": rep["success_rate"], "mean_reward": rep["mean_reward"],
                "complex_success_rate": rep["complex"]["success_rate"],
                "by_category": {c: {"success_rate": b["success_rate"], "mean_reward": b["mean_reward"],
                                    "episodes": b["episodes"]} for c, b in rep["by_category"].items()},
                "deficiencies": rep["deficiencies"],
            }

        lines = []
        for rep in self.eval_reports():
            line = {"name": rep["name"], "stage": rep["stage"], "round": rep["round"], **summary(rep)}
            if "seen_templates" in rep:
                line["seen_templates"] = summary(rep["seen_templates"])
            if rep.get("bfcl"):
                line["bfcl"] = rep["bfcl"]
            lines.append(json.dumps(line, sort_keys=True))
        atomic_write_text(self.dir / "metrics.jsonl", "".join(x + "\n" for x in lines))

    def eval_reports(self) -> list[dict[str, Any]]:
        root = self.dir / "eval"
        reps = []
        if root.exists():
            for d in root.iterdir():
                if is_done(d):
                    r = read_json(d / "report.json")
                    r["_t"] = read_done(d).get("finished_at", "")
                    reps.append(r)
        order = {"base": -1, "sft": 0, "round": 1, "baseline": 2, "random_order": 3}
        reps.sort(key=lambda r: (order.get(r["stage"], 9), r["round"], r["_t"]))
        return reps

    # ------------------------------------------------------------------ one round
    def round(self, k: int, policy_in: Path) -> Path:
        out = self.stage(f"round-{k}/policy")
        if is_done(out):
            return out
        cfg = self.cfg
        selected = self.deficiency(k, policy_in)
        pairs_dir = self.mcts(k, policy_in, selected)
        from training.dpo import train_preference
        from training.model import lora_config, save_policy
        from training.pairs import load_pairs

        rows = load_pairs(str(pairs_dir)) if (pairs_dir / "dataset_info.json").exists() else []
        model, tok = self.load_trainable(policy_in)
        log(f"round {k}: preference optimisation ({cfg.preference.loss_type}) on {len(rows)} pairs")
        with self.writer(out) as tmp, tensorboard_dir(self.dir, f"round-{k}", cfg.report_to):
            res = train_preference(model, tok, rows, cfg.preference, tmp / "trainer", seed=cfg.seed + k,
                                   peft_config=lora_config(cfg.model), report_to=cfg.report_to)
            shutil.rmtree(tmp / "trainer", ignore_errors=True)
            if self.main:
                save_policy(res["model"], tok, tmp)
                info = {kk: v for kk, v in res.items() if kk != "model"}
                info["pairs"] = len(rows)
                atomic_write_json(tmp / "train_log.json", {**info, "world_size": world_size()})
        log(f"round {k}: {res['steps']} preference steps")
        return out

    def deficiency(self, k: int, policy_in: Path) -> list[dict[str, Any]]:
        d = self.stage(f"round-{k}/deficiency")
        if not self.main:
            wait_for_stage(d)
        if is_done(d):
            return read_json(d / "selected.json")
        from training.deficiency import ground_truth_nll, sample_indices, select_deficient
        from training.evaluate import rollout_records

        cfg = self.cfg
        model, tok = self.load(policy_in)
        ex_all = self.examples(tok)
        n = len(self.rows())
        idx = sample_indices(n, cfg.deficiency.max_tasks, cfg.seed * 101 + k)
        log(f"round {k}: deficiency rollouts on {len(idx)} training tasks")
        with StageDir(d) as tmp, threads(self.cfg.gen_threads):
            recs = rollout_records(model, tok, self.env_kwargs("train"), idx, cfg.seed + 1000 * k,
                                   cfg.deficiency.batch_size, cfg.deficiency.max_new_tokens, cfg.mcts.max_turns,
                                   gen_batch_size=cfg.eval.gen_batch_size)
            by_row = {e["row"]: e for e in ex_all}
            have = [i for i in idx if i in by_row]
            nll_vals = ground_truth_nll(model, [by_row[i] for i in have], cfg.deficiency.batch_size)
            nll = dict(zip(have, nll_vals))
            tasks = self.train_task_list()
            no_call = {i for i in idx if tasks[i].num_calls == 0}  # ground truth declines or answers in text
            selected, summary = select_deficient(recs, nll, cfg.deficiency, no_call=no_call)
            atomic_write_json(tmp / "selected.json", selected)
            atomic_write_json(tmp / "summary.json", summary)
        log(f"round {k}: {summary['failed']} failed, {len(selected)} selected; deficiencies {summary['deficiency_counts']}")
        return selected

    def mcts(self, k: int, policy_in: Path, selected: list[dict[str, Any]]) -> Path:
        """Stage 5-6: a search tree per deficient task, its preference pairs. With several processes
        the tasks are dealt out (task j to process j mod N); every tree depends only on its task and
        seed, so the merged pairs equal a one-process run's."""
        d = self.stage(f"pairs/round-{k}")
        if is_done(d):
            return d
        from training.pairs import pair_stats, save_pairs

        cfg = self.cfg
        log(f"round {k}: MCTS on {len(selected)} deficient tasks"
            + (f" over {world_size()} processes" if world_size() > 1 else ""))
        t0 = time.time()
        mine = list(range(rank(), len(selected), world_size()))
        results = self._search(k, policy_in, [selected[j] for j in mine])
        parts = dict(zip(mine, results))
        if world_size() > 1:
            parts_dir = self.stage(f"pairs/round-{k}.parts")
            key = _fingerprint(policy_in, selected, cfg.mcts)
            atomic_write_json(parts_dir / f"rank-{rank()}.json",
                              {"key": key, "parts": {str(j): r for j, r in parts.items()}})
            if not self.main:
                wait_for_stage(d)
                return d
            for r in range(1, world_size()):  # gather the other processes' trees (a stale file never matches)
                path = parts_dir / f"rank-{r}.json"
                wait_until(lambda: path.exists() and read_json(path).get("key") == key, str(path))
                parts.update({int(j): v for j, v in read_json(path)["parts"].items()})
        all_rows = [row for j in sorted(parts) for row in parts[j]["rows"]]
        per_task = [parts[j]["stats"] for j in sorted(parts)]
        with StageDir(d) as tmp:
            if all_rows:
                save_pairs(all_rows, str(tmp))
            secs = time.time() - t0
            stats = {
                "tasks": len(per_task),
                "processes": world_size(),
                "pairs": pair_stats(all_rows),
                "nodes": sum(p["nodes"] for p in per_task),
                "expansions": sum(p["expansions"] for p in per_task),
                "leaf_evaluations": sum(p["leaf_evaluations"] for p in per_task),
                "seconds": round(secs, 2),
                "expansions_per_second": sum(p["expansions"] for p in per_task) / max(secs, 1e-9),
                "solved_by_search": sum(1 for p in per_task if (p["best_leaf"] or 0) >= cfg.pairs.right_threshold),
                "per_task": per_task,
            }
            atomic_write_json(tmp / "mcts_stats.json", stats)
        shutil.rmtree(self.stage(f"pairs/round-{k}.parts"), ignore_errors=True)
        log(f"round {k}: {len(all_rows)} pairs from {len(per_task)} trees in {secs:.0f}s "
            f"({stats['expansions']} expansions, {stats['leaf_evaluations']} leaves)")
        return d

    def _search(self, k: int, policy_in: Path, selected: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One tree per task: {"rows": its pairs, "stats": its search statistics}, in order."""
        from tqdm.auto import tqdm

        from training.data import make_env
        from training.mcts import MCTS
        from training.pairs import pairs_from_tree
        from training.policy import Policy
        from training.rollout import episode_seed, expert_cursor, start

        cfg, mcfg = self.cfg, self.cfg.mcts
        model, tok = self.load(policy_in)
        model.eval()
        policy = Policy(model, tok)
        tasks = self.train_task_list()
        env = make_env(self.train_tasks, cfg.data.tool_specs, seed=cfg.seed)
        out = []
        with threads(cfg.gen_threads):
            for s in tqdm(selected, desc=f"MCTS round {k}", leave=False, disable=not self.main):
                ti = s["task_index"]
                task = tasks[ti]
                seed = episode_seed(task, cfg.seed)
                norm = expert_cursor(env, ti, seed).ret
                root = start(env, ti, seed)
                res = MCTS(policy, env, mcfg).search(root, norm, task_key=f"{k}:{task.id}")
                rows = pairs_from_tree(res, env, task, cfg.pairs, cfg.data.answer_words,
                                       markers=mcfg.split_markers, fragments=mcfg.fragments_per_step)
                out.append({"rows": rows, "stats": {
                    "task_id": task.id, "category": task.category, "pairs": len(rows), "root_value": res.root.Q,
                    "best_leaf": max((n.value for n in res.nodes if n.value is not None), default=None),
                    **res.stats}})
        env.close()
        return out

    # ------------------------------------------------------------------ baselines
    def preference_steps(self) -> int:
        total = 0
        for k in range(1, self.cfg.rounds + 1):
            p = self.stage(f"round-{k}/policy") / "train_log.json"
            if p.exists():
                total += int(read_json(p)["steps"])
        return total

    def baseline(self, sft_dir: Path) -> Path:
        """Warm-up SFT continued for the same number of optimizer steps as the rounds used."""
        d = self.stage("baseline")
        if is_done(d):
            return d
        steps = self.preference_steps()
        from training.config import SFTStageConfig
        from training.model import lora_config, save_policy
        from training.sft import train_sft

        model, tok = self.load_trainable(sft_dir)
        log(f"baseline: continuing SFT for {steps} steps (the rounds' optimizer steps)")
        with self.writer(d) as tmp:
            if steps <= 0:  # the rounds made no update: the baseline is the warm-up policy itself
                if self.main:
                    save_policy(model, tok, tmp)
                    atomic_write_json(tmp / "train_log.json", {"steps": 0})
                return d
            # same optimizer steps AND the same learning rate / schedule as the preference stage
            base_cfg = SFTStageConfig(**{**self.cfg.sft.__dict__, "lr_scheduler_type": self.cfg.preference.lr_scheduler_type,
                                         "warmup_ratio": 0.0})
            with tensorboard_dir(self.dir, "baseline", self.cfg.report_to):
                res = train_sft(model, tok, self.warmup_examples(tok), base_cfg, tmp / "trainer", seed=self.cfg.seed + 99,
                                max_steps=steps, peft_config=lora_config(self.cfg.model), order="random",
                                lr=self.cfg.preference.learning_rate, report_to=self.cfg.report_to)
            shutil.rmtree(tmp / "trainer", ignore_errors=True)
            if self.main:
                save_policy(res["model"], tok, tmp)
                atomic_write_json(tmp / "train_log.json", {**{k: v for k, v in res.items() if k != "model"},
                                                           "world_size": world_size()})
        return d

    # ------------------------------------------------------------------ all
    def run(self) -> int:
        cfg = self.cfg
        if self.main:
            save_config(cfg, self.dir / "config.yaml")
        self.data()
        if cfg.base_eval:  # the initial policy before any training (a pretrained model zero-shot)
            self.evaluate("base", self.model_init(), "base", 0)
        sft_dir = self.sft()
        self.evaluate("sft", sft_dir, "sft", 0)
        policy = sft_dir
        for k in range(1, cfg.rounds + 1):
            policy = self.round(k, policy)
            self.evaluate(f"round-{k}", policy, "round", k)
        if cfg.baseline:
            b = self.baseline(sft_dir)
            if b is not None:
                self.evaluate("baseline", b, "baseline", cfg.rounds)
        if cfg.random_order_baseline:
            r = self.sft("sft-random", curriculum="random")
            self.evaluate("sft-random", r, "random_order", 0)
        if not self.main:
            return 0
        from training.report import write_report

        write_report(self.dir)
        log(f"done in {time.time() - self.t0:.0f}s; report: {self.dir / 'report.md'}")
        return 0


def _fingerprint(policy_in: Path, selected: list[dict[str, Any]], mcts_cfg: Any) -> str:
    """What a process's share of a round's search depends on (stale part files never match)."""
    import hashlib

    done = read_done(policy_in).get("finished_at", "") if is_done(policy_in) else ""
    blob = json.dumps([str(policy_in), done, [s["task_index"] for s in selected], repr(mcts_cfg)])
    return hashlib.blake2b(blob.encode(), digest_size=12).hexdigest()


class _Scratch:
    """A non-main process's stage folder (see `Run.writer`): private, deleted on exit, and the exit
    waits until the main process has marked the real stage done, so every process leaves a stage
    together and the next one loads the same checkpoint."""

    def __init__(self, final: Path):
        self.final = Path(final)
        self.path = self.final.with_name(f"{self.final.name}.rank{rank()}-scratch")

    def __enter__(self) -> Path:
        shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir(parents=True)
        return self.path

    def __exit__(self, exc_type, exc, tb) -> bool:
        shutil.rmtree(self.path, ignore_errors=True)
        if exc_type is None:
            wait_for_stage(self.final)
        return False


def build_parser(p: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    p = p or argparse.ArgumentParser(prog="python -m training.itool", description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default="configs/demo.yaml", help="YAML run config (default configs/demo.yaml)")
    p.add_argument("--output-dir", default=None, help="run directory (overrides output_dir in the config)")
    p.add_argument("--smoke", action="store_true", help="tiny budgets: every stage in a few minutes")
    p.add_argument("--rounds", type=int, default=None, help="override the number of rounds")
    p.add_argument("--seed", type=int, default=None, help="override the seed")
    return p


def main_args(args: argparse.Namespace) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    over: dict[str, Any] = {}
    if args.output_dir:
        over["output_dir"] = args.output_dir
    if args.rounds is not None:
        over["rounds"] = args.rounds
    if args.seed is not None:
        over["seed"] = args.seed
    cfg = load_config(args.config, smoke=args.smoke, overrides=over)
    import torch

    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    return Run(cfg).run()


def main(argv: list[str] | None = None) -> int:
    return main_args(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
