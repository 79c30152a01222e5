"""Configuration of an iTool run: TRL-style dataclasses, one YAML file per run.

Every field has a default and a ``help`` string (``metadata={"help": ...}``, the convention of
TRL's configs, so ``transformers.HfArgumentParser`` can expose them too). ``__post_init__``
validates values. A run config is a YAML mapping with one section per stage::

    output_dir: runs/demo
    seed: 0
    rounds: 2
    data: {num_train: 1200, num_test: 240}
    model: {tiny_preset: small}
    sft: {learning_rate: 1.0e-3, ...}
    deficiency: {...}
    mcts: {...}
    pairs: {...}
    preference: {loss_type: sigmoid, ...}
    eval: {...}
    smoke: {data: {num_train: 60}, ...}      # overrides applied by --smoke

``load_config(path, smoke=False, overrides=None)`` reads it; unknown keys are errors (a typo must
not silently fall back to a default).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

COMPLEX_CATEGORIES = ("parallel", "parallel_multiple", "multi_step")


def _check(cond: bool, msg: str) -> None:
    if not cond:
        raise ValueError(msg)


@dataclass
class DataConfig:
    tool_specs: str | list[str] | None = field(
        default=None, metadata={"help": "Tool spec file(s) or folder; None = all bundled tool_specs/."}
    )
    num_train: int = field(default=1200, metadata={"help": "Synthesized training tasks."})
    num_test: int = field(default=240, metadata={"help": "Synthesized held-out tasks (unseen templates and seeds)."})
    num_test_seen: int = field(
        default=0,
        metadata={"help": "Also synthesize this many held-out tasks that keep the training templates but not their "
                  "seed (new values and worlds; toolenv.split.synthesize_seen_template_test); 0 = none."},
    )
    categories: list[str] | None = field(
        default=None, metadata={"help": "Task categories to synthesize; None = all categories."}
    )
    train_tasks: str | None = field(
        default=None, metadata={"help": "Use this JSONL of training tasks instead of synthesizing."}
    )
    test_tasks: str | None = field(
        default=None, metadata={"help": "Use this JSONL of held-out tasks instead of synthesizing."}
    )
    answer_words: int = field(
        default=0,
        metadata={"help": "Clip the oracle's final text answers in SFT rows to this many words (0 = keep). The env "
                  "scores calls, not answer wording, so short answers save tokens for tiny models."},
    )

    def __post_init__(self) -> None:
        _check(self.num_train > 0, "data.num_train must be > 0")
        _check(self.num_test > 0, "data.num_test must be > 0")
        _check(self.num_test_seen >= 0, "data.num_test_seen must be >= 0")


@dataclass
class ModelConfig:
    model_name_or_path: str | None = field(
        default=None,
        metadata={"help": "A local Hugging Face model directory; None = build the offline tiny model."},
    )
    pretrained: str | None = field(
        default=None,
        metadata={"help": "A real pretrained instruct model that can be had offline (agents.pretrained.MODELS, e.g. "
                  "smollm2-135m): converted once from its installed package into model_name_or_path (default "
                  "models/<name>) and used as the initial policy."},
    )
    freeze_layers: int = field(
        default=0,
        metadata={"help": "Freeze the input embeddings (and a tied output head) and the bottom N decoder layers in "
                  "every training stage (cheaper backward; 0 = train all weights)."},
    )
    tiny_preset: str = field(default="small", metadata={"help": "agents.tiny preset when building: small|base."})
    tiny_overrides: dict[str, Any] | None = field(
        default=None,
        metadata={"help": "Fields of agents.tiny.TinyModelConfig to override on the preset, e.g. "
                  "{architecture: llama, pretokenizer: words}."},
    )
    use_peft: bool = field(default=False, metadata={"help": "Train a LoRA adapter instead of all weights."})
    lora_r: int = field(default=8, metadata={"help": "LoRA rank."})
    lora_alpha: int = field(default=16, metadata={"help": "LoRA alpha."})
    lora_dropout: float = field(default=0.0, metadata={"help": "LoRA dropout."})
    lora_target_modules: list[str] | None = field(
        default=None, metadata={"help": "Modules for LoRA; None = all linear layers."}
    )
    torch_dtype: str = field(default="float32", metadata={"help": "float32|bfloat16|float16 (float32 on CPU)."})

    def __post_init__(self) -> None:
        _check(self.tiny_preset in ("small", "base"), "model.tiny_preset must be small or base")
        if self.tiny_overrides:
            from agents.tiny import TinyModelConfig

            unknown = set(self.tiny_overrides) - set(TinyModelConfig.__dataclass_fields__)
            _check(not unknown, f"model.tiny_overrides: unknown TinyModelConfig fields {sorted(unknown)}")
            TinyModelConfig.preset(self.tiny_preset, **self.tiny_overrides)  # raises ValueError when invalid
        _check(self.lora_r > 0, "model.lora_r must be > 0")
        _check(self.freeze_layers >= 0, "model.freeze_layers must be >= 0")
        if self.pretrained is not None:
            from agents.pretrained import MODELS

            _check(self.pretrained in MODELS, f"model.pretrained: unknown model {self.pretrained!r}; known: {sorted(MODELS)}")
            if not self.model_name_or_path:
                self.model_name_or_path = f"models/{self.pretrained}"
        _check(self.torch_dtype in ("float32", "bfloat16", "float16"), "model.torch_dtype: float32|bfloat16|float16")


@dataclass
class SFTStageConfig:
    num_stages: int = field(default=3, metadata={"help": "Easy-to-hard stages (tasks split by difficulty)."})
    curriculum: str = field(
        default="easy_to_hard", metadata={"help": "easy_to_hard (stages by difficulty) or random (same stages, shuffled)."}
    )
    epochs_per_stage: float = field(default=1.0, metadata={"help": "Epochs over each stage's examples."})
    final_mixed_epochs: float = field(
        default=0.0, metadata={"help": "Extra epochs over all examples after the staged pass."}
    )
    max_steps: int = field(default=-1, metadata={"help": "Total optimizer-step cap over all stages (-1: none)."})
    learning_rate: float = field(default=1e-3, metadata={"help": "Peak learning rate (tiny models need ~1e-3)."})
    lr_scheduler_type: str = field(default="cosine", metadata={"help": "Transformers scheduler name."})
    warmup_ratio: float = field(default=0.03, metadata={"help": "Warm-up fraction of each stage's steps."})
    per_device_train_batch_size: int = field(default=16, metadata={"help": "Batch size."})
    gradient_accumulation_steps: int = field(default=1, metadata={"help": "Gradient accumulation."})
    max_length: int = field(default=384, metadata={"help": "Truncate tokenized examples to this length."})
    weight_decay: float = field(default=0.0, metadata={"help": "AdamW weight decay."})
    group_by_length: int = field(
        default=32,
        metadata={"help": "Inside each stage, sort windows of this many batches by length (less padding); 0 = off."},
    )
    fast_loss: bool = field(
        default=True,
        metadata={"help": "Plain HF cross-entropy on completion tokens inside SFTTrainer.compute_loss (2x faster on CPU)."},
    )
    logging_steps: int = field(default=10, metadata={"help": "Log every N steps."})
    no_call_repeat: int = field(
        default=1,
        metadata={"help": "Rows whose ground truth makes no call (irrelevance, missing_argument) appear this many "
                  "times in the warm-up data (1 = as synthesized). A short warm-up otherwise teaches a "
                  "pretrained model to call whatever the request."},
    )

    def __post_init__(self) -> None:
        _check(self.num_stages >= 1, "sft.num_stages must be >= 1")
        _check(self.no_call_repeat >= 1, "sft.no_call_repeat must be >= 1")
        _check(self.curriculum in ("easy_to_hard", "random"), "sft.curriculum must be easy_to_hard or random")
        _check(self.learning_rate > 0, "sft.learning_rate must be > 0")
        _check(self.per_device_train_batch_size >= 1, "sft.per_device_train_batch_size must be >= 1")
        _check(self.epochs_per_stage > 0, "sft.epochs_per_stage must be > 0")
        _check(self.max_length >= 16, "sft.max_length must be >= 16")


@dataclass
class DeficiencyConfig:
    max_tasks: int = field(default=400, metadata={"help": "Training tasks rolled out per round (a random subset)."})
    perplexity_top_fraction: float = field(
        default=0.3, metadata={"help": "Also keep the top fraction by perplexity on the ground truth (reference: 0.3)."}
    )
    include_failed: bool = field(default=True, metadata={"help": "Keep failed episodes (with their deficiency codes)."})
    max_selected: int = field(default=64, metadata={"help": "Cap on deficient tasks passed to the MCTS per round."})
    split_call_no_call: bool = field(
        default=True,
        metadata={"help": "Rank tasks that need a call and tasks that need none separately and share max_selected "
                          "in proportion (the reference's call / no-call split)."},
    )
    batch_size: int = field(default=32, metadata={"help": "Rollout / perplexity batch size."})
    max_new_tokens: int = field(default=96, metadata={"help": "Generation cap per agent turn in rollouts."})
    trace_max_episodes: int = field(
        default=200,
        metadata={"help": "Rollouts kept step by step in round-K/deficiency/episodes.jsonl for `toolenv view` "
                  "(round-robin over categories; 0 = none)."},
    )

    def __post_init__(self) -> None:
        _check(self.trace_max_episodes >= 0, "deficiency.trace_max_episodes must be >= 0")
        _check(0.0 <= self.perplexity_top_fraction <= 1.0, "deficiency.perplexity_top_fraction must be in [0, 1]")
        _check(self.max_tasks > 0 and self.max_selected > 0, "deficiency.max_tasks/max_selected must be > 0")


@dataclass
class MCTSConfig:
    iterations: int = field(default=6, metadata={"help": "Search iterations (select, expand, simulate, backup) per task."})
    num_children: int = field(default=3, metadata={"help": "k continuations sampled per expansion (one batch)."})
    temperature: float = field(default=1.2, metadata={"help": "Sampling temperature of expansions."})
    max_new_tokens: int = field(default=48, metadata={"help": "Tokens sampled per expansion before cutting a step."})
    fragments_per_step: int = field(
        default=2, metadata={"help": "Fragments (split at ', ' '=' '(' '. ') merged into one node step."}
    )
    split_markers: list[str] = field(
        default_factory=lambda: [", ", "=", "(", ". ", ": "],
        metadata={"help": "Where a turn is cut into fragment steps."},
    )
    max_depth: int = field(default=6, metadata={"help": "Maximum tree depth (fragment + turn nodes)."})
    c_puct: float = field(default=1.0, metadata={"help": "Exploration constant of PUCT."})
    rollout_temperature: float = field(
        default=0.0, metadata={"help": "Leaf completion temperature (0 = greedy, deterministic)."}
    )
    max_turns: int = field(default=6, metadata={"help": "Agent turns per episode during leaf completion."})
    rollout_max_new_tokens: int = field(default=96, metadata={"help": "Token cap per completed turn."})
    seed: int = field(default=0, metadata={"help": "Search seed (per-task seeds derive from it)."})
    trace_max_trees: int = field(
        default=64,
        metadata={"help": "Search trees kept node by node in round-K/pairs/trees.jsonl for `toolenv view` (the "
                  "first ones in task order; 0 = none)."},
    )

    def __post_init__(self) -> None:
        _check(self.iterations >= 1, "mcts.iterations must be >= 1")
        _check(self.trace_max_trees >= 0, "mcts.trace_max_trees must be >= 0")
        _check(self.num_children >= 2, "mcts.num_children must be >= 2 (pairs need siblings)")
        _check(self.temperature > 0, "mcts.temperature must be > 0")
        _check(self.max_new_tokens >= 1 and self.max_depth >= 1, "mcts.max_new_tokens/max_depth must be >= 1")
        _check(self.fragments_per_step >= 1, "mcts.fragments_per_step must be >= 1")
        _check(self.c_puct >= 0, "mcts.c_puct must be >= 0")


@dataclass
class PairsConfig:
    min_value_gap: float = field(default=0.1, metadata={"help": "Keep pairs whose value gap is at least this."})
    ground_truth_when_none_right: bool = field(
        default=True, metadata={"help": "Chosen = ground-truth continuation where no sibling is right."}
    )
    right_threshold: float = field(
        default=0.999, metadata={"help": "A child whose value reaches this counts as right."}
    )
    max_pairs_per_task: int = field(default=6, metadata={"help": "Cap on pairs taken from one tree."})
    min_edit_chars: int = field(default=1, metadata={"help": "Drop pairs whose completions differ by fewer chars."})
    cut: str = field(
        default="turn",
        metadata={"help": "turn: chosen/rejected are complete turns; fragment: both end with the step where they "
                  "diverge (the reference's fragment-level pairs), so the rest of a rejected turn is not pushed "
                  "down (sigmoid/ipo only)."},
    )

    def __post_init__(self) -> None:
        _check(self.cut in ("turn", "fragment"), "pairs.cut must be turn or fragment")
        _check(self.min_value_gap >= 0, "pairs.min_value_gap must be >= 0")
        _check(self.max_pairs_per_task >= 1, "pairs.max_pairs_per_task must be >= 1")


@dataclass
class PreferenceConfig:
    loss_type: str = field(
        default="sigmoid", metadata={"help": "sigmoid (DPO) | ipo (DPOTrainer) | simpo (TRL CPOTrainer, reference-free)."}
    )
    beta: float = field(default=0.1, metadata={"help": "DPO/IPO beta, SimPO beta."})
    simpo_gamma: float = field(default=0.5, metadata={"help": "SimPO target margin."})
    sft_weight: float = field(
        default=0.0, metadata={"help": "Weight of TRL's extra 'sft' loss on the chosen side (0 = off)."}
    )
    learning_rate: float = field(default=2e-4, metadata={"help": "Learning rate."})
    num_train_epochs: float = field(default=2.0, metadata={"help": "Epochs over a round's pairs."})
    max_steps: int = field(default=-1, metadata={"help": "Step cap per round (-1: none)."})
    per_device_train_batch_size: int = field(default=8, metadata={"help": "Pairs per batch."})
    max_length: int = field(default=384, metadata={"help": "Max prompt+completion tokens."})
    lr_scheduler_type: str = field(default="constant", metadata={"help": "Scheduler."})
    logging_steps: int = field(default=5, metadata={"help": "Log every N steps."})

    def __post_init__(self) -> None:
        _check(self.loss_type in ("sigmoid", "ipo", "simpo"), "preference.loss_type must be sigmoid, ipo or simpo")
        _check(self.beta > 0, "preference.beta must be > 0")
        _check(self.learning_rate > 0, "preference.learning_rate must be > 0")
        _check(self.sft_weight >= 0, "preference.sft_weight must be >= 0")


@dataclass
class EvalConfig:
    batch_size: int = field(default=48, metadata={"help": "Episodes rolled out together (vector env)."})
    gen_batch_size: int | None = field(
        default=None,
        metadata={"help": "Prompts decoded together, grouped by length (None = the whole batch at once). Late turns "
                  "of multi-turn episodes are long: one padded batch pays for the longest in every row."},
    )
    max_new_tokens: int = field(default=96, metadata={"help": "Generation cap per agent turn."})
    max_turns: int = field(default=6, metadata={"help": "Agent turns per episode."})
    max_tasks: int | None = field(default=None, metadata={"help": "Evaluate on at most this many held-out tasks."})
    bfcl_suites: list[str] | None = field(
        default=None,
        metadata={"help": "Also evaluate on these BFCL suites (e.g. [bfcl:simple_python, bfcl:multiple]) after every "
                  "stage, scored like the official checker; skipped with a log line when the BFCL data is absent."},
    )
    bfcl_data_dir: str | None = field(
        default=None, metadata={"help": "BFCL data folder; None = $TOOLENV_BFCL_DATA, else ../shared/bfcl next to "
                                     "the repository, when present."}
    )
    bfcl_max_tasks: int | None = field(default=100, metadata={"help": "Entries evaluated per BFCL suite (None = all)."})
    bfcl_stages: list[str] = field(
        default_factory=lambda: ["base", "sft", "round", "baseline", "random_order"],
        metadata={"help": "Evaluations that also run the BFCL suites: base (the initial policy), sft, round (the "
                  "last round only when 'last_round' is given instead), baseline, random_order."},
    )
    trace_max_episodes: int = field(
        default=200,
        metadata={"help": "Episodes kept step by step in eval/NAME/episodes.jsonl for `toolenv view`, per task set "
                  "(held-out, seen templates, each BFCL suite; round-robin over categories; 0 = none)."},
    )

    def __post_init__(self) -> None:
        _check(self.batch_size >= 1 and self.max_new_tokens >= 1, "eval.batch_size/max_new_tokens must be >= 1")
        _check(self.trace_max_episodes >= 0, "eval.trace_max_episodes must be >= 0")
        allowed = {"base", "sft", "round", "last_round", "baseline", "random_order"}
        _check(set(self.bfcl_stages) <= allowed, f"eval.bfcl_stages: use some of {sorted(allowed)}")
        if self.bfcl_suites:
            from toolenv.suites import available_suites

            bad = [s for s in self.bfcl_suites if s not in available_suites()]
            _check(not bad, f"eval.bfcl_suites: unknown suites {bad}; available: {available_suites()}")


@dataclass
class RayConfig:
    num_workers: int = field(
        default=0,
        metadata={"help": "Ray worker actors for the generating stages (deficiency rollouts, the search, evaluation "
                  "and the BFCL suites; training/workers.py). 0 = run them in this process, no Ray. Work is dealt "
                  "in the same units either way, so the results do not depend on this number."},
    )
    address: str | None = field(
        default=None,
        metadata={"help": "Ray cluster to join (e.g. ray://head:10001 or auto); None = $RAY_ADDRESS, else a local "
                  "Ray started on this machine with num_workers x cpus_per_worker CPUs."},
    )
    cpus_per_worker: float = field(default=1.0, metadata={"help": "CPUs Ray reserves for each worker actor."})
    gpus_per_worker: float = field(default=0.0, metadata={"help": "GPUs Ray reserves for each worker actor."})
    worker_threads: int | None = field(
        default=None, metadata={"help": "torch threads in each worker (None: gen_threads)."}
    )
    checkpoint: str = field(
        default="auto",
        metadata={"help": "How a policy checkpoint and the task files reach the workers: path (a path on storage "
                  "every node shares, e.g. the run directory on NFS), object_store (the driver puts the files "
                  "into Ray's object store; workers unpack them into a local cache), auto (path on a local Ray, "
                  "object_store on a cluster)."},
    )
    max_worker_restarts: int = field(
        default=3,
        metadata={"help": "Per unit of work: how many times a worker that died (killed, out of memory, node lost) "
                  "is replaced and the unit redone before the stage fails."},
    )

    def __post_init__(self) -> None:
        _check(self.num_workers >= 0, "ray.num_workers must be >= 0")
        _check(self.cpus_per_worker > 0 and self.gpus_per_worker >= 0,
               "ray.cpus_per_worker must be > 0 and ray.gpus_per_worker >= 0")
        _check(self.checkpoint in ("auto", "path", "object_store"), "ray.checkpoint must be auto, path or object_store")
        _check(self.max_worker_restarts >= 0, "ray.max_worker_restarts must be >= 0")


@dataclass
class ITOOLConfig:
    output_dir: str = field(default="runs/demo", metadata={"help": "Run directory (resumable)."})
    seed: int = field(default=0, metadata={"help": "Global seed."})
    rounds: int = field(default=2, metadata={"help": "Deficiency -> MCTS -> preference rounds."})
    baseline: bool = field(
        default=False,
        metadata={"help": "Also continue SFT for the same optimizer steps as the rounds (gains baseline)."},
    )
    random_order_baseline: bool = field(
        default=False, metadata={"help": "Also train a random-order warm-up for comparison."}
    )
    base_eval: bool = field(
        default=False,
        metadata={"help": "Also evaluate the initial policy before any training (a pretrained model zero-shot)."},
    )
    report_to: str = field(
        default="none",
        metadata={"help": "TRL/Transformers report_to (none|tensorboard); TensorBoard events go to "
                  "<output_dir>/tensorboard/<stage>/."},
    )
    threads: int | None = field(default=None, metadata={"help": "torch threads for training (None: leave)."})
    gen_threads: int | None = field(
        default=1,
        metadata={"help": "torch threads for generation (eval, rollouts, MCTS). 1 is far faster for a tiny model "
                  "on a shared CPU: multi-thread kernels spin-wait on tiny per-token ops (measured 18x)."},
    )
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    sft: SFTStageConfig = field(default_factory=SFTStageConfig)
    deficiency: DeficiencyConfig = field(default_factory=DeficiencyConfig)
    mcts: MCTSConfig = field(default_factory=MCTSConfig)
    pairs: PairsConfig = field(default_factory=PairsConfig)
    preference: PreferenceConfig = field(default_factory=PreferenceConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    ray: RayConfig = field(default_factory=RayConfig)

    def __post_init__(self) -> None:
        _check(self.rounds >= 0, "rounds must be >= 0")
        _check(not (self.pairs.cut == "fragment" and self.preference.loss_type == "simpo"),
               "pairs.cut: fragment needs preference.loss_type sigmoid or ipo")
        _check(self.report_to in ("none", "tensorboard"), "report_to must be none or tensorboard")
        if self.report_to == "tensorboard":
            import importlib.util

            _check(importlib.util.find_spec("tensorboard") is not None,
                   "report_to: tensorboard needs the tensorboard package: pip install -e '.[tensorboard]'")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


SECTIONS = {
    "data": DataConfig,
    "model": ModelConfig,
    "sft": SFTStageConfig,
    "deficiency": DeficiencyConfig,
    "mcts": MCTSConfig,
    "pairs": PairsConfig,
    "preference": PreferenceConfig,
    "eval": EvalConfig,
    "ray": RayConfig,
}


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def config_from_dict(raw: dict[str, Any]) -> ITOOLConfig:
    """Build and validate a config from a plain mapping; unknown keys raise ValueError."""
    raw = dict(raw)
    raw.pop("smoke", None)
    top_fields = {f.name for f in dataclasses.fields(ITOOLConfig)}
    unknown = sorted(set(raw) - top_fields)
    if unknown:
        raise ValueError(f"unknown config key(s): {unknown}")
    kwargs: dict[str, Any] = {}
    for key, value in raw.items():
        if key in SECTIONS:
            cls = SECTIONS[key]
            value = value or {}
            if not isinstance(value, dict):
                raise ValueError(f"config section {key!r} must be a mapping")
            names = {f.name for f in dataclasses.fields(cls)}
            bad = sorted(set(value) - names)
            if bad:
                raise ValueError(f"unknown key(s) in section {key!r}: {bad}")
            kwargs[key] = cls(**_numbers(cls, key, value))
        else:
            kwargs[key] = value
    return ITOOLConfig(**kwargs)


def _numbers(cls: type, section: str, value: dict[str, Any]) -> dict[str, Any]:
    """Float fields given as strings become floats: YAML 1.1 reads ``1e-4`` (no dot) as a string."""
    out = dict(value)
    for f in dataclasses.fields(cls):
        v = out.get(f.name)
        if f.type in ("float", float) and isinstance(v, str):
            try:
                out[f.name] = float(v)
            except ValueError:
                raise ValueError(f"{section}.{f.name}: expected a number, got {v!r}") from None
    return out


def load_config(
    path: str | Path | None, smoke: bool = False, overrides: dict[str, Any] | None = None
) -> ITOOLConfig:
    """Read a YAML run config; ``smoke`` applies its ``smoke:`` section; ``overrides`` last."""
    raw: dict[str, Any] = {}
    if path is not None:
        text = Path(path).read_text(encoding="utf-8")
        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise ValueError(f"{path}: invalid YAML: {' '.join(str(e).split())}") from None
        if raw is None or raw == {}:  # an empty file must not silently run every default (in runs/demo)
            raise ValueError(f"{path}: empty config file; write a YAML mapping of the settings to change, with "
                             "output_dir (see configs/tiny.yaml)")
        if not isinstance(raw, dict):
            raise ValueError(f"{path}: a run config must be a YAML mapping")
    if smoke:
        raw = _merge(raw, raw.get("smoke") or {})
    if overrides:
        raw = _merge(raw, overrides)
    try:
        cfg = config_from_dict(raw)
    except (ValueError, TypeError) as e:
        if path is None:
            raise
        raise ValueError(f"{path}: {e}") from None
    if path is not None:
        cfg.data.tool_specs = _resolve_specs(cfg.data.tool_specs, Path(path).resolve().parent.parent)
    return cfg


def _resolve_specs(specs: Any, root: Path) -> Any:
    """Relative spec paths that do not exist from the working directory are taken from the
    repository root (the folder above configs/), so a run works from any directory."""
    def one(p: str) -> str:
        if Path(p).exists() or Path(p).is_absolute():
            return p
        alt = root / p
        return str(alt) if alt.exists() else p

    if specs is None:
        return None
    if isinstance(specs, str):
        return one(specs)
    return [one(str(p)) for p in specs]


def save_config(cfg: ITOOLConfig, path: str | Path) -> None:
    from training.io import atomic_write_text

    atomic_write_text(path, yaml.safe_dump(cfg.to_dict(), sort_keys=False))
