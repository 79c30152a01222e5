"""One generation path: the search, the deficiency rollouts and evaluation render the same prompt
and decode with the same backend, for a chat template with tool support and one without."""

from __future__ import annotations

import json

import pytest

from toolenv.tasks import load_tasks
from training.config import MCTSConfig
from training.data import make_env
from training.evaluate import make_agent
from training.mcts import MCTS
from training.model import load_model, load_tokenizer
from training.policy import Policy
from training.rollout import episode_seed, expert_cursor, start

# ChatML without any tool support (like SmolLM2's own template): tools must be inlined by the backend
PLAIN_CHATML = (
    "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + (message.content or '') + "
    "'<|im_end|>\\n' }}{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


@pytest.fixture(scope="module", params=["tool_template", "plain_chatml"])
def setup(request, smoke_run):
    path = smoke_run / "sft"
    model = load_model(path)
    model.eval()
    tok = load_tokenizer(path)
    if request.param == "plain_chatml":
        tok.chat_template = PLAIN_CHATML
    tasks_path = smoke_run / "data" / "train.jsonl"
    return request.param, model, tok, tasks_path, load_tasks(tasks_path)


def _multi_turn_observation(env, tasks):
    """An observation after one step (so it carries an assistant call and a tool response)."""
    for ti, t in enumerate(tasks):
        c = expert_cursor(env, ti, episode_seed(t))
        if len(c.actions) >= 2:
            env.reset(seed=episode_seed(t), options={"task_index": ti})
            obs, *_ = env.step(c.actions[0])
            return obs
    pytest.skip("no multi-step task in the smoke set")


def test_search_and_rollout_prompts_are_the_eval_prompts(setup):
    kind, model, tok, tasks_path, tasks = setup
    env = make_env(tasks_path)
    agent = make_agent(model, tok, max_new_tokens=8)
    policy = Policy(model, tok)
    assert agent.native_tools == (kind == "tool_template")

    obs0, _ = env.reset(seed=1, options={"task_index": 0})
    obs1 = _multi_turn_observation(env, tasks)
    for obs in (obs0, obs1):
        prompt = agent.render_prompt(obs)
        assert policy.render_observation(obs) == prompt
        tools = json.loads(obs)["tools"]
        assert all(t["function"]["name"] in prompt for t in tools)  # inlined when the template has no tools
        assert "# Tools" in prompt

    # record what the search actually sends to the backend
    seen_sample, seen_generate = [], []
    real_sample, real_generate = policy.agent.sample_continuations, policy.agent.generate

    def sample(prompt_text, prefix="", **kw):
        seen_sample.append(prompt_text)
        return real_sample(prompt_text, prefix, **kw)

    def generate(prompts, **kw):
        seen_generate.extend(prompts)
        return real_generate(prompts, **kw)

    policy.agent.sample_continuations = sample
    policy.agent.generate = generate
    ti = 0
    s = episode_seed(tasks[ti])
    cfg = MCTSConfig(iterations=2, num_children=2, max_new_tokens=6, max_depth=2, max_turns=2, rollout_max_new_tokens=8)
    root = start(env, ti, s)
    MCTS(policy, env, cfg).search(root, expert_cursor(env, ti, s).ret or 1.0, task_key="p")
    assert seen_sample and seen_generate
    assert seen_sample[0] == agent.render_prompt(root.obs)
    # leaf rollouts continue a node's partial turn: the prompt part is the eval rendering
    first_turn = agent.render_prompt(root.obs)
    assert any(p.startswith(first_turn) for p in seen_generate)


def test_policy_and_eval_agent_decode_alike(setup):
    _, model, tok, tasks_path, _ = setup
    env = make_env(tasks_path)
    agent = make_agent(model, tok, max_new_tokens=12)
    policy = Policy(model, tok)
    obs = [env.reset(seed=i, options={"task_index": i})[0] for i in range(3)]
    greedy_eval = agent.act_batch(obs)
    greedy_policy = policy.generate([policy.render_observation(o) for o in obs], max_new_tokens=12)
    assert greedy_eval == greedy_policy
    # sampled siblings are reproducible for a seed and carry per-token ends inside their text
    a = policy.sample_continuations(policy.render_observation(obs[0]), "", 3, 10, 1.5, seed=5)
    policy.clear_cache()
    b = policy.sample_continuations(policy.render_observation(obs[0]), "", 3, 10, 1.5, seed=5)
    assert [x.text for x in a] == [x.text for x in b]
    for x in a:
        assert len(x.token_ends) == len(x.token_logprobs)
        assert x.token_ends == sorted(x.token_ends) and (not x.token_ends or x.token_ends[-1] == len(x.text))
