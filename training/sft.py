"""Stage 3: easy-to-hard warm-up SFT with TRL's `SFTTrainer` (loss on assistant turns only).

Rows are TRL conversational rows (``messages`` + ``tools`` JSON string). They are tokenized once
here with the chat template's ``{% generation %}`` assistant mask (labels = -100 elsewhere), so
TRL skips its own preparation. The curriculum is the data order: stage 1 (easiest third by task
difficulty), then stage 2, ...; each stage shuffled inside, read in sequence by one trainer with
one schedule. ``curriculum="random"`` shuffles the same examples globally (the ablation).

``ITOOLSFTTrainer`` is TRL's trainer with two changes: a sequential sampler (the curriculum) and,
with ``fast_loss``, the plain Hugging Face cross-entropy on the label tokens instead of TRL's
fused-head path, which without Triton scores every position and computes entropy/accuracy
metrics (measured about 2x slower per step on 2 CPU cores; see docs/training.md).
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any, Sequence

from training.config import SFTStageConfig


def tokenize_rows(rows: Sequence[dict[str, Any]], tokenizer: Any, max_length: int) -> list[dict[str, Any]]:
    """Rows -> ``{"input_ids", "labels", "difficulty", "row"}``; loss only on assistant-generated tokens.
    Rows whose assistant tokens are all cut by ``max_length`` are dropped (``row`` keeps the index)."""
    out = []
    for ri, row in enumerate(rows):
        tools = row.get("tools")
        tools = json.loads(tools) if isinstance(tools, str) else tools
        enc = tokenizer.apply_chat_template(
            row["messages"], tools=tools or None, tokenize=True, return_dict=True, return_assistant_tokens_mask=True
        )
        ids = list(enc["input_ids"])
        mask = list(enc["assistant_masks"])
        labels = [t if m else -100 for t, m in zip(ids, mask)]
        ids, labels = ids[:max_length], labels[:max_length]
        if not any(l != -100 for l in labels):
            continue
        out.append({"input_ids": ids, "labels": labels, "difficulty": float(row.get("difficulty", 0.0)), "row": ri})
    return out


def curriculum_order(examples: list[dict[str, Any]], cfg: SFTStageConfig, seed: int,
                     budget: int | None = None) -> tuple[list[dict[str, Any]], list[int]]:
    """Order examples into stages (easy to hard, or random); returns (sequence, stage sizes).

    ``budget`` (examples the trainer will read, i.e. steps x global batch): when it is shorter
    than the whole sequence, every stage (and every final mixed pass) keeps its share of it, so a
    short warm-up still climbs from easy to hard instead of stopping inside the easiest stage."""
    rng = random.Random(seed)
    idx = list(range(len(examples)))
    if cfg.curriculum == "easy_to_hard":
        rng.shuffle(idx)  # random tie-break among equal difficulties
        idx.sort(key=lambda i: examples[i]["difficulty"])
    else:
        rng.shuffle(idx)
    n = len(idx)
    bounds = [round(n * s / cfg.num_stages) for s in range(cfg.num_stages + 1)]
    parts: list[list[int]] = []
    for s in range(cfg.num_stages):
        stage = idx[bounds[s]:bounds[s + 1]]
        reps = cfg.epochs_per_stage
        chunk: list[int] = []
        whole = int(math.floor(reps))
        for _ in range(whole):
            part = list(stage)
            rng.shuffle(part)
            chunk += part
        frac = reps - whole
        if frac > 0:
            part = list(stage)
            rng.shuffle(part)
            chunk += part[: int(round(frac * len(part)))]
        parts.append(chunk)
    mixed = cfg.final_mixed_epochs
    while mixed > 0:
        part = list(range(n))
        rng.shuffle(part)
        if mixed < 1:
            part = part[: int(round(mixed * n))]
        parts.append(part)
        mixed -= 1
    total = sum(len(p) for p in parts)
    if budget is not None and 0 < budget < total:  # every part keeps its share (largest remainders)
        exact = [len(p) * budget / total for p in parts]
        keep = [int(math.floor(x)) for x in exact]
        for j in sorted(range(len(parts)), key=lambda j: keep[j] - exact[j])[: budget - sum(keep)]:
            keep[j] += 1
        parts = [p[:k] for p, k in zip(parts, keep)]
    seq = [examples[i] for p in parts for i in p]
    sizes = [len(p) for p in parts]
    if cfg.curriculum == "random":  # the ablation: same examples, no order
        rng.shuffle(seq)
    if cfg.group_by_length > 0:
        seq = _group_by_length(seq, cfg.per_device_train_batch_size, cfg.group_by_length, rng)
    return seq, sizes


def _group_by_length(seq: list[dict[str, Any]], bs: int, window: int, rng: random.Random) -> list[dict[str, Any]]:
    """Within consecutive windows of ``window`` batches (so the curriculum order holds at that
    scale), sort by length, cut into batches and shuffle the batches: far less padding."""
    out: list[dict[str, Any]] = []
    w = bs * window
    for i in range(0, len(seq), w):
        chunk = sorted(seq[i:i + w], key=lambda e: len(e["input_ids"]))
        batches = [chunk[j:j + bs] for j in range(0, len(chunk), bs)]
        rng.shuffle(batches)
        for b in batches:
            out.extend(b)
    return out


def completion_loss(model: Any, input_ids: Any, attention_mask: Any, labels: Any, num_items_in_batch: Any = None) -> Any:
    """Cross-entropy on the label tokens with the LM head applied to those positions only (the
    same value as the model's own loss). With a 49k vocabulary the full ``(batch, length, vocab)``
    logits are a large share of a step: measured 1.5x faster per step on SmolLM2-135M, 2 idle CPU
    cores, batch 4 x 450 tokens of which 80 are labels (`benchmarks/sft_step_bench.py`). Returns None when the model does not
    expose a plain decoder + output embedding (the caller then uses the model's own loss)."""
    import torch

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    body = base.get_decoder() if hasattr(base, "get_decoder") else None
    head = base.get_output_embeddings() if hasattr(base, "get_output_embeddings") else None
    cfg = getattr(base, "config", None)
    if body is None or head is None or getattr(cfg, "final_logit_softcapping", None) or \
            getattr(cfg, "logit_scale", None) not in (None, 1.0):
        return None
    hidden = body(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).last_hidden_state
    tgt = labels[:, 1:].to(hidden.device)
    mask = tgt != -100
    logits = head(hidden[:, :-1][mask]).float()
    total = torch.nn.functional.cross_entropy(logits, tgt[mask], reduction="sum")
    n = num_items_in_batch if num_items_in_batch is not None else mask.sum()
    if torch.is_tensor(n):
        n = n.to(total.device)
    return total / n


def _trainer_class():
    import torch
    from torch.utils.data import SequentialSampler
    from trl import SFTTrainer

    class ITOOLSFTTrainer(SFTTrainer):
        """TRL's SFTTrainer; the data order is the curriculum, and an optional plain-CE loss."""

        fast_loss: bool = True

        def _get_train_sampler(self, *args, **kwargs):
            return SequentialSampler(self.train_dataset)

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            if not self.fast_loss:
                return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
            labels = inputs["labels"]
            loss = completion_loss(model, inputs["input_ids"], inputs.get("attention_mask"), labels, num_items_in_batch)
            outputs = None
            if loss is None or return_outputs:
                outputs = model(
                    input_ids=inputs["input_ids"],
                    attention_mask=inputs.get("attention_mask"),
                    labels=labels,
                    use_cache=False,
                    num_items_in_batch=num_items_in_batch,
                )
                loss = outputs.loss
            if self.args.average_tokens_across_devices and num_items_in_batch is not None:
                loss = loss * self.accelerator.num_processes
            mode = "train" if model.training else "eval"
            with torch.no_grad():
                n = int((labels[:, 1:] != -100).sum())
                self._total_train_tokens += int(inputs["attention_mask"].sum()) if mode == "train" else 0
                self._metrics[mode]["num_tokens"] = [self._total_train_tokens]
                self._metrics[mode]["label_tokens"].append(float(n))
            return (loss, outputs) if return_outputs else loss

    return ITOOLSFTTrainer


def sft_args(cfg: SFTStageConfig, output_dir: str | Path, seed: int, max_steps: int, report_to: str = "none", lr: float | None = None):
    from trl import SFTConfig

    return SFTConfig(
        output_dir=str(output_dir),
        per_device_train_batch_size=cfg.per_device_train_batch_size,
        gradient_accumulation_steps=cfg.gradient_accumulation_steps,
        learning_rate=lr if lr is not None else cfg.learning_rate,
        lr_scheduler_type=cfg.lr_scheduler_type,
        warmup_steps=max(0, int(cfg.warmup_ratio * max_steps)),
        weight_decay=cfg.weight_decay,
        max_steps=max_steps,
        num_train_epochs=1,
        logging_steps=cfg.logging_steps,
        save_strategy="no",
        report_to=[] if report_to == "none" else [report_to],
        bf16=False,
        fp16=False,
        use_cpu=_no_gpu(),
        activation_checkpointing=False,
        max_length=cfg.max_length,
        seed=seed,
        data_seed=seed,
        dataloader_num_workers=0,
        remove_unused_columns=False,
        disable_tqdm=False,
        shuffle_dataset=False,
    )


def _no_gpu() -> bool:
    import torch

    return not torch.cuda.is_available()


def train_sft(
    model: Any,
    tokenizer: Any,
    examples: list[dict[str, Any]],
    cfg: SFTStageConfig,
    output_dir: str | Path,
    seed: int = 0,
    max_steps: int | None = None,
    peft_config: Any = None,
    report_to: str = "none",
    lr: float | None = None,
    order: str | None = None,
) -> dict[str, Any]:
    """Train on pre-tokenized ``examples`` in curriculum order; returns stats (and log history).

    ``max_steps`` (else ``cfg.max_steps``, else one pass over the ordered sequence) caps the steps;
    ``order="random"`` overrides the curriculum (used by the continued-SFT baseline).
    """
    from datasets import Dataset

    if order is not None:
        cfg = SFTStageConfig(**{**cfg.__dict__, "curriculum": order})
    from training.distributed import world_size

    # examples per optimizer step over all processes: the sequential sampler is sharded batch by
    # batch across them, so the global order (the curriculum) is kept under `accelerate launch`
    bs = cfg.per_device_train_batch_size * cfg.gradient_accumulation_steps * world_size()
    cap = max_steps if max_steps is not None else (cfg.max_steps if cfg.max_steps > 0 else None)
    seq, sizes = curriculum_order(examples, cfg, seed, budget=None if cap is None else cap * bs)
    steps_for_seq = max(1, len(seq) // bs)
    steps = cap if cap is not None else steps_for_seq
    need = steps * bs
    if len(seq) < need:  # more steps than one pass: continue with shuffled full passes
        rng = random.Random(seed + 1)
        while len(seq) < need:
            part = list(examples)
            rng.shuffle(part)
            seq += part
    seq = seq[:need]
    ds = Dataset.from_dict({"input_ids": [e["input_ids"] for e in seq], "labels": [e["labels"] for e in seq]})
    Trainer = _trainer_class()
    args = sft_args(cfg, output_dir, seed, steps, report_to=report_to, lr=lr)
    trainer = Trainer(model=model, args=args, train_dataset=ds, processing_class=tokenizer, peft_config=peft_config)
    trainer.fast_loss = cfg.fast_loss
    result = trainer.train()
    logs = [h for h in trainer.state.log_history if "loss" in h]
    return {
        "model": trainer.model,
        "steps": int(trainer.state.global_step),
        "stage_sizes": sizes,
        "train_loss": float(result.training_loss),
        "runtime_s": float(result.metrics.get("train_runtime", 0.0)),
        "log_history": logs,
    }
