"""Train/test splits without leakage: by synthesis seed (values, simulated worlds) and by template.

Held-out evaluation must mean held out. A test task differs from every training task in

* its **template**: the sentence frame of the request (``meta["frame"]``: "question3", "seq1",
  ...). Frames are partitioned per style, so both sides see every style (questions, commands,
  polite, terse, ...) but never the same frame;
* its **seed**: the test set is synthesized with a different seed, so argument values and the
  simulated worlds (``Task.seed``) differ; world seeds are checked to be disjoint.

`synthesize_split` generates both sides directly (nothing is wasted). `split_tasks` splits an
existing task list by the same rules and drops tasks that would leak (a training task whose world
seed is also used by a test task). `leakage_report` measures what two sets share.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any, Iterable, Sequence

from toolenv.tasks import Task

DEFAULT_TEST_FRACTION = 0.25
TEST_SEED_OFFSET = 1_000_003  # test seed = seed + offset (a prime: never one of the usual small seeds)


def _h(*parts: Any) -> int:
    return int.from_bytes(hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest(), "big")


def frame_partition(test_fraction: float = DEFAULT_TEST_FRACTION, salt: int = 0) -> tuple[list[str], list[str]]:
    """Partition every query frame id into (train, test), per style, deterministically.

    In each style at least one frame goes to each side, and each side keeps at least one frame
    that takes a verb phrase (so multi-call requests can be phrased in every style)."""
    from toolenv.synth.queries import FRAMES, OFF_TOPIC_REQUESTS, SEQUENCE_FRAMES, Frame

    if not 0.0 < test_fraction < 1.0:
        raise ValueError("test_fraction must be in (0, 1)")
    by_style: dict[str, list[Any]] = defaultdict(list)
    for f in list(FRAMES) + list(SEQUENCE_FRAMES):
        by_style[f.style].append(f)
    # the fixed off-topic requests of irrelevance tasks are templates too
    by_style["offtopic"] = [Frame(f"offtopic{i}", "offtopic", text) for i, (text, _) in enumerate(OFF_TOPIC_REQUESTS)]
    train: list[str] = []
    test: list[str] = []
    for style, frames in sorted(by_style.items()):
        ranked = sorted(frames, key=lambda f: _h("frame", salt, f.id))
        k = min(len(ranked) - 1, max(1, round(test_fraction * len(ranked))))
        te, tr = ranked[:k], ranked[k:]
        for side, other in ((te, tr), (tr, te)):
            if all(f.needs_np for f in side):  # move one verb-phrase frame over
                vp = next(f for f in other if not f.needs_np)
                other.remove(vp)
                side.append(vp)
                if not other or all(f.needs_np for f in other):
                    raise AssertionError(f"cannot partition style {style}")
        train += [f.id for f in tr]
        test += [f.id for f in te]
    return sorted(train), sorted(test)


def test_seed(seed: int) -> int:
    return int(seed) + TEST_SEED_OFFSET


def synthesize_split(registry: Any, num_train: int, num_test: int, seed: int = 0,
                     categories: Sequence[str] | None = None, test_fraction: float = DEFAULT_TEST_FRACTION,
                     progress: bool = False, salt: int = 0) -> tuple[list[Task], list[Task]]:
    """Train tasks (seed ``seed``, train frames) and test tasks (seed ``test_seed(seed)``, test frames).
    The frame partition depends on ``test_fraction`` and ``salt`` only, so test sets made from any
    seed stay held out from training sets made from any other seed."""
    from toolenv.synth import Synthesizer

    train_frames, test_frames = frame_partition(test_fraction, salt=salt)
    train = Synthesizer(registry, frames=train_frames).generate(num_train, seed, categories, progress=progress)
    test = Synthesizer(registry, frames=test_frames).generate(num_test, test_seed(seed), categories,
                                                              progress=progress)
    for t in train:
        t.meta["split"] = "train"
    for t in test:
        t.meta["split"] = "test"
    rep = leakage_report(train, test)
    if rep["shared_frames"] or rep["shared_world_seeds"]:
        raise AssertionError(f"split leaked: {rep}")  # cannot happen short of a hash collision
    return train, test


def synthesize_seen_template_test(registry: Any, num: int, train: Sequence[Task], seed: int = 0,
                                  categories: Sequence[str] | None = None,
                                  test_fraction: float = DEFAULT_TEST_FRACTION, salt: int = 0,
                                  progress: bool = False) -> list[Task]:
    """A second held-out set that keeps the training *templates* but not their seed: new argument
    values and new simulated worlds (seed ``test_seed(seed) + 1``). It measures in-distribution
    generalisation (new values, same phrasings), next to `synthesize_split`'s test set, which holds
    out templates too. Tasks whose world seed, or whose request together with its offered tools,
    also occurs in ``train`` are dropped (a copy of a training task is not held out; a fixed
    off-topic request offered with other tools is a new task)."""
    from toolenv.synth import Synthesizer

    train_frames, _ = frame_partition(test_fraction, salt=salt)
    out = Synthesizer(registry, frames=train_frames).generate(num, test_seed(seed) + 1, categories, progress=progress)

    def request(t: Task) -> tuple[str, tuple[str, ...]]:
        return t.turns[0].user, tuple(sorted(t.tools))

    seeds = {t.seed for t in train}
    inputs = {request(t) for t in train}
    kept = [t for t in out if t.seed not in seeds and request(t) not in inputs]
    for t in kept:
        t.meta["split"] = "test_seen_templates"
    return kept


def task_frame(task: Task) -> str:
    return str(task.meta.get("frame") or task.meta.get("template") or "").split("+")[0].split("/")[0].split("|")[0]


def split_tasks(tasks: Iterable[Task], test_fraction: float = DEFAULT_TEST_FRACTION, salt: int = 0,
                ) -> tuple[list[Task], list[Task], int]:
    """Split an existing task list by seed *and* frame.

    Seeds (the synthesis seed when the tasks come from several, else the world seed) are assigned
    to test with probability ``test_fraction`` (by a stable hash; at least one seed per side); a
    task is kept in test when its seed and its frame are test ones, in train when both are train
    ones, and dropped otherwise. Returns (train, test, dropped). With one synthesis run about
    ``(1-f)^2`` of the tasks end in train and ``f^2`` in test: prefer `synthesize_split`, which
    generates both sides and drops nothing."""
    _, test_frames = frame_partition(test_fraction, salt)
    test_set = set(test_frames)
    tasks = list(tasks)
    synth_seeds = {t.meta.get("synth_seed") for t in tasks}
    by_synth = len(synth_seeds) > 1

    def key(t: Task) -> Any:
        return ("synth", t.meta.get("synth_seed")) if by_synth else ("world", t.seed)

    keys = sorted({key(t) for t in tasks}, key=lambda k: _h("seed", salt, k))
    test_keys = {k for k in keys if _h("seed", salt, k) / 2.0 ** 64 < test_fraction}
    if len(keys) >= 2:
        if not test_keys:
            test_keys = {keys[0]}
        if len(test_keys) == len(keys):
            test_keys.discard(keys[-1])
    train: list[Task] = []
    test: list[Task] = []
    dropped = 0
    for t in tasks:
        seed_test = key(t) in test_keys
        frame_test = task_frame(t) in test_set
        if seed_test and frame_test:
            test.append(t)
        elif not seed_test and not frame_test:
            train.append(t)
        else:
            dropped += 1
    return train, test, dropped


def _gt_signature(task: Task) -> str:
    import json

    return json.dumps([[c.to_dict() for c in t.calls] for t in task.turns], sort_keys=True)


def leakage_report(train: Sequence[Task], test: Sequence[Task]) -> dict[str, Any]:
    """What the two sets share: frames, world seeds, synthesis seeds, identical user texts, identical
    ground truths. A clean split has zeros everywhere (identical ground truths may rarely happen for
    argument-free calls such as "list my playlists"; they are reported, not fatal)."""
    ftr, fte = {task_frame(t) for t in train}, {task_frame(t) for t in test}
    wtr, wte = {t.seed for t in train}, {t.seed for t in test}
    str_, ste = {t.meta.get("synth_seed") for t in train}, {t.meta.get("synth_seed") for t in test}
    utr = {t.turns[0].user for t in train}
    gtr = {_gt_signature(t) for t in train}
    return {
        "train": len(train),
        "test": len(test),
        "shared_frames": sorted(ftr & fte),
        "shared_world_seeds": len(wtr & wte),
        "shared_synth_seeds": sorted(x for x in str_ & ste if x is not None),
        "shared_user_texts": sum(t.turns[0].user in utr for t in test),
        "shared_ground_truths": sum(_gt_signature(t) in gtr for t in test),
    }
