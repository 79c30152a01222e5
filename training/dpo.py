"""Stage 7: preference optimisation with TRL, starting from the latest policy.

* ``sigmoid`` (DPO) and ``ipo``: TRL's `DPOTrainer` on the conversational rows (``prompt`` /
  ``chosen`` / ``rejected`` / ``tools``); ``sft_weight > 0`` adds TRL's ``sft`` loss term on the
  chosen side (``loss_type=[..., "sft"]``, ``loss_weights=[1, w]``). Fragment pairs
  (``pairs.cut: fragment``: a side may stop mid-turn) are tokenized here instead
  (`tokenize_fragment_pairs`: no end-of-turn token on a side that does not end the turn) and fed
  to the same trainer in the ``prompt_ids`` / ``chosen_ids`` / ``rejected_ids`` form its collator uses.
* ``simpo``: TRL's reference-free SimPO loss (`trl.experimental.cpo.CPOTrainer` with
  ``loss_type="simpo"``, ``cpo_alpha=0``). That trainer does not pass per-row ``tools`` to the chat
  template, so its rows are rendered to text here with the same template first.

No loss is written by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from training.config import PreferenceConfig


def _common_args(cfg: PreferenceConfig, output_dir: str | Path, seed: int, report_to: str) -> dict[str, Any]:
    import torch

    return dict(
        output_dir=str(output_dir),
        per_device_train_batch_size=cfg.per_device_train_batch_size,
        learning_rate=cfg.learning_rate,
        lr_scheduler_type=cfg.lr_scheduler_type,
        num_train_epochs=cfg.num_train_epochs,
        max_steps=cfg.max_steps,
        logging_steps=cfg.logging_steps,
        save_strategy="no",
        report_to=[] if report_to == "none" else [report_to],
        bf16=False,
        fp16=False,
        use_cpu=not torch.cuda.is_available(),
        seed=seed,
        data_seed=seed,
        remove_unused_columns=False,
        dataloader_num_workers=0,
        max_length=cfg.max_length,
    )


def tokenize_fragment_pairs(rows: list[dict[str, Any]], tokenizer: Any) -> dict[str, list[list[int]]]:
    """``prompt_ids`` = the chat template up to the assistant turn + the shared prefix;
    ``chosen_ids`` / ``rejected_ids`` = the text after the prefix, with the end-of-turn token only
    when that side finishes the turn (TRL would append it to every completion)."""
    eos = tokenizer.convert_tokens_to_ids(tokenizer.eos_token)
    out: dict[str, list[list[int]]] = {"prompt_ids": [], "chosen_ids": [], "rejected_ids": []}
    for r in rows:
        tools = json.loads(r["tools"]) if isinstance(r["tools"], str) else r["tools"]
        prompt = tokenizer.apply_chat_template(r["prompt"], tools=tools or None, add_generation_prompt=True,
                                               tokenize=False) + r["prefix"]
        out["prompt_ids"].append(tokenizer(prompt, add_special_tokens=False)["input_ids"])
        for side in ("chosen", "rejected"):
            text = r[side][0]["content"][len(r["prefix"]):]
            ids = tokenizer(text, add_special_tokens=False)["input_ids"]
            out[f"{side}_ids"].append(ids + ([eos] if r.get(f"{side}_ends_turn", True) else []))
    return out


def _pretokenized_dpo_trainer():
    """TRL's DPOTrainer fed rows that are already ``prompt_ids`` / ``chosen_ids`` / ``rejected_ids``
    (the format its collator consumes); the loss is TRL's, unchanged."""
    from trl import DPOTrainer

    class PretokenizedDPOTrainer(DPOTrainer):
        def _prepare_dataset(self, dataset, processing_class, args, dataset_name):
            if "prompt_ids" in dataset.column_names:
                return dataset
            return super()._prepare_dataset(dataset, processing_class, args, dataset_name)

    return PretokenizedDPOTrainer


def train_preference(
    model: Any,
    tokenizer: Any,
    rows: list[dict[str, Any]],
    cfg: PreferenceConfig,
    output_dir: str | Path,
    seed: int = 0,
    peft_config: Any = None,
    report_to: str = "none",
) -> dict[str, Any]:
    """Train on preference rows; returns {"model", "steps", "train_loss", "log_history"}."""
    from datasets import Dataset

    if not rows:
        return {"model": model, "steps": 0, "train_loss": None, "log_history": []}
    common = _common_args(cfg, output_dir, seed, report_to)
    if cfg.loss_type in ("sigmoid", "ipo"):
        from trl import DPOConfig, DPOTrainer

        loss_type = [cfg.loss_type]
        weights = None
        if cfg.sft_weight > 0:
            loss_type.append("sft")
            weights = [1.0, cfg.sft_weight]
        args = DPOConfig(
            **common,
            loss_type=loss_type,
            loss_weights=weights,
            beta=cfg.beta,
            activation_checkpointing=False,
        )
        if all(r.get("chosen_ends_turn", True) and r.get("rejected_ends_turn", True) for r in rows):
            ds = Dataset.from_dict({
                "prompt": [r["prompt"] for r in rows],
                "chosen": [r["chosen"] for r in rows],
                "rejected": [r["rejected"] for r in rows],
                "tools": [r["tools"] for r in rows],
            })
            trainer = DPOTrainer(model=model, args=args, train_dataset=ds, processing_class=tokenizer,
                                 peft_config=peft_config)
        else:  # fragment pairs: a side that does not end the turn must not get the end-of-turn token
            ds = Dataset.from_dict(tokenize_fragment_pairs(rows, tokenizer))
            trainer = _pretokenized_dpo_trainer()(model=model, args=args, train_dataset=ds,
                                                  processing_class=tokenizer, peft_config=peft_config)
    else:
        from trl.experimental.cpo import CPOConfig, CPOTrainer

        args = CPOConfig(
            **common,
            loss_type="simpo",
            cpo_alpha=0.0,
            beta=cfg.beta,
            simpo_gamma=cfg.simpo_gamma,
        )
        eos = tokenizer.eos_token or ""
        prompts, chosen, rejected = [], [], []
        for r in rows:
            tools = json.loads(r["tools"]) if isinstance(r["tools"], str) else r["tools"]
            prompts.append(tokenizer.apply_chat_template(r["prompt"], tools=tools or None, add_generation_prompt=True, tokenize=False))
            chosen.append(r["chosen"][0]["content"] + eos)
            rejected.append(r["rejected"][0]["content"] + eos)
        ds = Dataset.from_dict({"prompt": prompts, "chosen": chosen, "rejected": rejected})
        trainer = CPOTrainer(model=model, args=args, train_dataset=ds, processing_class=tokenizer, peft_config=peft_config)
    result = trainer.train()
    logs = [h for h in trainer.state.log_history if "loss" in h]
    return {
        "model": trainer.model,
        "steps": int(trainer.state.global_step),
        "train_loss": float(result.training_loss),
        "runtime_s": float(result.metrics.get("train_runtime", 0.0)),
        "log_history": logs,
    }
