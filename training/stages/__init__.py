"""The stages of a training run, one module each; `training.itool.pipeline` calls them in order.

Each stage is a function ``stage(run, ...)`` of a `training.run.Run`: it finds its folder in
``run.layout`` (`training.layout.RunLayout`), returns at once when that folder is finished, and
otherwise writes it through ``run.produce`` (main-process stages) or ``run.train`` (training
stages on every process), which own resuming, waiting and the DONE markers. The algorithms live
outside: `training.data`, `training.sft`, `training.deficiency`, `training.search`,
`training.dpo`, `training.evaluate`.

    data          synthesize the tasks, the oracle's SFT rows
    model_init    the initial policy
    warmup        easy-to-hard (or random-order) warm-up SFT
    evaluate      held-out tasks (+ BFCL suites) of a policy -> eval/NAME, metrics.jsonl
    deficiency    roll the policy out on training tasks, select the deficient ones
    search        MCTS on them -> the round's preference pairs
    preference    DPO-family update on the pairs -> the round's policy
    baseline      warm-up SFT continued for the rounds' optimizer steps
"""
