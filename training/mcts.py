"""Stage 5: Monte Carlo tree search over the policy's answers, scored by the environment.

Read top to bottom:

1. A **node** is a step of the policy's answer. Inside an agent turn a step is a text fragment
   (the turn is cut after every `fragments_per_step`-th split marker: ``, `` ``=`` ``(`` ``. ``
   ``: ``); a fragment that ends the turn (EOS) moves the episode on: the env is restored to the
   turn's start snapshot and stepped with the whole turn text, and the node's children are
   fragments of the NEXT turn (multi-step and multi-turn episodes).
2. **Selection**: from the root, follow the child maximising PUCT
   ``Q + c_puct * P * sqrt(N_parent) / (1 + N)`` until a node that is not expanded.
3. **Expansion**: sample `num_children` continuations of (turn-start prompt + the node's partial
   turn) in ONE batch (the shared prefix is encoded once, its KV cache copied per sibling); cut each
   at its first step; identical fragments merge. Prior P = exp(mean token log-prob of the
   fragment), normalised over siblings.
4. **Simulation**: each new child is completed by the policy (greedy, batched across siblings,
   then the following turns until the episode ends) and scored by the ENVIRONMENT: the value is
   the episode's env return divided by the oracle's return on the same task (1.0 = as good as
   the ground truth). The completed action texts are kept, so any value can be re-checked by
   replaying them in a fresh env.
5. **Backup**: the value is added to the child and every ancestor (N += 1, W += v; Q = W / N).

Seeded and reproducible: sampling seeds derive from (seed, task, node id).
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

from training.config import MCTSConfig
from training.rollout import Cursor, run_to_end, step


@dataclass
class Node:
    id: int
    parent: "Node | None"
    depth: int
    ctx: Cursor  # the episode at the start of this node's turn
    turn_prefix: str  # text of the current turn so far (including this node's fragment)
    fragment: str = ""
    prior: float = 1.0
    ends_turn: bool = False  # the fragment finished the turn
    next_ctx: Cursor | None = None  # when ends_turn: the episode after the turn was stepped
    children: list["Node"] = field(default_factory=list)
    expanded: bool = False
    N: int = 0
    W: float = 0.0
    leaf: Cursor | None = None  # the first completed episode through this node (its simulation)
    value: float | None = None  # that episode's normalised env value

    @property
    def Q(self) -> float:
        return self.W / self.N if self.N else 0.0

    @property
    def terminal(self) -> bool:
        return self.ends_turn and self.next_ctx is not None and self.next_ctx.done

    # where this node's children continue from
    def child_context(self) -> tuple[Cursor, str]:
        if self.ends_turn:
            assert self.next_ctx is not None
            return self.next_ctx, ""
        return self.ctx, self.turn_prefix


@dataclass
class SearchResult:
    root: Node
    nodes: list[Node]
    norm: float  # the oracle's return used to normalise values
    stats: dict[str, Any]


def split_step(text: str, markers: Sequence[str], fragments: int) -> int | None:
    """Index just after the ``fragments``-th marker in ``text`` (None if there are fewer)."""
    pos, found = 0, 0
    while found < fragments:
        best = None
        for m in markers:
            j = text.find(m, pos)
            if j >= 0 and (best is None or j + len(m) < best):
                best = j + len(m)
        if best is None:
            return None
        pos, found = best, found + 1
    return pos


def stable_seed(*parts: Any) -> int:
    h = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(h[:4], "little") & 0x7FFFFFFF


class MCTS:
    """One search tree per task. ``policy``: a `training.policy.Policy`; ``env``: a ToolUse env
    holding the task (its episodes are branched with snapshot/restore)."""

    def __init__(self, policy: Any, env: Any, cfg: MCTSConfig):
        self.policy = policy
        self.env = env
        self.cfg = cfg

    # ---------------------------------------------------------------- the search loop
    def search(self, root_ctx: Cursor, norm: float, task_key: str = "") -> SearchResult:
        cfg = self.cfg
        t0 = time.time()
        self.nodes: list[Node] = []
        self.task_key = task_key
        self.norm = norm if norm > 1e-9 else 1.0
        self.stats = {"expansions": 0, "samples": 0, "leaf_evaluations": 0, "sample_seconds": 0.0, "sim_seconds": 0.0}
        if hasattr(self.policy, "clear_cache"):  # a search starts clean: same task + seed = same tree
            self.policy.clear_cache()
        root = self._new_node(None, root_ctx, "", "", 1.0)
        for _ in range(cfg.iterations):
            node = self.select(root)
            if node.terminal or node.depth >= cfg.max_depth or node.expanded:
                # nothing to expand: re-use the node's known value
                self.backup(node, node.value if node.value is not None else 0.0)
                continue
            children = self.expand(node)
            self.simulate(children)
            for ch in children:
                self.backup(ch, ch.value if ch.value is not None else 0.0)
        self.stats.update(
            nodes=len(self.nodes),
            max_depth=max(n.depth for n in self.nodes),
            seconds=round(time.time() - t0, 3),
        )
        return SearchResult(root=root, nodes=self.nodes, norm=self.norm, stats=self.stats)

    # ---------------------------------------------------------------- 2. selection
    def select(self, node: Node) -> Node:
        while node.expanded and node.children and not node.terminal:
            node = max(node.children, key=lambda ch: self.puct(node, ch))
        return node

    def puct(self, parent: Node, child: Node) -> float:
        return child.Q + self.cfg.c_puct * child.prior * math.sqrt(max(parent.N, 1)) / (1 + child.N)

    # ---------------------------------------------------------------- 3. expansion
    def expand(self, node: Node) -> list[Node]:
        cfg = self.cfg
        node.expanded = True
        ctx, prefix = node.child_context()
        if ctx.done:
            return []
        prompt = self.policy.render_observation(ctx.obs)
        markers, frags = cfg.split_markers, cfg.fragments_per_step

        def enough(cont: str) -> bool:
            return split_step(cont, markers, frags) is not None

        t = time.time()
        samples = self.policy.sample_continuations(
            prompt, prefix, cfg.num_children, cfg.max_new_tokens, cfg.temperature,
            seed=stable_seed(cfg.seed, self.task_key, node.id), stop_fn=enough,
        )
        self.stats["sample_seconds"] += time.time() - t
        self.stats["expansions"] += 1
        self.stats["samples"] += len(samples)
        merged: dict[str, tuple[float, bool]] = {}
        for s in samples:
            cut = split_step(s.text, markers, frags)
            fragment = s.text if cut is None else s.text[:cut]
            ends = s.finished and (cut is None or cut >= len(s.text))
            n_tok = sum(1 for e in s.token_ends if e <= len(fragment)) or len(s.token_logprobs)
            lp = s.token_logprobs[:n_tok]
            prior = math.exp(sum(lp) / len(lp)) if lp else 1.0
            if fragment in merged:
                merged[fragment] = (max(prior, merged[fragment][0]), merged[fragment][1] or ends)
            else:
                merged[fragment] = (prior, ends)
        total = sum(p for p, _ in merged.values()) or 1.0
        children = []
        for fragment, (prior, ends) in merged.items():
            ch = self._new_node(node, ctx, prefix + fragment, fragment, prior / total)
            ch.ends_turn = ends
            if ends:  # the turn is complete: step the env with it
                ch.next_ctx = step(self.env, ctx, ch.turn_prefix, max_turns=cfg.max_turns)
            node.children.append(ch)
            children.append(ch)
        return children

    # ---------------------------------------------------------------- 4. simulation
    def simulate(self, children: Sequence[Node]) -> None:
        """Complete each child's episode with the policy (batched) and score it with the env."""
        cfg = self.cfg
        t = time.time()
        starts, prefixes = [], []
        for ch in children:
            c, p = ch.child_context()
            starts.append(c)
            prefixes.append(p)
        ends = run_to_end(
            self.env, self.policy, starts, prefixes,
            max_new_tokens=cfg.rollout_max_new_tokens, max_turns=cfg.max_turns,
            batch_size=max(1, len(starts)), temperature=cfg.rollout_temperature,
            seed=stable_seed(cfg.seed, self.task_key, "sim", children[0].id if children else 0),
        )
        for ch, end in zip(children, ends):
            ch.leaf = end
            ch.value = end.ret / self.norm
        self.stats["leaf_evaluations"] += len(children)
        self.stats["sim_seconds"] += time.time() - t

    # ---------------------------------------------------------------- 5. backup
    def backup(self, node: Node | None, value: float) -> None:
        while node is not None:
            node.N += 1
            node.W += value
            node = node.parent

    # ---------------------------------------------------------------- helpers
    def _new_node(self, parent: Node | None, ctx: Cursor, turn_prefix: str, fragment: str, prior: float) -> Node:
        node = Node(
            id=len(self.nodes), parent=parent, depth=0 if parent is None else parent.depth + 1,
            ctx=ctx, turn_prefix=turn_prefix, fragment=fragment, prior=prior,
        )
        self.nodes.append(node)
        return node


def turn_text(node: Node) -> str:
    """The complete text of ``node``'s turn as its simulation finished it."""
    if node.ends_turn:
        return node.turn_prefix
    assert node.leaf is not None
    k = len(node.ctx.actions)  # the turn's index in the episode
    return node.leaf.actions[k] if k < len(node.leaf.actions) else node.turn_prefix
