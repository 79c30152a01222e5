"""BFCL (Berkeley Function Calling Leaderboard) suites with official-compatible scoring.

* :mod:`.decode` -- model output -> calls, by the official rules (``ast``, never ``eval``);
* :mod:`.checker` -- the AST checker (single-turn categories), official error types;
* :mod:`.backends` -- the eight multi-turn backends and the call-string executor;
* :mod:`.multi_turn` -- the multi-turn reading of results and state / response checks (the four
  ``multi_turn_*`` categories: base, miss_func, miss_param, long_context);
* :mod:`.score` -- result file -> official score-file layout;
* :mod:`.suite` -- ``BfclSuite`` and its episodes (single-turn and multi-turn).
"""

from toolenv.suites.bfcl.checker import ast_checker, check_single, standardize_string
from toolenv.suites.bfcl.data import CATEGORIES, MULTI_TURN_CATEGORIES, SINGLE_TURN_CATEGORIES, load_category
from toolenv.suites.bfcl.decode import DecodeError, decode_ast, decode_ast_fc, decode_ast_prompting
from toolenv.suites.bfcl.multi_turn import check_multi_turn

__all__ = [
    "CATEGORIES",
    "MULTI_TURN_CATEGORIES",
    "SINGLE_TURN_CATEGORIES",
    "DecodeError",
    "ast_checker",
    "check_multi_turn",
    "check_single",
    "decode_ast",
    "decode_ast_fc",
    "decode_ast_prompting",
    "load_category",
    "standardize_string",
]
