"""The BFCL AST checker, rule for rule (see ``../shared/docs/bfcl-scoring.md``).

Pure functions over decoded output (``[{func: {param: value}}]``), the entry's function docs and
its possible answers. Each returns ``{"valid": bool, "error": [...], "error_type": str}`` with the
official error strings, so verdicts and error types can be compared entry by entry.
"""

from __future__ import annotations

import re
import reprlib
from typing import Any

from toolenv.suites.bfcl.decode import TooLarge, _size, decode_ast, is_empty_output, is_function_calling_format_output

PYTHON_TYPE_MAPPING = {
    "string": str,
    "integer": int,
    "float": float,
    "boolean": bool,
    "array": list,
    "tuple": list,
    "dict": dict,
    "any": str,
}
NESTED_TYPES = ("array", "tuple")

_STD_RE = re.compile(r"[ \,\.\/\-\_\*\^]")
_std_cache: dict[str, str] = {}
_STD_CACHE_MAX_LEN = 256  # only short strings are cached (hostile outputs must not grow the cache)
_REPR_LIMIT = 2000
_short = reprlib.Repr()
_short.maxstring = _short.maxother = 200
_short.maxlist = _short.maxtuple = _short.maxdict = _short.maxset = 20
_short.maxlevel = 6


def _r(value: Any) -> str:
    """``repr(value)`` for error messages; a shortened repr for very large values (never raises)."""
    try:
        if _size(value, _REPR_LIMIT) <= _REPR_LIMIT:
            return repr(value)
        return _short.repr(value)
    except (ValueError, RecursionError):
        return f"<{type(value).__name__}>"


def _pytype(value: Any) -> type:
    """``type(value)``, with `TooLarge` (an integer beyond a double's range) typed as ``int``."""
    t = type(value)
    return int if t is TooLarge else t


def standardize_string(s: str) -> str:
    """Remove spaces and ``,./-_*^``, lower-case, and turn ``'`` into ``"`` (official normalisation)."""
    r = _std_cache.get(s)
    if r is None:
        r = _STD_RE.sub("", s).lower().replace("'", '"')
        if len(_std_cache) < 200_000 and len(s) <= _STD_CACHE_MAX_LEN:
            _std_cache[s] = r
    return r


def _fail(error_type: str, msg: str) -> dict[str, Any]:
    return {"valid": False, "error": [msg], "error_type": error_type}


_OK = {"valid": True, "error": []}


def _possible_answer_type(possible: list) -> type | None:
    for a in possible:
        if a != "":
            return type(a)
    return None


def type_checker(param: str, value: Any, possible: list, type_desc: str, expected: type, nested: type | None) -> dict[str, Any]:
    """Official ``type_checker``: returns valid, is_variable and the error type."""
    pa_type = _possible_answer_type(possible)
    is_variable = pa_type is not None and pa_type != expected
    nested_failed = False
    if _pytype(value) == expected:
        if nested is None:
            return {"valid": True, "error": [], "is_variable": is_variable}
        for item in possible:
            ok = True
            if type(item) == list:
                item_type = _possible_answer_type(item)
                for v in value:
                    if _pytype(v) == nested:
                        continue
                    if item_type is not None and _pytype(v) == item_type:
                        continue
                    ok = False
                    break
            if ok:
                return {"valid": True, "error": [], "is_variable": is_variable}
        nested_failed = True
    if pa_type is not None and _pytype(value) == pa_type:
        if nested_failed:  # official quirk: the nested failure stands, typed "nested"
            return {
                "valid": False,
                "error": [f"Nested type checking failed for parameter {param!r}. Expected outer type {type_desc} with inner type {nested}. Parameter value: {_r(value)}."],
                "is_variable": True,
                "error_type": "type_error:nested",
            }
        return {"valid": True, "error": [], "is_variable": True}
    return {
        "valid": False,
        "error": [f"Incorrect type for parameter {param!r}. Expected type {type_desc}, got {_pytype(value).__name__}. Parameter value: {_r(value)}."],
        "is_variable": False,
        "error_type": "type_error:simple",
    }


def string_checker(param: str, value: str, possible: list) -> dict[str, Any]:
    std = standardize_string(value)
    for a in possible:
        if type(a) == str and standardize_string(a) == std:
            return _OK
    return _fail("value_error:string", f"Invalid value for parameter {param!r}: {_r(value)}. Expected one of {possible}. Case insensitive.")


def _std_seq(seq: Any) -> list:
    try:
        return [standardize_string(x) if type(x) == str else x for x in seq]
    except TypeError:
        return [object()]  # official code would crash; never equal to anything


def list_checker(param: str, value: list, possible: list) -> dict[str, Any]:
    std = [standardize_string(x) if type(x) == str else x for x in value]
    for a in possible:
        if std == _std_seq(a):
            return _OK
    return _fail("value_error:list/tuple", f"Invalid value for parameter {param!r}: {_r(value)}. Expected one of {possible}.")


def dict_checker(param: str, value: dict, possibles: list) -> dict[str, Any]:
    result = {"valid": False, "error": [], "error_type": "dict_checker:unclear"}
    for possible in possibles:
        if possible == "":
            continue
        result = {"valid": False, "error": [], "error_type": "dict_checker:unclear"}
        flag = True
        if not isinstance(possible, dict):
            flag = False
            continue
        for key, v in value.items():
            if key not in possible:
                result["error"].append(f"Unexpected dict key parameter: '{key}'.")
                result["error_type"] = "value_error:dict_key"
                flag = False
                break
            sv = standardize_string(v) if type(v) == str else v
            allowed = _std_seq(possible[key])
            if sv not in allowed:
                result["error"].append(f"Invalid value for parameter {key!r}: {_r(v)}. Expected one of {allowed}.")
                result["error_type"] = "value_error:dict_value"
                flag = False
                break
        for key, allowed in possible.items():
            if key not in value and "" not in allowed:
                result["error"].append(f"Missing dict key parameter: '{key}'.")
                result["error_type"] = "value_error:dict_key"
                flag = False
                break
        if flag:
            return _OK
    return result


def list_dict_checker(param: str, value: list, possibles: list) -> dict[str, Any]:
    result: dict[str, Any] = {"valid": False, "error": [], "error_type": "list_dict_checker:unclear"}
    for possible in possibles:
        try:
            n = len(possible)
        except TypeError:
            continue
        if len(value) != n:
            result = {"valid": False, "error": ["Wrong number of dictionaries in the list."], "error_type": "value_error:list_dict_count"}
            continue
        flag = True
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                result = _fail("list_dict_checker:unclear", f"Item {i} of parameter {param!r} is not a dict.")
                flag = False
                break
            result = dict_checker(param, item, [possible[i]])
            if not result["valid"]:
                flag = False
                break
        if flag:
            return _OK
    return result


def simple_function_checker(func_doc: dict, model_call: dict, possible_answer: dict, underscore_to_dot: bool = False) -> dict[str, Any]:
    """Check one decoded call ``{name: params}`` against one ground-truth call and its doc."""
    possible = next(iter(possible_answer.values()))
    func_name = func_doc["name"]
    params_doc = func_doc.get("parameters", {})
    properties = params_doc.get("properties", {})
    required = params_doc.get("required", [])
    if underscore_to_dot and "." in func_name:
        func_name = func_name.replace(".", "_")
    if func_name not in model_call:
        return _fail("simple_function_checker:wrong_func_name", f"Function name {func_name!r} not found in model output.")
    model_params = model_call[func_name]
    for p in required:
        if p not in model_params:
            return _fail("simple_function_checker:missing_required", f"Missing required parameter: {p!r}.")
    for param, value in model_params.items():
        if param not in properties or param not in possible:
            return _fail("simple_function_checker:unexpected_param", f"Unexpected parameter: {param!r}.")
        type_desc = properties[param].get("type", "any")
        expected = PYTHON_TYPE_MAPPING.get(type_desc, str)
        nested = None
        if type_desc in NESTED_TYPES:
            nested = PYTHON_TYPE_MAPPING.get(properties[param].get("items", {}).get("type", "any"), str)
        if type_desc == "tuple" and type(value) == tuple:
            value = list(value)
        if type_desc == "float" and type(value) == int:  # int -> float, top level only
            value = float(value)
        elif type_desc == "float" and type(value) is TooLarge:  # float() would overflow: no float can match
            return _fail("value_error:others", f"Invalid value for parameter {param!r}: {_r(value)} is beyond the range of a float. Expected one of {possible[param]}.")
        allowed = possible[param]
        tc = type_checker(param, value, allowed, type_desc, expected, nested)
        if not tc["valid"]:
            return {"valid": False, "error": tc["error"], "error_type": tc["error_type"]}
        if not tc["is_variable"]:
            if expected == dict:
                r = dict_checker(param, value, allowed)
                if not r["valid"]:
                    return r
                continue
            if expected == list and nested == dict:
                r = list_dict_checker(param, value, allowed)
                if not r["valid"]:
                    return r
                continue
            if expected == str:
                r = string_checker(param, value, allowed)
                if not r["valid"]:
                    return r
                continue
            if expected == list:
                r = list_checker(param, value, allowed)
                if not r["valid"]:
                    return r
                continue
        try:
            found = value in allowed
        except Exception:
            found = False
        if not found:
            return _fail("value_error:others", f"Invalid value for parameter {param!r}: {_r(value)}. Expected one of {allowed}.")
    for param, allowed in possible.items():
        if param not in model_params and "" not in allowed:
            return _fail("simple_function_checker:missing_optional", f"Optional parameter {param!r} not provided and not marked as optional.")
    return {"valid": True, "error": [], "error_type": "simple_function_checker:unclear"}


def find_description(func_docs: list[dict], name: str) -> dict | None:
    for d in func_docs:
        if d["name"] == name:
            return d
    return None


def _doc_for(func_docs: list[dict], name: str) -> dict:
    d = find_description(func_docs, name)
    # The official checker would crash on a ground-truth function missing from the docs;
    # checking against an empty doc keeps the verdict defined (wrong name / unexpected param).
    return d if d is not None else {"name": name, "parameters": {"properties": {}, "required": []}}


def parallel_no_order_checker(func_docs: list[dict], model_output: list, possible_answers: list, underscore_to_dot: bool = False) -> dict[str, Any]:
    if len(model_output) != len(possible_answers):
        return _fail("parallel_function_checker_no_order:wrong_count", "Wrong number of functions.")
    matched: set[int] = set()
    for i, answer in enumerate(possible_answers):
        doc = _doc_for(func_docs, next(iter(answer)))
        errors: list[Any] = []
        found = False
        for j, call in enumerate(model_output):
            if j in matched:
                continue
            r = simple_function_checker(doc, call, answer, underscore_to_dot)
            if r["valid"]:
                matched.add(j)
                found = True
                break
            errors.append({f"Model Result Index {j}": {"sub_error": r["error"], "sub_error_type": r["error_type"]}})
        if not found:
            left = [j for j in range(len(model_output)) if j not in matched]
            errors.insert(0, f"Could not find a matching function among index {left} of model output for index {i} of possible answers.")
            return {"valid": False, "error": errors, "error_type": "parallel_function_checker_no_order:cannot_find_match"}
    return {"valid": True, "error": []}


def multiple_checker(func_docs: list[dict], model_output: list, possible_answers: list, underscore_to_dot: bool = False) -> dict[str, Any]:
    if len(model_output) != len(possible_answers):
        return _fail("multiple_function_checker:wrong_count", "Wrong number of functions.")
    doc = _doc_for(func_docs, next(iter(possible_answers[0])))
    return simple_function_checker(doc, model_output[0], possible_answers[0], underscore_to_dot)


def ast_checker(func_docs: list[dict], model_output: list, possible_answers: list, category: str, underscore_to_dot: bool = False) -> dict[str, Any]:
    """Dispatch on the category name exactly like the official checker."""
    if "parallel" in category:
        return parallel_no_order_checker(func_docs, model_output, possible_answers, underscore_to_dot)
    if "multiple" in category:
        return multiple_checker(func_docs, model_output, possible_answers, underscore_to_dot)
    if len(model_output) != 1:
        return _fail("simple_function_checker:wrong_count", "Wrong number of functions.")
    return simple_function_checker(func_docs[0], model_output[0], possible_answers[0], underscore_to_dot)


def is_relevance_category(category: str) -> bool:
    return "irrelevance" in category or "relevance" in category


_UNSET: Any = object()


def check_single(entry: dict, answer: list | None, result: Any, category: str, underscore_to_dot: bool = False,
                 *, decoded: Any = _UNSET) -> dict[str, Any]:
    """Score one single-turn result (raw: text or ``[{name: json}]``) like the official runners.

    Returns ``{"valid", "error", "error_type", "decoded"}``; ``error_type`` is None when valid.
    ``decoded``: ``decode_ast(result)`` when the caller already has it, or the exception decoding
    raised (so the output is not decoded twice).
    """
    given = decoded

    def decode() -> Any:
        if given is _UNSET:
            return decode_ast(result)
        if isinstance(given, BaseException):
            raise given
        return given

    if is_relevance_category(category):
        decoded = None
        try:
            decoded = decode()
            has_call = not is_empty_output(decoded)
            err = ""
        except Exception as e:  # any decoding failure means "no call", as officially
            has_call = False
            err = str(e)
        if "irrelevance" in category:
            if not has_call:
                return {"valid": True, "error": [], "error_type": None, "decoded": decoded}
            return {"valid": False, "error": ["Valid syntax. Successfully decode AST when it should not."], "error_type": "irrelevance_error:decoder_success", "decoded": decoded}
        if has_call:
            return {"valid": True, "error": [], "error_type": None, "decoded": decoded}
        return {"valid": False, "error": [f"Invalid syntax. Failed to decode AST when it should have. {err}"], "error_type": "relevance_error:decoder_failed", "decoded": decoded}
    try:
        decoded = decode()
    except Exception as e:  # noqa: BLE001 - the official runner catches everything here
        return {"valid": False, "error": [f"Invalid syntax. Failed to decode AST. {e}"], "error_type": "ast_decoder:decoder_failed", "decoded": None}
    if not is_function_calling_format_output(decoded):
        return {"valid": False, "error": ["Did not output in the specified format. Note: the model_result is wrapped in a string to ensure json serializability."], "error_type": "ast_decoder:decoder_wrong_output_format", "decoded": decoded}
    r = ast_checker(entry["function"], decoded, answer or [], category, underscore_to_dot)
    return {"valid": r["valid"], "error": r["error"], "error_type": None if r["valid"] else r["error_type"], "decoded": decoded}
