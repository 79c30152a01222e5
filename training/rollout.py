"""Batched episodes of the policy in the environment, all driven through ONE env instance with
`snapshot()` / `restore()` (the env restores any of its episodes), so many episodes advance
together while every reward comes from the env.

A `Cursor` is an in-progress episode: the env snapshot, the last observation, the actions so far
and the env's rewards and deficiency codes. `run_to_end` advances a list of cursors turn by turn,
generating all their next actions in one batch per turn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from toolenv.export import episode_seed, play_oracle

__all__ = ["EXPERT_MAX_TURNS", "Cursor", "episode_seed", "expert_cursor", "replay", "run_to_end", "start", "step"]

#: how many actions the oracle's episode (`expert_cursor`, the SFT rows) may take
EXPERT_MAX_TURNS = 32


@dataclass
class Cursor:
    snap: Any
    obs: str
    task_index: int
    actions: list[str] = field(default_factory=list)
    rewards: list[float] = field(default_factory=list)
    deficiencies: list[str] = field(default_factory=list)
    done: bool = False
    success: bool = False

    @property
    def ret(self) -> float:
        return float(sum(self.rewards))

    def copy(self) -> "Cursor":
        return Cursor(self.snap, self.obs, self.task_index, list(self.actions), list(self.rewards),
                      list(self.deficiencies), self.done, self.success)


def start(env: Any, task_index: int, seed: int) -> Cursor:
    """Reset ``env`` to a task; return a cursor at its first observation."""
    obs, _ = env.reset(seed=seed, options={"task_index": task_index})
    return Cursor(snap=env.unwrapped.snapshot(), obs=obs, task_index=task_index)


def step(env: Any, cur: Cursor, action: str, max_turns: int | None = None) -> Cursor:
    """Apply one action to the episode ``cur`` (restored into ``env``); returns a new cursor."""
    u = env.unwrapped
    u.restore(cur.snap)
    obs, reward, terminated, truncated, info = env.step(action)
    nxt = cur.copy()
    nxt.snap = u.snapshot()
    nxt.obs = obs
    nxt.actions.append(action)
    nxt.rewards.append(float(reward))
    nxt.deficiencies.extend(info.get("deficiencies", []))
    nxt.done = bool(terminated or truncated)
    if max_turns is not None and len(nxt.actions) >= max_turns and not nxt.done:
        nxt.done = True
        nxt.deficiencies.append("answer:missing")
    nxt.success = bool(info.get("success", False)) if nxt.done else False
    return nxt


def run_to_end(
    env: Any,
    policy: Any,
    cursors: Sequence[Cursor],
    prefixes: Sequence[str] | None = None,
    max_new_tokens: int = 96,
    max_turns: int = 6,
    batch_size: int = 48,
    temperature: float = 0.0,
    seed: int = 0,
) -> list[Cursor]:
    """Play every cursor to the end with the policy. ``prefixes`` (optional) are texts the first
    action of each cursor must start with (the partial turn of a search node)."""
    cur = [c.copy() for c in cursors]
    pre = list(prefixes) if prefixes is not None else [""] * len(cur)
    turn = 0
    while True:
        active = [i for i, c in enumerate(cur) if not c.done]
        if not active:
            break
        prompts = [policy.render_observation(cur[i].obs) + pre[i] for i in active]
        outs = policy.generate(prompts, max_new_tokens=max_new_tokens, temperature=temperature,
                               seed=seed + 7919 * turn, batch_size=batch_size)
        for i, text in zip(active, outs):
            cur[i] = step(env, cur[i], pre[i] + text, max_turns=max_turns)
            pre[i] = ""
        turn += 1
    return cur


def replay(env: Any, task_index: int, seed: int, actions: Sequence[str]) -> Cursor:
    """Replay fixed action texts from a fresh reset (checks that a score is the env's score)."""
    c = start(env, task_index, seed)
    for a in actions:
        if c.done:
            break
        c = step(env, c, a)
    return c


def expert_cursor(env: Any, task_index: int, seed: int, max_turns: int = EXPERT_MAX_TURNS) -> Cursor:
    """The oracle's episode of a task (its return normalises search values): `play_oracle` as a cursor."""
    tr = play_oracle(env, task_index, seed, max_turns=max_turns)
    return Cursor(snap=env.unwrapped.snapshot(), obs=tr.obs, task_index=task_index, actions=tr.actions,
                  rewards=tr.rewards, deficiencies=tr.deficiencies, done=tr.done, success=tr.success)
