"""BFCL AST checker and decoder: every official error type, from the rules, with hand-written cases."""

from __future__ import annotations

import json

import pytest

from toolenv.suites.bfcl.checker import check_single, standardize_string
from toolenv.suites.bfcl.decode import DecodeError, decode_ast_fc, decode_ast_prompting, decode_execute_prompting

F = {
    "name": "f",
    "parameters": {
        "type": "dict",
        "properties": {
            "a": {"type": "integer"},
            "s": {"type": "string"},
            "x": {"type": "float"},
            "arr": {"type": "array", "items": {"type": "float"}},
            "iarr": {"type": "array", "items": {"type": "integer"}},
            "d": {"type": "dict", "properties": {"k": {"type": "integer"}, "o": {"type": "string"}}},
            "ld": {"type": "array", "items": {"type": "dict"}},
            "t": {"type": "tuple", "items": {"type": "integer"}},
            "b": {"type": "boolean"},
            "extra": {"type": "string"},
        },
        "required": ["a"],
    },
}
G = {"name": "math.g", "parameters": {"type": "dict", "properties": {"n": {"type": "integer"}}, "required": ["n"]}}


def entry(**gt_params):
    params = {"a": [1], "s": ["San Francisco, CA", ""], "x": [2.0, ""], "arr": [[1.0, 2.0], ""], "iarr": [[1, 2], ""],
              "d": [{"k": [1], "o": ["yes", ""]}, ""], "ld": [[{"k": [1]}, {"k": [2]}], ""], "t": [[1, 2], ""], "b": [True, ""]}
    params.update(gt_params)
    return {"id": "e", "function": [F, G], "ground_truth": [{"f": params}]}


def check(result, category="simple_python", **gt):
    e = entry(**gt)
    return check_single(e, e["ground_truth"], result, category)


def err(result, category="simple_python", **gt):
    return check(result, category, **gt)["error_type"]


# --------------------------------------------------------------------------- decoding
def test_decoder_failed_and_wrong_format():
    assert err("I cannot do that.") == "ast_decoder:decoder_failed"
    assert err("[f(a=1) g(n=2)]") == "ast_decoder:decoder_failed"
    assert err("[1, 2]") == "ast_decoder:decoder_failed"  # elements must be calls
    assert err([{"f": "[1, 2]"}]) == "ast_decoder:decoder_wrong_output_format"  # params not a dict
    assert err([{"f": "{not json"}]) == "ast_decoder:decoder_failed"
    assert err([{"f": {"a": 1}}]) == "ast_decoder:decoder_failed"  # FC values must be JSON strings


def test_prompt_decoding_rules():
    assert decode_ast_prompting("```\n[f(a=1)]\n```") == [{"f": {"a": 1}}]
    assert decode_ast_prompting("f(a=1)") == [{"f": {"a": 1}}]  # wrapped in [...]
    assert decode_ast_prompting("[math.g(n=2)]") == [{"math.g": {"n": 2}}]  # dots kept
    assert decode_ast_prompting("[f(1, 2, a=3)]") == [{"f": {"a": 3}}]  # positional dropped
    assert decode_ast_prompting("[f(a=-5, b=1+2, c=2*3.5)]") == [{"f": {"a": -5, "b": 3, "c": 7.0}}]
    assert decode_ast_prompting("[f(a=+5)]") == [{"f": {"a": -5}}]  # official quirk: any unary op negates
    assert decode_ast_prompting("[f(a=Paris, b=true)]") == [{"f": {"a": "Paris", "b": "true"}}]  # bare names
    assert decode_ast_prompting("[f(a=now())]") == [{"f": {"a": "now()"}}]  # call without keywords -> source
    assert decode_ast_prompting("[f(a=g(n=1))]") == [{"f": {"a": {"g": {"n": 1}}}}]
    assert decode_ast_prompting("[f(a=(1, 2), b={'k': [1]}, c=x[0])]") == [{"f": {"a": (1, 2), "b": {"k": [1]}, "c": "x[0]"}}]
    for bad in ("[f(a=x+1)]", "[f(a=1/0)]", "[f(a={1, 2})]", "[f(a=lambda: 1)]", "[f(a=-x)]", "[f(a=math.pi)]", "[f(**{'a': 1})]"[:0] or "[f(a=f'x')]"):
        with pytest.raises(DecodeError):
            decode_ast_prompting(bad)
    assert decode_ast_fc([{"f": json.dumps({"a": 1})}]) == [{"f": {"a": 1}}]
    assert decode_execute_prompting("[cd(folder=document), ls(a=True)]") == ["cd(folder='document')", "ls(a=True)"]


def test_huge_arithmetic_is_refused_not_computed():
    with pytest.raises(DecodeError):
        decode_ast_prompting("[f(a=9**9999999)]")
    with pytest.raises(DecodeError):
        decode_ast_prompting("[f(a='x'*10**9)]")


# --------------------------------------------------------------------------- simple checks, in order
def test_valid_and_counts():
    assert check("[f(a=1)]")["valid"]
    assert err("[f(a=1), f(a=1)]") == "simple_function_checker:wrong_count"
    assert err("[]") == "simple_function_checker:wrong_count"
    assert err("[f(a=1), f(a=1)]", "multiple") == "multiple_function_checker:wrong_count"


def test_name_required_unexpected_optional():
    assert err("[g(a=1)]") == "simple_function_checker:wrong_func_name"
    assert err("[f(s='x')]") == "simple_function_checker:missing_required"
    assert err("[f(a=1, zzz=2)]") == "simple_function_checker:unexpected_param"  # not in the doc
    assert err("[f(a=1, extra='x')]") == "simple_function_checker:unexpected_param"  # in doc, not in ground truth
    assert err("[f(a=1)]", s=["x"]) == "simple_function_checker:missing_optional"  # GT param without ""
    assert check("[f(a=1)]", s=["x", ""])["valid"]  # "" marks the parameter as omissible


def test_type_errors_and_int_float_promotion():
    assert err("[f(a='1')]") == "type_error:simple"
    assert err("[f(a=True)]") == "type_error:simple"  # a bool is not an int
    assert err("[f(a=1.0)]") == "type_error:simple"  # no float -> int
    assert check("[f(a=1, x=2)]")["valid"]  # int accepted for a top-level float
    assert err("[f(a=1, arr=[1, 2])]", arr=[[1.0, 2.0]]) == "type_error:nested"  # ... but not inside an array
    assert check("[f(a=1, arr=[1, 2])]")["valid"]  # official quirk: a "" possible answer skips the item check
    assert check("[f(a=1, arr=[1, 2])]", arr=[[1, 2]])["valid"]  # ground-truth item type is accepted
    assert err("[f(a=1, arr=[1.0, 'x'])]", arr=[[1.0, 2.0]]) == "type_error:nested"
    assert check("[f(a=1, t=(1, 2))]")["valid"]  # tuple -> list for a tuple parameter
    assert err("[f(a=1, iarr=(1, 2))]") == "type_error:simple"  # but not for an array parameter
    assert check("[f(a='v1')]", a=["v1"])["valid"]  # ground-truth type other than the doc's: accepted


def test_value_errors():
    assert err("[f(a=2)]") == "value_error:others"
    assert check("[f(a=1, s='san francisco ca')]")["valid"]  # normalised
    assert check("[f(a=1, s='SAN-FRANCISCO, C.A.')]")["valid"]
    assert err("[f(a=1, s='Los Angeles')]") == "value_error:string"
    assert check('''[f(a=1, s="it's")]''', s=['it"s'])["valid"]  # ' and " are equal after normalisation
    assert err("[f(a=1, arr=[2.0, 1.0])]") == "value_error:list/tuple"  # order matters
    assert check("[f(a=1, arr=[1.0, 2.0])]")["valid"]
    assert err("[f(a=1, d={'k': 1, 'zz': 2})]") == "value_error:dict_key"
    assert err("[f(a=1, d={'o': 'yes'})]") == "value_error:dict_key"  # required key missing
    assert err("[f(a=1, d={'k': 5})]") == "value_error:dict_value"
    assert check("[f(a=1, d={'k': 1, 'o': 'YES'})]")["valid"]
    assert err("[f(a=1, ld=[{'k': 1}])]") == "value_error:list_dict_count"
    # official quirk: the last possible answer's verdict is reported ("" has length 0 -> count error)
    assert err("[f(a=1, ld=[{'k': 1}, {'k': 3}])]") == "value_error:list_dict_count"
    assert err("[f(a=1, ld=[{'k': 1}, {'k': 3}])]", ld=[[{'k': [1]}, {'k': [2]}]]) == "value_error:dict_value"
    assert check("[f(a=1, ld=[{'k': 1}, {'k': 2}])]")["valid"]


def test_standardize_string():
    assert standardize_string("April 1, 2024") == standardize_string("april 1 2024") == "april12024"
    assert standardize_string("a_b-c/d.e*f^g") == "abcdefg"
    assert standardize_string("it's") == 'it"s'


# --------------------------------------------------------------------------- parallel, relevance
def par_entry():
    return {"id": "p", "function": [F], "ground_truth": [{"f": {"a": [1]}}, {"f": {"a": [2]}}]}


def test_parallel_order_free_matching():
    e = par_entry()
    assert check_single(e, e["ground_truth"], "[f(a=2), f(a=1)]", "parallel")["valid"]
    assert check_single(e, e["ground_truth"], "[f(a=1), f(a=2)]", "parallel_multiple")["valid"]
    assert check_single(e, e["ground_truth"], "[f(a=1)]", "parallel")["error_type"] == "parallel_function_checker_no_order:wrong_count"
    r = check_single(e, e["ground_truth"], "[f(a=1), f(a=1)]", "parallel")
    assert r["error_type"] == "parallel_function_checker_no_order:cannot_find_match"
    fc = [{"f": json.dumps({"a": 2})}, {"f": json.dumps({"a": 1})}]
    assert check_single(e, e["ground_truth"], fc, "parallel")["valid"]


def test_irrelevance_and_relevance():
    e = {"id": "i", "function": [F], "ground_truth": None}
    for text in ("I can't help with that.", "[]", "[{}]"[:2], ""):
        assert check_single(e, None, text, "irrelevance")["valid"]
    assert check_single(e, None, "[f(a=1)]", "irrelevance")["error_type"] == "irrelevance_error:decoder_success"
    assert check_single(e, None, [{"f": "{}"}], "live_irrelevance")["error_type"] == "irrelevance_error:decoder_success"
    assert check_single(e, None, "[f(a=1)]", "live_relevance")["valid"]
    assert check_single(e, None, "[]", "live_relevance")["error_type"] == "relevance_error:decoder_failed"
    assert check_single(e, None, "no call", "live_relevance")["error_type"] == "relevance_error:decoder_failed"


def test_underscore_to_dot_names():
    e = {"id": "u", "function": [G], "ground_truth": [{"math.g": {"n": [2]}}]}
    assert check_single(e, e["ground_truth"], "[math.g(n=2)]", "simple_python")["valid"]
    assert not check_single(e, e["ground_truth"], "[math_g(n=2)]", "simple_python")["valid"]
    assert check_single(e, e["ground_truth"], "[math_g(n=2)]", "simple_python", underscore_to_dot=True)["valid"]
