"""The official BFCL multi-turn evaluator (``bfcl-eval``), run in-process beside ours.

``official_scorer()`` imports ``bfcl_eval.eval_checker.eval_runner`` and scores results through its
own ``_evaluate_single_multi_turn_entry`` (the official decoding loop + ``multi_turn_checker``)
with a real official handler: ``gpt-4o-2024-11-20`` (prompt style: ``default_decode_execute_prompting``)
for string steps, ``gpt-4o-2024-11-20-FC`` (``convert_to_function_call``) for function-calling steps.

bfcl-eval is installed here without its dependencies (``make setup``: ``--no-deps``), and the
runner's module imports every model handler (openai, anthropic, tree_sitter, ...). Those missing
third-party modules are replaced, for imports made *from bfcl_eval's own files only*, by inert
stand-ins: nothing they provide is used when scoring. ``BFCL_PROJECT_ROOT`` points the runner's
result/score folders at a temporary folder so that importing it writes nothing into the venv.

The official executor caches backend instances in its module's globals, keyed by model name and
entry id (``<model>_eval_<id>_<Class>_instance``): ``OfficialScorer.score`` clears them before
every entry, so an entry can be scored any number of times.
"""

from __future__ import annotations

import copy
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import tempfile
import types
from typing import Any

PROMPT_MODEL = "gpt-4o-2024-11-20"
FC_MODEL = "gpt-4o-2024-11-20-FC"
INSTALL_HINT = "pip install --no-deps bfcl-eval==2026.3.23 mpmath (or make setup)"


# ---------------------------------------------------------------------------------- stand-ins
class _StubMeta(type):
    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _StubMeta(name, (_Stub,), {})

    def __call__(cls, *a: Any, **k: Any) -> Any:
        if len(a) == 1 and not k and callable(a[0]) and not isinstance(a[0], _StubMeta):
            return a[0]  # used as a decorator: leave the function alone
        return type.__call__(cls)

    def __getitem__(cls, item: Any) -> Any:
        return cls

    def __or__(cls, other: Any) -> Any:
        return cls

    __ror__ = __or__

    def __iter__(cls) -> Any:
        return iter(())


class _Stub(metaclass=_StubMeta):
    def __init__(self, *a: Any, **k: Any) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _StubMeta(name, (_Stub,), {})

    def __call__(self, *a: Any, **k: Any) -> Any:
        if len(a) == 1 and not k and callable(a[0]):
            return a[0]
        return _Stub()

    def __or__(self, other: Any) -> Any:
        return self

    __ror__ = __and__ = __rand__ = __add__ = __radd__ = __or__

    def __iter__(self) -> Any:
        return iter(())


class _StubModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _StubMeta(name, (_Stub,), {})


class _MissingDependencyFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on ``sys.meta_path``: only reached for modules no real finder has. Answers only imports
    made from a file of the bfcl_eval package."""

    stubbed: list[str] = []

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name.partition(".")[0] == "bfcl_eval":
            return None
        f = sys._getframe(1)
        while f is not None and f.f_code.co_filename.startswith("<frozen"):
            f = f.f_back
        if f is None or f"{os.sep}bfcl_eval{os.sep}" not in f.f_code.co_filename:
            return None
        self.stubbed.append(name)
        return importlib.machinery.ModuleSpec(name, self, is_package=True)

    def create_module(self, spec: Any) -> Any:
        return _StubModule(spec.name)

    def exec_module(self, module: Any) -> None:
        module.__path__ = []


_RUNNER: Any = None
_WHY_NOT: str | None = None


def official_unavailable() -> str | None:
    """None when the official runner imports, else why not (with what to install)."""
    _load()
    return _WHY_NOT


def _load() -> Any:
    global _RUNNER, _WHY_NOT
    if _RUNNER is not None or _WHY_NOT is not None:
        return _RUNNER
    if importlib.util.find_spec("bfcl_eval") is None:
        _WHY_NOT = f"bfcl_eval is not installed: {INSTALL_HINT}"
        return None
    os.environ.setdefault("BFCL_PROJECT_ROOT", tempfile.mkdtemp(prefix="bfcl_official_"))
    if not any(isinstance(f, _MissingDependencyFinder) for f in sys.meta_path):
        sys.meta_path.append(_MissingDependencyFinder())
    try:
        _RUNNER = importlib.import_module("bfcl_eval.eval_checker.eval_runner")
        importlib.import_module("bfcl_eval.eval_checker.multi_turn_eval.multi_turn_checker")
    except Exception as e:  # noqa: BLE001 - any failure: the caller skips with the reason
        _WHY_NOT = f"the official evaluator does not import ({type(e).__name__}: {e}); {INSTALL_HINT}"
        _RUNNER = None
    return _RUNNER


class OfficialScorer:
    """Score multi-turn results of one category with the official runner, entry by entry."""

    def __init__(self, category: str) -> None:
        runner = _load()
        if runner is None:
            raise RuntimeError(_WHY_NOT)
        self.runner = runner
        self.category = category
        utils = importlib.import_module("bfcl_eval.utils")
        prompts = utils.load_dataset_entry(category, include_prereq=False, include_language_specific_hint=False)
        answers = utils.load_ground_truth_entry(category)
        self.prompts = {p["id"]: p for p in prompts}
        self.answers = {p["id"]: a["ground_truth"] for p, a in zip(prompts, answers)}
        # the official handlers build an OpenAI client in __init__ when the real SDK is installed (openenv-core
        # brings it); it needs a key to exist but never sends a request here (only its decoding is used)
        placeholder = "OPENAI_API_KEY" not in os.environ
        if placeholder:
            os.environ["OPENAI_API_KEY"] = "sk-unused-by-the-scorer"
        try:
            self.handlers = {PROMPT_MODEL: runner.get_handler(PROMPT_MODEL), FC_MODEL: runner.get_handler(FC_MODEL)}
        finally:
            if placeholder:
                os.environ.pop("OPENAI_API_KEY", None)
        self._exec_globals = vars(importlib.import_module("bfcl_eval.eval_checker.multi_turn_eval.multi_turn_utils"))

    def clear_instances(self) -> None:
        """Drop the official executor's cached backend instances (module globals ``*_instance``)."""
        for k in [k for k in self._exec_globals if k.endswith("_instance")]:
            del self._exec_globals[k]

    @staticmethod
    def model_for(result: Any) -> str:
        """The handler a result needs: FC when some step is a dict or a list of dicts, else prompt."""
        if isinstance(result, list):
            for turn in result:
                for step in turn if isinstance(turn, list) else []:
                    if isinstance(step, dict) or (isinstance(step, list) and step and all(isinstance(x, dict) for x in step)):
                        return FC_MODEL
        return PROMPT_MODEL

    def prompt_entry(self, entry_id: str) -> dict[str, Any]:
        return copy.deepcopy(self.prompts[entry_id])

    def score(self, entry_id: str, result: Any, model_name: str | None = None, prompt: dict[str, Any] | None = None,
              clear: bool = True) -> dict[str, Any]:
        """The official per-entry verdict line (``{"valid": True}`` on success), ``inference_log``
        added as ``multi_turn_runner`` does. ``prompt``: a prepared `prompt_entry` (timing runs)."""
        if clear:
            self.clear_instances()
        handler_name = self.model_for(result)
        line = self.runner._evaluate_single_multi_turn_entry(
            self.handlers[handler_name], entry_id, result, self.answers[entry_id],
            prompt if prompt is not None else self.prompt_entry(entry_id), model_name or handler_name, self.category)
        if not line["valid"]:
            line["inference_log"] = ""
        return line


def official_score_file_line(line: dict[str, Any]) -> Any:
    """A line as the official writer puts it in the score file (parsed back from its JSON)."""
    import json

    utils = importlib.import_module("bfcl_eval.utils")
    return json.loads(json.dumps(utils.make_json_serializable(line), ensure_ascii=False))
