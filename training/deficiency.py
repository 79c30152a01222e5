"""Stage 4: deficiency selection with the policy's own feedback.

Each round the current policy plays a subset of the training tasks through the env (batched);
deficient = failed episodes (their env deficiency codes are kept) plus the top fraction of tasks
by the policy's perplexity on the ground-truth answer (exp of the mean token NLL of the oracle's
assistant turns; the reference keeps the top 30%). As in the reference, tasks whose ground truth
calls a tool and tasks whose ground truth calls none are ranked separately and share the selection
cap in proportion to their share of the rollouts (``split_call_no_call``): no-call answers are short
and confident, so one shared perplexity ranking would leave them out, and preference pairs that
only ever prefer calling teach the policy to stop declining (measured: docs/training.md).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from typing import Any, Sequence

from training.config import DeficiencyConfig


def ground_truth_nll(model: Any, examples: Sequence[dict[str, Any]], batch_size: int = 32) -> list[float]:
    """Mean token NLL on the assistant (label) tokens of pre-tokenized SFT examples."""
    import torch

    out: list[float] = []
    model.eval()
    pad = 0
    for i in range(0, len(examples), batch_size):
        chunk = examples[i:i + batch_size]
        L = max(len(e["input_ids"]) for e in chunk)
        ids = torch.full((len(chunk), L), pad, dtype=torch.long)
        labels = torch.full((len(chunk), L), -100, dtype=torch.long)
        attn = torch.zeros((len(chunk), L), dtype=torch.long)
        for j, e in enumerate(chunk):
            n = len(e["input_ids"])
            ids[j, :n] = torch.tensor(e["input_ids"])
            labels[j, :n] = torch.tensor(e["labels"])
            attn[j, :n] = 1
        dev = getattr(model, "device", None) or torch.device("cpu")
        ids, labels, attn = ids.to(dev), labels.to(dev), attn.to(dev)
        with torch.no_grad():
            logits = model(input_ids=ids, attention_mask=attn).logits[:, :-1].float()
        tgt = labels[:, 1:]
        lp = torch.log_softmax(logits, -1).gather(2, tgt.clamp(min=0)[..., None]).squeeze(-1)
        mask = (tgt != -100).float()
        nll = -(lp * mask).sum(1) / mask.sum(1).clamp(min=1)
        out.extend(float(x) for x in nll)
    return out


def select_deficient(
    records: Sequence[dict[str, Any]],
    nll: dict[int, float],
    cfg: DeficiencyConfig,
    no_call: set[int] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Combine rollout records (with ``task_index``) and per-task NLL into the deficient set.

    ``no_call``: indices of tasks whose ground truth makes no call; with ``cfg.split_call_no_call``
    the call and no-call groups are ranked separately and the cap ``max_selected`` is shared in
    proportion to group size (a group that has fewer candidates than its share leaves the rest to
    the other). Within a group: failed tasks first (highest perplexity first), then the remaining
    top-perplexity tasks of that group. Returns (selected, summary)."""
    failed = {r["task_index"]: r for r in records if not r["success"]} if cfg.include_failed else {}
    rec = {r["task_index"]: r for r in records}
    groups: dict[str, list[int]] = {"all": list(nll)}
    if cfg.split_call_no_call and no_call is not None:
        groups = {"call": [i for i in nll if i not in no_call], "no_call": [i for i in nll if i in no_call]}
    top: set[int] = set()
    candidates: dict[str, list[int]] = {}
    for name, members in groups.items():
        by_ppl = sorted(members, key=lambda i: (-nll[i], i))
        k = int(math.ceil(cfg.perplexity_top_fraction * len(by_ppl)))
        top_g = set(by_ppl[:k])
        top |= top_g
        candidates[name] = [i for i in by_ppl if i in failed] + [i for i in by_ppl if i in top_g and i not in failed]
    total = sum(len(m) for m in groups.values())
    quota = {g: int(round(cfg.max_selected * len(m) / max(1, total))) for g, m in groups.items()}
    take = {g: min(quota[g], len(candidates[g])) for g in groups}
    spare = cfg.max_selected - sum(take.values())
    for g in sorted(groups, key=lambda g: -len(candidates[g])):  # hand unused quota to the other group
        extra = min(spare, len(candidates[g]) - take[g])
        take[g] += max(0, extra)
        spare -= max(0, extra)
    chosen = sorted((i for g in groups for i in candidates[g][: take[g]]), key=lambda i: (-nll[i], i))
    selected = []
    for i in chosen:
        r = rec.get(i, {})
        selected.append({
            "task_index": i,
            "task_id": r.get("task_id"),
            "category": r.get("category"),
            "failed": i in failed,
            "high_perplexity": i in top,
            "no_call": bool(no_call and i in no_call),
            "perplexity": math.exp(min(nll.get(i, 0.0), 50.0)),
            "deficiencies": list(r.get("deficiencies", [])),
        })
    summary = {
        "rolled_out": len(records),
        "success_rate": sum(r["success"] for r in records) / max(1, len(records)),
        "failed": len(failed),
        "high_perplexity": len(top),
        "selected": len(selected),
        "selected_by_group": take,
        "selected_by_category": dict(Counter(s["category"] for s in selected)),
        "deficiency_counts": dict(Counter(d for r in records for d in r["deficiencies"]).most_common()),
        "selected_deficiency_counts": dict(Counter(d for s in selected for d in s["deficiencies"]).most_common()),
        "mean_perplexity": sum(math.exp(min(v, 50.0)) for v in nll.values()) / max(1, len(nll)),
    }
    return selected, summary


def sample_indices(n_tasks: int, k: int, seed: int) -> list[int]:
    idx = list(range(n_tasks))
    random.Random(seed).shuffle(idx)
    return sorted(idx[: min(k, n_tasks)])
