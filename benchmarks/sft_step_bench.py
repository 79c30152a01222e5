"""SFT step cost of a checkpoint: the model's own loss (logits at every position) vs the loss on
label positions only (`training.sft.completion_loss`), and with the bottom layers frozen
(`training.model.freeze_bottom`), side by side in one run.

    python benchmarks/sft_step_bench.py [--model models/smollm2-135m] [--batch 4] [--length 450] [--labels 80]

Plain AdamW steps on random token ids (the cost does not depend on the values); prints s/step and
tokens/s per variant and a JSON line. Record results in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="models/smollm2-135m")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--length", type=int, default=450)
    ap.add_argument("--labels", type=int, default=80, help="label tokens at the end of each row")
    ap.add_argument("--steps", type=int, default=3, help="timed steps per variant (after one warm-up step)")
    ap.add_argument("--freeze", type=int, nargs="*", default=[15, 22])
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    import torch

    from training.model import freeze_bottom, load_model
    from training.sft import completion_loss

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    from transformers import AutoConfig

    vocab = AutoConfig.from_pretrained(args.model).vocab_size
    ids = torch.randint(min(100, vocab // 4), vocab, (args.batch, args.length))
    labels = ids.clone()
    labels[:, : args.length - args.labels] = -100
    variants = [("model's own loss (all positions)", 0, False), ("label positions only", 0, True)]
    variants += [(f"label positions only + freeze_layers {n}", n, True) for n in args.freeze]
    res = {}
    for name, freeze, selective in variants:
        model = load_model(args.model)
        model.train()
        freeze_bottom(model, freeze)
        opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)
        times = []
        for _ in range(args.steps + 1):
            t = time.perf_counter()
            if selective:
                loss = completion_loss(model, ids, None, labels)
            else:
                loss = model(input_ids=ids, labels=labels).loss
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            times.append(time.perf_counter() - t)
        best = min(times[1:])
        res[name] = {"s_per_step": round(best, 5), "tokens_per_s": round(args.batch * args.length / best, 1)}
        print(f"{name:45s} {best:7.2f} s/step {args.batch * args.length / best:8.0f} tok/s", flush=True)
        del model, opt
    print(json.dumps({"model": args.model, "batch": args.batch, "length": args.length, "labels": args.labels,
                      "threads": args.threads, "results": res}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
