"""Writes the malformed-spec corpus `tests/data/bad_specs/` and its `expected.json`.

    python tests/data/make_bad_specs.py          # (re)write the corpus

Each case is a file (or a folder of files, for duplicate names across files) that
`toolenv validate` must refuse and `gym.make("ToolUse-v0", tool_specs=...)` must refuse with
`toolenv.SpecError`, both naming ``file#pointer``. ``expected.json`` maps the case name to
``{"pointer": P, "message": M}`` (and ``"file"`` for folders: the file that must be named):
some reported problem's pointer must start with ``P`` and its message contain ``M``.

FIFOs, directories named ``*.json``, symlink loops, devices and oversized files are not
committed: `tests/toolenv/test_bad_specs.py` creates them at run time.
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "bad_specs"

P = {"type": "object", "properties": {"city": {"type": "string", "description": "the city"}}, "required": ["city"]}
R = {"type": "object", "properties": {"temperature": {"type": "number"}, "summary": {"type": "string"}},
     "required": ["temperature"]}


def tool(**kw: Any) -> dict[str, Any]:
    t = {"name": "get_weather", "description": "Current weather for a city.", "parameters": copy.deepcopy(P),
         "response": copy.deepcopy(R)}
    t.update(kw)
    return t


def param(name: str, schema: Any, required: bool = True, **kw: Any) -> dict[str, Any]:
    """A tool whose parameters hold one property ``name`` with ``schema`` (+ top-level keys ``kw``)."""
    params = {"type": "object", "properties": {name: schema}, **({"required": [name]} if required else {}), **kw}
    return tool(parameters=params)


def resp(name: str, schema: Any, **kw: Any) -> dict[str, Any]:
    """A tool whose response holds one required property ``name`` with ``schema``."""
    return tool(response={"type": "object", "properties": {name: schema}, "required": [name], **kw})


SHOP = {
    "name": "shop",
    "description": "A tiny shop",
    "collections": {
        "orders": {"id_field": "order_id", "id_prefix": "O", "initial": 3,
                   "schema": {"type": "object", "properties": {
                       "order_id": {"type": "string"}, "product": {"type": "string"},
                       "quantity": {"type": "integer", "minimum": 1, "maximum": 9},
                       "status": {"type": "string", "enum": ["placed", "shipped", "cancelled"]}},
                       "required": ["order_id", "product", "quantity"]}},
    },
    "tools": [
        {"name": "list_orders", "description": "List orders.",
         "parameters": {"type": "object", "properties": {"status": {"type": "string", "enum": ["placed", "shipped"]}}},
         "response": {"type": "object", "properties": {"results": {"type": "array", "items": {
             "type": "object", "properties": {"order_id": {"type": "string"}, "product": {"type": "string"}}}},
             "count": {"type": "integer"}}},
         "effect": {"collection": "orders", "action": "list"}},
        {"name": "place_order", "description": "Order a product.",
         "parameters": {"type": "object", "properties": {"product": {"type": "string", "description": "what"},
                                                         "quantity": {"type": "integer", "minimum": 1}},
                        "required": ["product", "quantity"]},
         "response": {"type": "object", "properties": {"order_id": {"type": "string"}, "status": {"type": "string"}}},
         "effect": {"collection": "orders", "action": "create"}},
        {"name": "get_order", "description": "Read an order.",
         "parameters": {"type": "object", "properties": {"order_id": {"type": "string", "description": "the order"}},
                        "required": ["order_id"]},
         "response": {"type": "object", "properties": {"order_id": {"type": "string"}, "product": {"type": "string"}}},
         "effect": {"collection": "orders", "action": "read"}},
    ],
}


def kit(path: list[Any], value: Any = None, *, delete: bool = False) -> dict[str, Any]:
    doc = copy.deepcopy(SHOP)
    node = doc
    for p in path[:-1]:
        node = node[p]
    if delete:
        del node[path[-1]]
    elif isinstance(node, list) and path[-1] == len(node):
        node.append(value)
    else:
        node[path[-1]] = value
    return doc


def nested(depth: int, leaf: Any) -> Any:
    """``depth`` levels of {"type": "object", "properties": {"a": ...}} around ``leaf``."""
    s = leaf
    for _ in range(depth):
        s = {"type": "object", "properties": {"a": s}}
    return s


CASES: dict[str, tuple[Any, str, str]] = {}  # name -> (content, pointer prefix, message part)
FOLDERS: dict[str, tuple[dict[str, Any], str, str, str]] = {}  # name -> ({file: doc}, file, pointer, message)


def case(name: str, content: Any, pointer: str, message: str) -> None:
    assert name not in CASES, name
    CASES[name] = (content, pointer, message)


def raw(text: str) -> bytes:
    return text.encode("utf-8")


# ---- the file itself ----------------------------------------------------------------------------
case("json_truncated", raw('{"name": "get_weather", "description": "x"'), "", "invalid JSON")
case("json_trailing_comma", raw('[{"name": "a", "description": "b"},]'), "", "invalid JSON")
case("json_single_quotes", raw("{'name': 'a', 'description': 'b'}"), "", "invalid JSON")
case("json_empty_file", b"", "", "invalid JSON")
case("json_whitespace_only", b"  \n\t \n", "", "invalid JSON")
case("json_comment", raw('// weather\n{"name": "a", "description": "b"}'), "", "invalid JSON")
case("json_two_documents", raw('{"name": "a", "description": "b"} {"name": "c", "description": "d"}'), "",
     "Extra data")
case("json_unterminated_string", raw('{"name": "a, "description": "b"}'), "", "invalid JSON")
case("not_utf8_latin1", '{"name": "caf\u00e9", "description": "x"}'.encode("latin-1"), "", "not UTF-8")
case("not_utf8_utf16", json.dumps(tool()).encode("utf-16"), "", "not UTF-8")
case("not_utf8_surrogate_bytes", b'{"name": "a\xed\xa0\x80", "description": "x"}', "", "not UTF-8")
case("not_utf8_binary", bytes(range(256)), "", "not UTF-8")
case("number_nan", raw(json.dumps(param("n", {"type": "number"})).replace('"type": "number"',
                                                                          '"type": "number", "minimum": NaN')),
     "/parameters/properties/n/minimum", "NaN is not valid JSON")
case("number_infinity", raw(json.dumps(param("n", {"type": "number"})).replace(
    '"type": "number"', '"type": "number", "maximum": Infinity')),
     "/parameters/properties/n/maximum", "Infinity is not valid JSON")
case("number_minus_infinity", raw(json.dumps(resp("n", {"type": "number"})).replace(
    '"type": "number"', '"type": "number", "minimum": -Infinity')), "/response/properties/n/minimum", "not valid JSON")
case("number_overflow_1e999", raw(json.dumps(param("n", {"type": "number"})).replace(
    '"type": "number"', '"type": "number", "maximum": 1e999')), "/parameters/properties/n/maximum", "infinity")
case("number_too_large_1e25", raw(json.dumps(param("n", {"type": "number"})).replace(
    '"type": "number"', '"type": "number", "maximum": 1e25')), "/parameters/properties/n/maximum", "too large")
case("integer_5000_digits", raw(json.dumps(param("n", {"type": "integer"})).replace(
    '"type": "integer"', '"type": "integer", "maximum": ' + "9" * 5000)), "/parameters/properties/n/maximum",
     "5000 digits")
case("integer_21_digits", raw(json.dumps(param("n", {"type": "integer"})).replace(
    '"type": "integer"', '"type": "integer", "minimum": -' + "1" * 21)), "/parameters/properties/n/minimum",
     "21 digits")
case("integer_huge_default", raw(json.dumps(param("n", {"type": "integer"}, required=False)).replace(
    '"type": "integer"', '"type": "integer", "default": ' + "7" * 4301)), "/parameters/properties/n/default",
     "4301 digits")
case("integer_huge_enum_value", raw(json.dumps(param("n", {"type": "integer", "enum": [1, 2]})).replace(
    "[1, 2]", "[1, " + "3" * 30 + "]")), "/parameters/properties/n/enum/1", "30 digits")
case("integer_huge_initial", raw(json.dumps(kit(["collections", "orders", "initial"], 1)).replace(
    '"initial": 1', '"initial": ' + "5" * 40)), "/collections/orders/initial", "40 digits")
case("nesting_arrays_600", raw("[" * 600 + "]" * 600), "/0/0/0/0/0/0/0/0/0/0", "nested deeper than 48")
case("nesting_arrays_20000", raw("[" * 20_000 + "]" * 20_000), "", "nested too deeply")
case("nesting_objects_3000", raw('{"a": ' * 3000 + "1" + "}" * 3000), "", "nested too deeply")
case("nesting_schema_600_levels", raw('{"name": "deep", "description": "x", "parameters": ' +
                                     '{"type": "object", "properties": {"a": ' * 299 + '{"type": "string"}' + "}}" * 299
                                     + "}"), "/parameters/properties/a/properties/a", "nested deeper than 48")
case("nesting_schema_30_levels", param("a", nested(30, {"type": "string"})), "/parameters/properties/a/properties/a",
     "nested deeper than 48")
case("nesting_items_60", param("a", json.loads('{"type": "array", "items": ' * 60 + '{"type": "string"}' + "}" * 60)),
     "/parameters/properties/a/items/items", "nested deeper than 48")
case("string_description_100001", tool(description="x" * 100_001), "/description", "max_string_chars")
case("string_enum_value_huge", param("u", {"type": "string", "enum": ["y" * 100_001]}),
     "/parameters/properties/u/enum/0", "max_string_chars")
case("array_enum_10001", param("u", {"type": "integer", "enum": list(range(10_001))}), "/parameters/properties/u/enum",
     "max_array_len")
case("object_2001_properties", tool(parameters={"type": "object", "properties": {
    f"p{i}": {"type": "string"} for i in range(2001)}}), "/parameters/properties", "max_object_keys")
case("duplicate_key_name", raw('{"name": "get_weather", "name": "get_rain", "description": "x"}'), "/name",
     "duplicate key 'name'")
case("duplicate_key_property", raw('{"name": "a", "description": "x", "parameters": {"type": "object", "properties": '
                                   '{"city": {"type": "string"}, "city": {"type": "integer"}}}}'),
     "/parameters/properties/city", "duplicate key 'city'")
case("duplicate_key_type", raw('{"name": "a", "description": "x", "parameters": {"type": "object", "type": "array"}}'),
     "/parameters/type", "duplicate key 'type'")
case("top_level_null", raw("null"), "", "expected a tool")
case("top_level_number", raw("42"), "", "expected a tool")
case("top_level_string", raw('"get_weather"'), "", "expected a tool")
case("top_level_true", raw("true"), "", "expected a tool")
case("too_many_tools_2001", raw(json.dumps([{"name": f"t{i}", "description": "d"} for i in range(2001)],
                                           separators=(",", ":"))), "/2000", "more than 2000 tools")

# ---- tools and toolkits -------------------------------------------------------------------------
case("tool_not_an_object", [1], "/0", "a tool must be an object")
case("tool_missing_name", {"description": "x", "parameters": P}, "/name", "missing tool name")
case("tool_name_not_string", tool(name=123), "/name", "missing tool name")
case("tool_name_bad_chars", tool(name="get weather!"), "/name", "invalid tool name")
case("tool_name_too_long", tool(name="x" * 80), "/name", "invalid tool name")
case("tool_missing_description", {"name": "a", "parameters": P}, "/description", "has no description")
case("tool_blank_description", tool(description="   "), "/description", "has no description")
case("tool_parameters_string", tool(parameters="params"), "/parameters", "schema must be an object")
case("tool_parameters_array_type", tool(parameters={"type": "array"}), "/parameters/type", "must be 'object'")
case("tool_parameters_and_input_schema", tool(inputSchema=P), "", "either 'parameters' or 'inputSchema'")
case("tool_two_response_schemas", tool(returns={"type": "object"}), "", "give one response schema")
case("tool_response_not_object", tool(response=[1, 2]), "/response", "schema must be an object")
case("openai_function_not_object", {"type": "function", "function": "nope"}, "/function", "must be an object")
case("openai_function_missing_name", {"type": "function", "function": {"description": "x"}}, "/function/name",
     "missing tool name")
case("toolkit_tools_not_list", {"name": "kit", "tools": {"a": 1}}, "/tools", "must be a list of tools")
case("toolkit_empty_name", {"name": "", "tools": []}, "/name", "toolkit name must be a non-empty string")
case("toolkit_duplicate_tool", kit(["tools", 3], copy.deepcopy(SHOP["tools"][0])), "/tools/3/name",
     "duplicate tool name")
case("effect_without_toolkit", tool(effect={"collection": "x", "action": "create"}), "/effect",
     "effects need a toolkit")
case("effect_unknown_collection", kit(["tools", 1, "effect", "collection"], "baskets"), "/tools/1/effect/collection",
     "'baskets' is not declared")
case("effect_unknown_action", kit(["tools", 1, "effect", "action"], "explode"), "/tools/1/effect/action",
     "unknown action")
case("effect_not_object", kit(["tools", 1, "effect"], "create"), "/tools/1/effect", "effect must be an object")
case("effect_missing_id_parameter", kit(["tools", 2, "parameters", "properties", "order_id"], delete=True),
     "/tools/2/effect/collection", "needs the id parameter")
case("collection_id_field_missing", kit(["collections", "orders", "id_field"], "ref"), "/collections/orders/id_field",
     "'ref' is not a property")
case("collection_initial_5000", kit(["collections", "orders", "initial"], 5000), "/collections/orders/initial",
     "must be an integer in [0, 200]")
case("collection_no_schema", kit(["collections", "orders", "schema"], delete=True), "/collections/orders/schema",
     "missing record schema")
case("collection_schema_array", kit(["collections", "orders", "schema", "type"], "array"),
     "/collections/orders/schema/type", "must be 'object'")
case("collections_not_object", kit(["collections"], []), "/collections", "collections must be an object")

# ---- schema structure ---------------------------------------------------------------------------
case("schema_unknown_type", param("a", {"type": "strin"}), "/parameters/properties/a/type", "invalid JSON Schema")
case("schema_minimum_string", param("n", {"type": "integer", "minimum": "0"}), "/parameters/properties/n/minimum",
     "invalid JSON Schema")
case("schema_required_not_property", tool(parameters={"type": "object", "properties": {"a": {"type": "string"}},
                                                      "required": ["date"]}), "/parameters/required/0",
     "'date' is not a property")
case("schema_nested_required_not_property", param("a", {"type": "object", "properties": {"b": {"type": "string"}},
                                                         "required": ["c"]}),
     "/parameters/properties/a/required/0", "'c' is not a property")
case("schema_enum_wrong_type", param("u", {"type": "string", "enum": ["a", 3]}), "/parameters/properties/u/enum/1",
     "is not of type")
case("schema_default_mismatch", param("n", {"type": "integer", "default": "x"}, required=False),
     "/parameters/properties/n/default", "does not match")
case("schema_pattern_invalid_regex", param("s", {"type": "string", "pattern": "(unclosed"}),
     "/parameters/properties/s/pattern", "invalid JSON Schema")

# ---- caps on what the simulator generates -------------------------------------------------------
case("min_length_1e9", param("s", {"type": "string", "minLength": 1_000_000_000}), "/parameters/properties/s/minLength",
     "max_min_length")
case("min_length_1e9_float", raw(json.dumps(param("s", {"type": "string"})).replace(
    '"type": "string"}', '"type": "string", "minLength": 1e9}', 1)), "/parameters/properties/s/minLength",
     "max_min_length")
case("min_length_20000_response", resp("s", {"type": "string", "minLength": 20_000}),
     "/response/properties/s/minLength", "max_min_length")
case("min_length_in_record_schema", kit(["collections", "orders", "schema", "properties", "product"],
                                        {"type": "string", "minLength": 50_000}),
     "/collections/orders/schema/properties/product/minLength", "max_min_length")
case("min_items_1e9", param("l", {"type": "array", "items": {"type": "string"}, "minItems": 1_000_000_000}),
     "/parameters/properties/l/minItems", "max_min_items")
case("min_items_in_record_schema", kit(["collections", "orders", "schema", "properties", "tags"],
                                       {"type": "array", "items": {"type": "string"}, "minItems": 5000}),
     "/collections/orders/schema/properties/tags/minItems", "max_min_items")
case("min_contains_huge", resp("l", {"type": "array", "contains": {"type": "string"}, "minContains": 100_000}),
     "/response/properties/l/minContains", "max_min_items")
case("min_items_nested_product", param("grid", {"type": "array", "minItems": 200, "items": {
    "type": "array", "minItems": 200, "items": {"type": "array", "minItems": 200, "items": {"type": "string"}}}}),
     "/parameters/properties/grid/items/minItems", "max_value_size")
case("min_items_times_min_length", resp("l", {"type": "array", "minItems": 900, "items": {
    "type": "string", "minLength": 9000}}), "/response/properties/l/minItems", "max_value_size")

# ---- patterns -----------------------------------------------------------------------------------
for name, pat in [("pattern_nested_plus", "^(a+)+$"), ("pattern_word_space_star", r"^(\w+\s?)*$"),
                  ("pattern_alternation_overlap", "^(a|aa)+$"), ("pattern_alternation_same", "(a|a)*b"),
                  ("pattern_star_star", "(x*)*y"), ("pattern_digits_nested", r"^(\d+)+$"),
                  ("pattern_dot_star_bounded", "^(.*a){12}$"), ("pattern_spaces_nonspaces", r"^\s*(\S+\s*)*$"),
                  ("pattern_alternative_classes", "^(?:[a-z]+|[a-z0-9]+)*$"),
                  ("pattern_evil_email", r"^([a-zA-Z0-9])(([\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}"
                                         r"(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$"),
                  ("pattern_adjacent_stars", r"^\d*\d*\d*\d*\d*x$"),
                  ("pattern_repeat_1000000", "^a{1000000}$"), ("pattern_too_long", "a" * 1001)]:
    case(name, param("code", {"type": "string", "pattern": pat}), "/parameters/properties/code/pattern",
         "max_pattern" if "1000000" in name or "long" in name else "backtrack")
case("pattern_redos_in_response", resp("code", {"type": "string", "pattern": "^([a-z]+)*$"}),
     "/response/properties/code/pattern", "backtrack")
case("pattern_redos_in_record_schema", kit(["collections", "orders", "schema", "properties", "product"],
                                           {"type": "string", "pattern": r"^(\w+\s?)+$"}),
     "/collections/orders/schema/properties/product/pattern", "backtrack")
case("pattern_properties_redos_key", tool(parameters={"type": "object", "properties": {},
                                                      "patternProperties": {"^(a+)+$": {"type": "string"}}}),
     "/parameters/patternProperties/^(a+)+$", "backtrack")
case("pattern_property_names_redos", tool(parameters={"type": "object", "properties": {},
                                                      "propertyNames": {"pattern": "(b|b)*c"}}),
     "/parameters/propertyNames/pattern", "backtrack")
case("pattern_generator_cannot_match", resp("color", {"type": "string", "pattern": "^(red|green|blue)$"}),
     "/response/properties/color/pattern", "unsatisfiable")
case("pattern_backreference_parameter", param("code", {"type": "string", "pattern": r"^(ab)\1$"}),
     "/parameters/properties/code/pattern", "unsatisfiable")
case("pattern_lookahead_response", resp("password", {"type": "string", "pattern": r"^(?=.*[0-9])(?=.*[A-Z]).{8}$"}),
     "/response/properties/password/pattern", "unsatisfiable")

# ---- $ref ---------------------------------------------------------------------------------------
case("ref_unresolvable", param("a", {"$ref": "#/$defs/Missing"}, **{"$defs": {"Other": {"type": "string"}}}),
     "/parameters/properties/a/$ref", "unresolvable $ref")
case("ref_remote_https", param("a", {"$ref": "https://example.com/schemas/address.json"}),
     "/parameters/properties/a/$ref", "remote $ref")
case("ref_remote_relative_file", param("a", {"$ref": "common.json#/$defs/Address"}),
     "/parameters/properties/a/$ref", "remote $ref")
case("ref_remote_file_url", param("a", {"$ref": "file:///etc/passwd"}), "/parameters/properties/a/$ref", "remote $ref")
case("ref_remote_urn", param("a", {"$ref": "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"}),
     "/parameters/properties/a/$ref", "remote $ref")
case("ref_remote_unused_def", tool(parameters={"type": "object", "properties": {"a": {"type": "string"}},
                                               "$defs": {"X": {"$ref": "http://example.com/x"}}}),
     "/parameters/$defs/X/$ref", "remote $ref")
case("ref_cycle_two_defs", param("a", {"$ref": "#/$defs/A"}, **{"$defs": {
    "A": {"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}},
    "B": {"type": "object", "properties": {"a": {"$ref": "#/$defs/A"}}}}}),
     "/parameters/$defs/B/properties/a/$ref", "cyclic $ref")
case("ref_cycle_self_root", param("self", {"$ref": "#"}), "/parameters/properties/self/$ref", "cyclic $ref")
case("ref_cycle_linked_list", param("head", {"$ref": "#/$defs/Node"}, **{"$defs": {"Node": {
    "type": "object", "properties": {"value": {"type": "string"}, "next": {"$ref": "#/$defs/Node"}}}}}),
     "/parameters/$defs/Node/properties/next/$ref", "cyclic $ref")
case("ref_cycle_alias", param("a", {"$ref": "#/$defs/A"}, **{"$defs": {"A": {"$ref": "#/$defs/B"},
                                                                          "B": {"$ref": "#/$defs/A"}}}),
     "/parameters/$defs/B/$ref", "cyclic $ref")
case("ref_cycle_in_response", resp("tree", {"$ref": "#/$defs/T"}, **{"$defs": {"T": {
    "type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/T"}}}}}}),
     "/response/$defs/T/properties/children/items/$ref", "cyclic $ref")
case("ref_cycle_in_record_schema", kit(["collections", "orders", "schema", "properties", "parent"],
                                       {"$ref": "#/properties/parent"}),
     "/collections/orders/schema/properties/parent/$ref", "cyclic $ref")
_bomb = {f"L{i}": {"type": "object", "properties": {"x": {"$ref": f"#/$defs/L{i + 1}"},
                                                    "y": {"$ref": f"#/$defs/L{i + 1}"}}} for i in range(16)}
_bomb["L16"] = {"type": "string"}
case("ref_expansion_bomb", param("a", {"$ref": "#/$defs/L0"}, **{"$defs": _bomb}), "/parameters/properties/a/$ref",
     "max_schema_nodes")
_chain = {f"C{i}": {"type": "object", "properties": {"n": {"$ref": f"#/$defs/C{i + 1}"}}} for i in range(60)}
_chain["C60"] = {"type": "string"}
case("ref_expansion_too_deep", param("a", {"$ref": "#/$defs/C0"}, **{"$defs": _chain}),
     "/parameters/properties/a/$ref", "max_depth")
case("ref_points_at_string", param("a", {"$ref": "#/properties/u/enum/0"}, **{}) | {
    "parameters": {"type": "object", "properties": {"u": {"type": "string", "enum": ["x"]},
                                                    "a": {"$ref": "#/properties/u/enum/0"}}, "required": ["a"]}},
     "/parameters/properties/a/$ref", "not a schema")
case("ref_missing_anchor", param("a", {"$ref": "#nowhere"}), "/parameters/properties/a/$ref", "unresolvable $ref")
case("ref_bad_pointer_escape", param("a", {"$ref": "#/$defs/a~2b"}, **{"$defs": {"a~b": {"type": "string"}}}),
     "/parameters/properties/a/$ref", "unresolvable $ref")
case("ref_percent_encoded_missing", param("a", {"$ref": "#/$defs/a%20c"}, **{"$defs": {"a b": {"type": "string"}}}),
     "/parameters/properties/a/$ref", "unresolvable $ref")
case("ref_not_a_string", param("a", {"$ref": 5}), "/parameters/properties/a/$ref", "invalid JSON Schema")
case("ref_unresolvable_in_response", resp("a", {"$ref": "#/definitions/Nope"}), "/response/properties/a/$ref",
     "unresolvable $ref")
case("ref_to_parameters_from_response", resp("a", {"$ref": "#/properties/city"}), "/response/properties/a/$ref",
     "unresolvable $ref")
case("ref_dynamic", param("a", {"$dynamicRef": "#meta"}), "/parameters/properties/a/$dynamicRef", "not supported")
case("ref_embedded_id", param("a", {"$id": "https://example.com/a.json", "type": "string"}),
     "/parameters/properties/a/$id", "not supported")

# ---- schemas the simulator cannot satisfy -------------------------------------------------------
case("unsat_minimum_over_maximum", resp("n", {"type": "integer", "minimum": 10, "maximum": 5}),
     "/response/properties/n", "unsatisfiable")
case("unsat_exclusive_bounds_equal", resp("x", {"type": "number", "exclusiveMinimum": 5, "exclusiveMaximum": 5}),
     "/response/properties/x", "unsatisfiable")
case("unsat_const_wrong_type", resp("s", {"type": "string", "const": 5}), "/response/properties/s", "unsatisfiable")
case("unsat_empty_enum", resp("s", {"enum": []}), "/response/properties/s", "unsatisfiable")
case("unsat_false_schema", resp("x", False), "/response/properties/x", "unsatisfiable")
case("unsat_not_anything", resp("x", {"not": {}}), "/response/properties/x", "unsatisfiable")
case("unsat_allof_conflict", resp("x", {"allOf": [{"type": "string"}, {"type": "integer"}]}),
     "/response/properties/x", "unsatisfiable")
case("unsat_format_vs_pattern", resp("contact", {"type": "string", "format": "email", "pattern": "^[0-9]+$"}),
     "/response/properties/contact/pattern", "unsatisfiable")
case("unsat_multiple_of", resp("n", {"type": "integer", "multipleOf": 7, "minimum": 1, "maximum": 6}),
     "/response/properties/n", "unsatisfiable")
case("unsat_unique_items", resp("tags", {"type": "array", "items": {"enum": ["a"]}, "uniqueItems": True,
                                         "minItems": 3}), "/response/properties/tags", "unsatisfiable")
case("unsat_max_items_below_min", resp("l", {"type": "array", "items": {"type": "string"}, "minItems": 5,
                                             "maxItems": 2}), "/response/properties/l", "unsatisfiable")
case("unsat_max_length_below_min", resp("s", {"type": "string", "minLength": 10, "maxLength": 3}),
     "/response/properties/s", "unsatisfiable")
case("unsat_min_properties", resp("o", {"type": "object", "properties": {"a": {"type": "string"}},
                                        "additionalProperties": False, "minProperties": 5}),
     "/response/properties/o", "unsatisfiable")
case("unsat_contains_integer", resp("l", {"type": "array", "items": {"type": "string"},
                                         "contains": {"type": "integer"}}),
     "/response/properties/l", "unsatisfiable")
case("unsat_format_ipv6", resp("ip", {"type": "string", "format": "ipv6"}), "/response/properties/ip", "unsatisfiable")
case("unsat_parameters", param("n", {"type": "integer", "minimum": 10, "maximum": 1}), "/parameters/properties/n",
     "unsatisfiable")
case("unsat_record_schema", kit(["collections", "orders", "schema", "properties", "quantity"],
                                {"type": "integer", "minimum": 5, "maximum": 1}),
     "/collections/orders/schema/properties/quantity", "unsatisfiable")
case("unsat_response_root_not_object", tool(response={"type": "object", "properties": {"a": {"type": "string"}},
                                                      "required": ["a"], "additionalProperties": False,
                                                      "minProperties": 2}), "/response", "unsatisfiable")
case("response_root_string", tool(response={"type": "string"}), "/response/type", "must allow an object")
case("response_root_array_with_properties", tool(response={"type": "array", "properties": {"a": {"type": "string"}}}),
     "/response", "unsatisfiable")
case("response_additional_properties_false", tool(response={
    "type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
    "additionalProperties": False, "maxProperties": 1}), "/response", "unsatisfiable")

# ---- duplicates across files (folders) ----------------------------------------------------------
FOLDERS["dup_toolkit_names"] = ({
    "a.json": {"name": "shop", "description": "one", "tools": [tool(name="shop_a")]},
    "b.json": {"name": "shop", "description": "two", "tools": [tool(name="shop_b")]},
}, "b.json", "/name", "duplicate toolkit name 'shop'")
FOLDERS["dup_toolkit_vs_file_name"] = ({
    "a.json": {"name": "b", "description": "named like the other file", "tools": [tool(name="tool_a")]},
    "b.json": tool(name="tool_b"),
}, "b.json", "", "duplicate domain")
FOLDERS["dup_tool_across_files"] = ({
    "a.json": tool(),
    "b.json": [tool(name="other_tool"), tool()],
}, "b.json", "/1/name", "duplicate tool name 'get_weather'")
FOLDERS["dup_one_bad_file_loads_nothing"] = ({
    "good.json": tool(name="fine_tool"),
    "zbad.json": param("s", {"type": "string", "minLength": 1_000_000_000}),
}, "zbad.json", "/parameters/properties/s/minLength", "max_min_length")


def write(out: Path = OUT) -> dict[str, Any]:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    expected: dict[str, Any] = {}
    for name, (content, pointer, message) in CASES.items():
        data = content if isinstance(content, bytes) else json.dumps(content, indent=None).encode()
        (out / f"{name}.json").write_bytes(data)
        expected[f"{name}.json"] = {"pointer": pointer, "message": message}
    for name, (files, file, pointer, message) in FOLDERS.items():
        (out / name).mkdir()
        for fn, doc in files.items():
            (out / name / fn).write_text(json.dumps(doc))
        expected[name] = {"file": file, "pointer": pointer, "message": message}
    (out / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    return expected


if __name__ == "__main__":
    exp = write(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
    print(f"{len(exp)} cases written to {OUT if len(sys.argv) < 2 else sys.argv[1]}")
