"""Action parsing: every recognised format, answers, and errors that never raise."""

from __future__ import annotations

import pytest

from toolenv.parse import MAX_ACTION_CHARS, parse_action, render_calls

CALL = {"name": "get_forecast", "arguments": {"city": "Lyon", "days": 3, "units": ["c"], "opts": {"a": True}}}


@pytest.mark.parametrize("style", ["hermes", "json", "python"])
def test_render_then_parse_round_trips(style):
    calls = [CALL, {"name": "convert", "arguments": {"x": -1.5, "y": None}}]
    parsed = parse_action(render_calls(calls, style))
    assert parsed.kind == "calls" and parsed.format == style
    assert [c.to_dict() for c in parsed.calls] == calls


@pytest.mark.parametrize("text,names", [
    ('<tool_call>{"name": "a", "arguments": {"x": 1}}</tool_call>', ["a"]),
    ('Sure.\n<tool_call>\n{"name": "a", "arguments": {}}\n</tool_call>\n<tool_call>{"name": "b", "arguments": {}}</tool_call>',
     ["a", "b"]),
    ('<tool_call>{"name": "a", "arguments": {"x": 1}}', ["a"]),  # unclosed final block
    ('{"name": "a", "parameters": {"x": 1}}', ["a"]),
    ('{"type": "function", "function": {"name": "a", "arguments": "{\\"x\\": 1}"}}', ["a"]),
    ('[{"name": "a", "arguments": {}}, {"name": "b", "arguments": {}}]', ["a", "b"]),
    ('```json\n{"name": "a", "arguments": {}}\n```', ["a"]),
    ('[get_forecast(city="Lyon"), convert(x=1)]', ["get_forecast", "convert"]),
    ('get_forecast(city="Lyon")', ["get_forecast"]),
    ('[math.factorial(n=5)]', ["math.factorial"]),
])
def test_call_formats(text, names):
    p = parse_action(text)
    assert p.kind == "calls", p.error
    assert [c.name for c in p.calls] == names


def test_text_and_hermes_outside_text():
    p = parse_action("Let me check.<tool_call>{\"name\": \"a\", \"arguments\": {}}</tool_call>")
    assert p.text == "Let me check."
    assert parse_action("The weather in Lyon is sunny.").kind == "answer"
    assert parse_action("[]").kind == "answer"
    assert parse_action("The answer is f(x) for sure").kind == "answer"


@pytest.mark.parametrize("text,fragment", [
    ('{"name": "a", "arguments": {', "invalid JSON"),
    ('{"arguments": {}}', "no string 'name'"),
    ('{"name": "a", "arguments": [1]}', "must be an object"),
    ('{"name": "a", "arguments": "{bad"}', "not valid JSON"),
    ('[f(1, 2)]', "positional"),
    ('[f(x=__import__("os").system("echo hi"))]', "unsupported value"),
    ('[f(**kw)]', "**kwargs"),
    ('[1, 2]', "a call must be a JSON object"),
    ('<tool_call></tool_call>', "empty <tool_call>"),
    ('[' * 5000, "nested too deeply"),
    ('{"name": "a", "arguments": ' + '{"x": ' * 100 + '1' + '}' * 100 + '}', "nested too deeply"),
])
def test_errors_are_reported_not_raised(text, fragment):
    p = parse_action(text)
    assert p.kind == "error" and fragment in p.error, p.error
    assert p.raw == text


def test_never_evaluates_python():
    p = parse_action('[f(x=open("/etc/passwd").read())]')
    assert p.kind == "error"


def test_non_text_and_huge_actions():
    assert parse_action(None).kind == "error"
    assert parse_action(b'{"name": "a", "arguments": {}}').kind == "calls"
    p = parse_action("x" * (MAX_ACTION_CHARS + 1))
    assert p.kind == "error" and "longer than" in p.error


def test_unknown_style_rejected():
    with pytest.raises(ValueError):
        render_calls([CALL], "yaml")
