"""MathAPI: stateless arithmetic and statistics (from ``multi_turn_func_doc/math_api.json``)."""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any

from toolenv.suites.bfcl.backends.base import Backend, is_number

_SI = {  # to the base unit of the dimension
    "m": ("length", 1.0), "cm": ("length", 0.01), "mm": ("length", 0.001), "km": ("length", 1000.0),
    "um": ("length", 1e-6), "nm": ("length", 1e-9),
    "kg": ("mass", 1.0), "g": ("mass", 0.001), "mg": ("mass", 1e-6), "t": ("mass", 1000.0),
    "s": ("time", 1.0), "ms": ("time", 0.001), "min": ("time", 60.0), "h": ("time", 3600.0),
    "l": ("volume", 1.0), "ml": ("volume", 0.001), "m3": ("volume", 1000.0),
    "j": ("energy", 1.0), "kj": ("energy", 1000.0), "w": ("power", 1.0), "kw": ("power", 1000.0),
    "pa": ("pressure", 1.0), "kpa": ("pressure", 1000.0), "n": ("force", 1.0), "kn": ("force", 1000.0),
}
_IMPERIAL = {  # (unit_in, unit_out) -> factor
    ("cm", "inch"): 0.393701, ("inch", "cm"): 2.54,
    ("m", "foot"): 3.28084, ("foot", "m"): 0.3048, ("m", "feet"): 3.28084, ("feet", "m"): 0.3048,
    ("m", "yard"): 1.09361, ("yard", "m"): 0.9144,
    ("km", "mile"): 0.621371, ("mile", "km"): 1.60934, ("km", "miles"): 0.621371, ("miles", "km"): 1.60934,
    ("kg", "pound"): 2.20462, ("pound", "kg"): 0.453592, ("kg", "lb"): 2.20462, ("lb", "kg"): 0.453592,
    ("g", "ounce"): 0.035274, ("ounce", "g"): 28.3495,
    ("l", "gallon"): 0.264172, ("gallon", "l"): 3.78541, ("liter", "gallon"): 0.264172, ("gallon", "liter"): 3.78541,
}


#: working precision (digits) actually used: the result is a float, so more digits cannot change it,
#: and a hostile ``precision=10**9`` must not run for minutes
_MAX_PRECISION = 100
#: ``round`` to more places than this (either way) gives the same result for every double
_MAX_ROUND_PLACES = 400


def _numbers(numbers: Any) -> list[float] | None:
    if not isinstance(numbers, list) or not all(is_number(x) for x in numbers):
        return None
    return numbers


class MathAPI(Backend):
    def logarithm(self, value: float, base: float, precision: int) -> dict[str, Any]:
        if not is_number(value) or not is_number(base) or value <= 0 or base <= 0 or base == 1:
            return {"error": "Value and base must be positive numbers, and base cannot be 1."}
        if not isinstance(precision, int) or precision < 1:
            return {"error": "Precision must be a positive integer."}
        with localcontext() as ctx:
            ctx.prec = min(precision, _MAX_PRECISION)
            result = Decimal(value).ln() / Decimal(base).ln()
        return {"result": float(result)}

    def mean(self, numbers: list) -> dict[str, Any]:
        ns = _numbers(numbers)
        if not ns:
            return {"error": "Input must be a non-empty list of numbers."}
        return {"result": sum(ns) / len(ns)}

    def standard_deviation(self, numbers: list) -> dict[str, Any]:
        ns = _numbers(numbers)
        if not ns:
            return {"error": "Input must be a non-empty list of numbers."}
        m = sum(ns) / len(ns)
        return {"result": math.sqrt(sum((x - m) ** 2 for x in ns) / len(ns))}

    def si_unit_conversion(self, value: float, unit_in: str, unit_out: str) -> dict[str, Any]:
        if not is_number(value):
            return {"error": "Value must be a number."}
        a, b = _SI.get(str(unit_in).lower()), _SI.get(str(unit_out).lower())
        if a is None or b is None or a[0] != b[0]:
            return {"error": f"Conversion from '{unit_in}' to '{unit_out}' is not supported."}
        return {"result": value * a[1] / b[1]}

    def imperial_si_conversion(self, value: float, unit_in: str, unit_out: str) -> dict[str, Any]:
        if not is_number(value):
            return {"error": "Value must be a number."}
        u_in, u_out = str(unit_in).lower(), str(unit_out).lower()
        if (u_in, u_out) in (("celsius", "fahrenheit"), ("c", "f")):
            return {"result": value * 9 / 5 + 32}
        if (u_in, u_out) in (("fahrenheit", "celsius"), ("f", "c")):
            return {"result": (value - 32) * 5 / 9}
        f = _IMPERIAL.get((u_in, u_out))
        if f is None:
            return {"error": f"Conversion from '{unit_in}' to '{unit_out}' is not supported."}
        return {"result": value * f}

    def add(self, a: float, b: float) -> dict[str, Any]:
        if not (is_number(a) and is_number(b)):
            return {"error": "Both inputs must be numbers."}
        return {"result": a + b}

    def subtract(self, a: float, b: float) -> dict[str, Any]:
        if not (is_number(a) and is_number(b)):
            return {"error": "Both inputs must be numbers."}
        return {"result": a - b}

    def multiply(self, a: float, b: float) -> dict[str, Any]:
        if not (is_number(a) and is_number(b)):
            return {"error": "Both inputs must be numbers."}
        return {"result": a * b}

    def divide(self, a: float, b: float) -> dict[str, Any]:
        if not (is_number(a) and is_number(b)):
            return {"error": "Both inputs must be numbers."}
        if b == 0:
            return {"error": "Cannot divide by zero."}
        return {"result": a / b}

    def power(self, base: float, exponent: float) -> dict[str, Any]:
        if not (is_number(base) and is_number(exponent)):
            return {"error": "Both inputs must be numbers."}
        try:
            return {"result": float(base) ** exponent}
        except (OverflowError, ZeroDivisionError) as e:
            return {"error": str(e)}

    def square_root(self, number: float, precision: int) -> dict[str, Any]:
        if not is_number(number) or number < 0:
            return {"error": "Cannot calculate square root of a negative number."}
        if not isinstance(precision, int) or precision < 1:
            return {"error": "Precision must be a positive integer."}
        try:
            with localcontext() as ctx:
                ctx.prec = min(precision, _MAX_PRECISION)
                return {"result": float(Decimal(number).sqrt())}
        except InvalidOperation as e:
            return {"error": str(e)}

    def absolute_value(self, number: float) -> dict[str, Any]:
        if not is_number(number):
            return {"error": "Input must be a number."}
        return {"result": abs(number)}

    def round_number(self, number: float, decimal_places: int = 0) -> dict[str, Any]:
        if not is_number(number) or not isinstance(decimal_places, int):
            return {"error": "Input must be a number and decimal places an integer."}
        places = max(-_MAX_ROUND_PLACES, min(decimal_places, _MAX_ROUND_PLACES))  # same result, bounded time
        return {"result": round(number, places)}

    def percentage(self, part: float, whole: float) -> dict[str, Any]:
        if not (is_number(part) and is_number(whole)):
            return {"error": "Both inputs must be numbers."}
        if whole == 0:
            return {"error": "Whole value cannot be zero."}
        return {"result": part / whole * 100}

    def min_value(self, numbers: list) -> dict[str, Any]:
        ns = _numbers(numbers)
        if not ns:
            return {"error": "Input must be a non-empty list of numbers."}
        return {"result": min(ns)}

    def max_value(self, numbers: list) -> dict[str, Any]:
        ns = _numbers(numbers)
        if not ns:
            return {"error": "Input must be a non-empty list of numbers."}
        return {"result": max(ns)}

    def sum_values(self, numbers: list) -> dict[str, Any]:
        ns = _numbers(numbers)
        if ns is None or not ns:
            return {"error": "Input must be a non-empty list of numbers."}
        return {"result": sum(ns)}
