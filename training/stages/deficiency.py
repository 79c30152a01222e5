"""Stage: roll the round's input policy out on a sample of training tasks and select the
deficient ones (failed, or in the top perplexity fraction on the ground truth) ->
``round-K/deficiency/`` (selected.json, summary.json, episodes.jsonl: the rollouts step by step)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from training.io import atomic_write_json, read_json


def deficiency(run, k: int, policy_in: Path) -> list[dict[str, Any]]:
    cfg = run.cfg
    path = run.layout.deficiency(k)

    def write(tmp: Path) -> None:
        from training.deficiency import ground_truth_nll, sample_indices, select_deficient
        from training.evaluate import rollout_records
        from training.run import threads

        idx = sample_indices(len(run.rows()), cfg.deficiency.max_tasks, cfg.seed * 101 + k)
        gen = run.generator()
        run.log(f"round {k}: deficiency rollouts on {len(idx)} training tasks{gen.where}")
        recs = rollout_records(gen, policy_in, run.env_kwargs("train"), idx, cfg.seed + 1000 * k,
                               cfg.deficiency.batch_size, cfg.deficiency.max_new_tokens, cfg.mcts.max_turns,
                               gen_batch_size=cfg.eval.gen_batch_size, trace=cfg.deficiency.trace_max_episodes > 0)
        model, tok = run.load(policy_in)
        ex_all = run.examples(tok)
        with threads(cfg.gen_threads):
            by_row = {e["row"]: e for e in ex_all}
            have = [i for i in idx if i in by_row]
            nll = dict(zip(have, ground_truth_nll(model, [by_row[i] for i in have], cfg.deficiency.batch_size)))
        tasks = run.train_task_list()
        no_call = {i for i in idx if tasks[i].num_calls == 0}  # ground truth declines or answers in text
        selected, summary = select_deficient(recs, nll, cfg.deficiency, no_call=no_call)
        atomic_write_json(tmp / "selected.json", selected)
        atomic_write_json(tmp / "summary.json", summary)
        from training.traces import write_deficiency_episodes  # the rollouts step by step, for `toolenv view`

        write_deficiency_episodes(tmp / run.layout.deficiency_episodes(k).name, recs, selected,
                                  cfg.deficiency.trace_max_episodes, k)
        run.log(f"round {k}: {summary['failed']} failed, {len(selected)} selected; "
                f"deficiencies {summary['deficiency_counts']}")

    run.produce(path, write)
    return read_json(path / "selected.json")
