"""MathAPI: stateless arithmetic and statistics (from ``multi_turn_func_doc/math_api.json``).

It behaves like the official backend: arguments are not type-checked up front, each tool applies
the plain Python operation and turns a ``TypeError`` into its fixed message (other exceptions
propagate and become ``Error during execution: ...``), so e.g. ``add("a", "b")`` is ``"ab"`` and
``min_value("bca")`` is ``"a"``. ``logarithm`` computes with mpmath at ``precision`` decimal digits
and returns an ``mpf``/``mpc`` (shown as ``{'result': mpf('...')}``, ``json.dumps`` failing on it);
``square_root`` returns a ``Decimal`` rounded to ``precision`` significant digits.

mpmath is used when it is installed (in a private context: the official code sets the global
``mpmath.mp.dps``, which nothing else reads); without it, :func:`_fallback_log_ratio` reproduces its
arithmetic (correctly rounded logarithms and quotients in binary at the same precision, its complex
division and its ``repr``). Only where the official code would run for minutes or exhaust memory
does this one refuse: ``logarithm`` above ``MAX_LOG_DIGITS`` digits, an inexact ``square_root`` above
``MAX_SQRT_DIGITS`` digits, and integer powers whose result is too long to print anyway.
"""

from __future__ import annotations

import math
import sys
from decimal import Decimal, Inexact, InvalidOperation, localcontext
from fractions import Fraction
from typing import Any, Union

from toolenv.suites.bfcl.backends.base import Backend

#: most decimal digits ``logarithm`` computes with (mpmath needs ~0.4 s here, minutes at 10x)
MAX_LOG_DIGITS = 10_000
#: most digits an inexact ``square_root`` is computed to (libmpdec needs ~0.3 s at 20,000)
MAX_SQRT_DIGITS = 20_000
#: an integer ``power`` is computed only up to this many bits (beyond it the result has far more
#: digits than Python may print, and the official text is the int-to-str limit error)
_MAX_POWER_BITS = 1 << 20

_TO_METERS: dict[str, Union[int, float]] = {"km": 1000, "m": 1, "cm": 0.01, "mm": 0.001, "um": 1e-6, "nm": 1e-9}
_FROM_METERS = {unit: 1 / factor for unit, factor in _TO_METERS.items()}
_IMPERIAL = {
    "cm_to_in": 0.393701, "in_to_cm": 2.54, "m_to_ft": 3.28084, "ft_to_m": 0.3048,
    "m_to_yd": 1.09361, "yd_to_m": 0.9144, "km_to_miles": 0.621371, "miles_to_km": 1.60934,
    "kg_to_lb": 2.20462, "lb_to_kg": 0.453592, "celsius_to_fahrenheit": 1.8, "fahrenheit_to_celsius": 5 / 9,
}


class MathAPI(Backend):
    def logarithm(self, value: float, base: float, precision: int) -> dict[str, Any]:
        try:
            return {"result": _log_ratio(value, base, precision)}
        except Exception as e:  # noqa: BLE001 - the official tool reports every failure as its text
            return {"error": str(e)}

    def mean(self, numbers: list) -> dict[str, Any]:
        if not numbers:
            return {"error": "Cannot calculate mean of an empty list"}
        try:
            return {"result": sum(numbers) / len(numbers)}
        except TypeError:
            return {"error": "All elements in the list must be numbers"}

    def standard_deviation(self, numbers: list) -> dict[str, Any]:
        if not numbers:
            return {"error": "Cannot calculate standard deviation of an empty list"}
        try:
            m = sum(numbers) / len(numbers)
            return {"result": math.sqrt(sum((x - m) ** 2 for x in numbers) / len(numbers))}
        except TypeError:
            return {"error": "All elements in the list must be numbers"}

    def si_unit_conversion(self, value: float, unit_in: str, unit_out: str) -> dict[str, Any]:
        if not isinstance(value, (int, float)):
            return {"error": "Value must be a number"}
        if unit_in not in _TO_METERS or unit_out not in _FROM_METERS:
            return {"error": f"Conversion from '{unit_in}' to '{unit_out}' is not supported"}
        try:
            return {"result": value * _TO_METERS[unit_in] * _FROM_METERS[unit_out]}
        except OverflowError:
            return {"error": "Conversion resulted in a value too large to represent"}

    def imperial_si_conversion(self, value: float, unit_in: str, unit_out: str) -> dict[str, Any]:
        if not isinstance(value, (int, float)):
            return {"error": "Value must be a number"}
        if unit_in == unit_out:
            return {"result": value}
        key = f"{unit_in}_to_{unit_out}"
        if key not in _IMPERIAL:
            return {"error": f"Conversion from '{unit_in}' to '{unit_out}' is not supported"}
        try:
            if key == "celsius_to_fahrenheit":
                return {"result": value * _IMPERIAL[key] + 32}
            if key == "fahrenheit_to_celsius":
                return {"result": (value - 32) * _IMPERIAL[key]}
            return {"result": value * _IMPERIAL[key]}
        except OverflowError:
            return {"error": "Conversion resulted in a value too large to represent"}

    def add(self, a: float, b: float) -> dict[str, Any]:
        try:
            return {"result": a + b}
        except TypeError:
            return {"error": "Both inputs must be numbers"}

    def subtract(self, a: float, b: float) -> dict[str, Any]:
        try:
            return {"result": a - b}
        except TypeError:
            return {"error": "Both inputs must be numbers"}

    def multiply(self, a: float, b: float) -> dict[str, Any]:
        if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
            return {"error": "Both inputs must be numbers"}
        return {"result": a * b}

    def divide(self, a: float, b: float) -> dict[str, Any]:
        try:
            if b == 0:
                return {"error": "Cannot divide by zero"}
            return {"result": a / b}
        except TypeError:
            return {"error": "Both inputs must be numbers"}

    def power(self, base: float, exponent: float) -> dict[str, Any]:
        try:
            _check_int_power(base, exponent)
            return {"result": base**exponent}
        except TypeError:
            return {"error": "Both inputs must be numbers"}

    def square_root(self, number: float, precision: int) -> dict[str, Any]:
        try:
            if number < 0:
                return {"error": "Cannot calculate square root of a negative number"}
            with localcontext() as ctx:  # the official code sets the global context's precision
                ctx.prec = precision
                if precision <= MAX_SQRT_DIGITS:
                    return {"result": Decimal(number).sqrt()}
                # an exact root (at most a few hundred digits) is the same at every precision
                ctx.prec = MAX_SQRT_DIGITS
                ctx.clear_flags()
                root = Decimal(number).sqrt()
                if ctx.flags[Inexact]:
                    raise ValueError(f"precision {precision} is too large (at most {MAX_SQRT_DIGITS} digits here)")
                return {"result": root}
        except (TypeError, InvalidOperation):
            return {"error": "Input must be a number or computation resulted in an invalid operation"}

    def absolute_value(self, number: float) -> dict[str, Any]:
        try:
            return {"result": abs(number)}
        except TypeError:
            return {"error": "Input must be a number"}

    def round_number(self, number: float, decimal_places: int = 0) -> dict[str, Any]:
        try:
            return {"result": round(number, _bounded_places(number, decimal_places))}
        except TypeError:
            return {"error": "First input must be a number, second input must be an integer"}

    def percentage(self, part: float, whole: float) -> dict[str, Any]:
        try:
            if whole == 0:
                return {"error": "Whole value cannot be zero"}
            return {"result": (part / whole) * 100}
        except TypeError:
            return {"error": "Both inputs must be numbers"}

    def min_value(self, numbers: list) -> dict[str, Any]:
        if not numbers:
            return {"error": "Cannot find minimum of an empty list"}
        try:
            return {"result": min(numbers)}
        except TypeError:
            return {"error": "All elements in the list must be numbers"}

    def max_value(self, numbers: list) -> dict[str, Any]:
        if not numbers:
            return {"error": "Cannot find maximum of an empty list"}
        try:
            return {"result": max(numbers)}
        except TypeError:
            return {"error": "All elements in the list must be numbers"}

    def sum_values(self, numbers: list) -> dict[str, Any]:
        if not numbers:
            return {"error": "Cannot calculate sum of an empty list"}
        try:
            return {"result": sum(numbers)}
        except TypeError:
            return {"error": "All elements in the list must be numbers"}


# ----------------------------------------------------------------------------- cost bounds
def _check_int_power(base: Any, exponent: Any) -> None:
    """Refuse an integer power too large to build, with the error its printing would raise."""
    if not (isinstance(base, int) and isinstance(exponent, int)) or exponent <= 0 or abs(base) <= 1:
        return
    if (abs(base).bit_length() - 1) * exponent <= _MAX_POWER_BITS:
        return
    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()  # Python >= 3.10.7
    if limit and limit * 4 < _MAX_POWER_BITS:  # then the result surely has more digits than that
        raise ValueError(
            f"Exceeds the limit ({limit} digits) for integer string conversion; "
            "use sys.set_int_max_str_digits() to increase the limit")
    raise MemoryError(f"{base} ** {exponent} is too large to compute")


def _bounded_places(number: Any, places: Any) -> Any:
    """``places`` for ``round(number, places)``; an integer rounded to far more places left of the
    point than it has digits is 0 however far, so the (costly) power of ten is kept small."""
    if isinstance(number, int) and type(places) is int and places < 0:
        return max(places, -(len(str(abs(number))) + 2)) if abs(number) < 10**4000 else places
    return places


# ----------------------------------------------------------------------------- logarithm
_MP_CONTEXT: Any = None


def _log_ratio(value: Any, base: Any, precision: Any) -> Any:
    """``log(value) / log(base)`` at ``precision`` decimal digits, as mpmath computes it."""
    digits = int(precision)  # what mpmath's dps setter does first (same errors)
    if digits > MAX_LOG_DIGITS:
        raise ValueError(f"precision {digits} is too large (at most {MAX_LOG_DIGITS} digits here)")
    global _MP_CONTEXT
    if _MP_CONTEXT is None:
        try:
            import mpmath
        except ImportError:
            _MP_CONTEXT = False
        else:
            _MP_CONTEXT = mpmath.MPContext()
    if _MP_CONTEXT is False:
        return _fallback_log_ratio(value, base, digits)
    _MP_CONTEXT.dps = digits
    return _MP_CONTEXT.log(value) / _MP_CONTEXT.log(base)


# Without mpmath: the same binary arithmetic. A real is a Fraction (finite) or a float (inf, -inf,
# nan; mpmath has no negative zero); a complex is a (re, im) tuple.
_Real = Union[Fraction, float]
_LOG2_10 = 3.3219280948873626
_INF, _NINF, _NAN = math.inf, -math.inf, math.nan


def _dps_to_prec(dps: int) -> int:
    return max(1, int(round((dps + 1) * _LOG2_10)))


def _repr_digits(prec: int) -> int:
    dps = max(1, int(round(prec / _LOG2_10) - 1))
    return 17 if dps == 15 else dps + 3


def _round(x: _Real, prec: int, nearest: bool = True) -> _Real:
    """``x`` rounded to ``prec`` significant bits (to nearest, ties to even; or toward zero)."""
    if isinstance(x, float) or x == 0:
        return x
    sign = -1 if x < 0 else 1
    p, q = abs(x.numerator), x.denominator
    shift = prec - (p.bit_length() - q.bit_length())
    while True:  # man = floor(|x| * 2**shift) with 2**(prec-1) <= man < 2**prec
        num, den = (p << shift, q) if shift >= 0 else (p, q << -shift)
        man, rem = divmod(num, den)
        if man >= 1 << prec:
            shift -= 1
        elif man < 1 << (prec - 1):
            shift += 1
        else:
            break
    if nearest and (2 * rem > den or (2 * rem == den and man & 1)):
        man += 1
    return sign * Fraction(man) / (Fraction(2) ** shift)


def _is_special(x: _Real) -> bool:
    return isinstance(x, float)


def _sign(x: _Real) -> int:
    return (x > 0) - (x < 0)


def _mul(a: _Real, b: _Real) -> _Real:
    if not _is_special(a) and not _is_special(b):
        return a * b
    if math.isnan(a) or math.isnan(b) or a == 0 or b == 0:
        return _NAN
    return _INF if _sign(a) * _sign(b) > 0 else _NINF


def _add(a: _Real, b: _Real, prec: int) -> _Real:
    """``a + b`` rounded toward zero (mpmath's default for inner sums)."""
    if _is_special(a) or _is_special(b):
        if _is_special(a) and _is_special(b) and not (a == b):
            return _NAN
        return a if _is_special(a) else b
    return _round(a + b, prec, nearest=False)


def _div(a: _Real, b: _Real, prec: int) -> _Real:
    if a == 0 and not _is_special(a):
        if b == 0 and not _is_special(b):
            raise ZeroDivisionError
        return _NAN if _is_special(b) and math.isnan(b) else Fraction(0)
    if b == 0 and not _is_special(b):
        raise ZeroDivisionError
    if _is_special(a) and _is_special(b):
        return _NAN
    if (_is_special(a) and math.isnan(a)) or (_is_special(b) and math.isnan(b)):
        return _NAN
    if _is_special(a):
        return _INF if _sign(a) * _sign(b) > 0 else _NINF
    if _is_special(b):
        return Fraction(0)
    return _round(a / b, prec)


def _complex_div(z: tuple[_Real, _Real], w: tuple[_Real, _Real], prec: int) -> tuple[_Real, _Real]:
    (a, b), (c, d) = z, w
    wp = prec + 10
    mag = _add(_mul(c, c), _mul(d, d), wp)
    t = _add(_mul(a, c), _mul(b, d), wp)
    u = _add(_mul(b, c), _neg(_mul(a, d)), wp)
    return _div(t, mag, prec), _div(u, mag, prec)


def _real_div_complex(x: _Real, w: tuple[_Real, _Real], prec: int) -> tuple[_Real, _Real]:
    c, d = w
    mag = _add(_mul(c, c), _mul(d, d), prec + 10)
    return _div(_mul(c, x), mag, prec), _div(_neg(_mul(d, x)), mag, prec)


def _neg(x: _Real) -> _Real:
    return -x if not (x == 0 and not _is_special(x)) else x


def _to_real(x: Any, prec: int) -> _Real:
    """mpmath's conversion: int and float exactly, a numeric string rounded to ``prec`` bits."""
    if isinstance(x, (int, float)):
        if isinstance(x, float) and not math.isfinite(x):
            return x
        return Fraction(x)
    if isinstance(x, str):
        s = x.lower().strip()
        special = {"inf": _INF, "+inf": _INF, "-inf": _NINF, "nan": _NAN}
        if s in special:
            return special[s]
        try:
            if "/" in s:
                p, q = s.split("/")
                return _round(Fraction(int(p.rstrip("l")), int(q.rstrip("l"))), prec)
            s = s.rstrip("l")
            float(s)
            return _round(Fraction(Decimal(s)), prec)
        except ValueError:
            pass
    raise TypeError(f"cannot create mpf from {x!r}")


_PI_CACHE: dict[int, Fraction] = {}


def _pi(prec: int) -> Fraction:
    if prec not in _PI_CACHE:
        g = prec + 64
        one = 1 << g

        def arctan_inv(n: int) -> int:  # arctan(1/n) * 2**g
            total = term = one // n
            k, sign = 1, -1
            while term:
                term //= n * n
                k += 2
                total += sign * (term // k)
                sign = -sign
            return total

        _PI_CACHE[prec] = _round(Fraction(16 * arctan_inv(5) - 4 * arctan_inv(239), one), prec)  # type: ignore[assignment]
    return _PI_CACHE[prec]


def _ln_fixed(x: Fraction, bits: int) -> int:
    """About ``ln(x) * 2**bits`` for ``x`` in [0.75, 1.5): ``r`` square roots bring ``x`` near 1,
    then ``ln = 2**(r+1) * atanh((x-1)/(x+1))`` by its series (a few units off in the last place)."""
    r = max(4, math.isqrt(bits) // 2)
    w = bits + r + 16
    one = 1 << w
    v = (x.numerator << w) // x.denominator
    for _ in range(r):
        v = math.isqrt(v << w)
    y = (abs(v - one) << w) // (v + one)
    y2 = (y * y) >> w
    total, term, k = y, y, 1
    while term:
        term = (term * y2) >> w
        k += 2
        total += term // k
    total = (total << (r + 1)) >> (w - bits)
    return total if v >= one else -total


def _ln_positive(x: Fraction, prec: int) -> _Real:
    """``ln(x)`` correctly rounded to ``prec`` bits (as mpmath's ``log``, barring near-ties)."""
    if x == 1:
        return Fraction(0)
    k = x.numerator.bit_length() - x.denominator.bit_length()
    m = x / Fraction(2) ** k  # in (1/2, 2)
    if m >= Fraction(3, 2):
        m, k = m / 2, k + 1
    elif m < Fraction(3, 4):
        m, k = m * 2, k - 1
    d = abs(m - 1)  # near 1: as many more bits as ln(m) has leading zeros
    extra = max(0, d.denominator.bit_length() - d.numerator.bit_length()) if d else 0
    bits = prec + extra + abs(k).bit_length() + 64
    fixed = _ln_fixed(m, bits) if d else 0
    if k:  # ln 2 = ln(3/2) - ln(3/4)
        fixed += k * (_ln_fixed(Fraction(3, 2), bits) - _ln_fixed(Fraction(3, 4), bits))
    return _round(Fraction(fixed, 1 << bits), prec)


def _ln(x: _Real, prec: int) -> Union[_Real, tuple[_Real, _Real]]:
    """mpmath's ``log``: a real, or (re, im) for a negative argument."""
    if _is_special(x):
        if math.isnan(x) or x > 0:
            return x
        return (_INF, _pi(prec))
    if x == 0:
        return _NINF
    if x < 0:
        return (_ln_positive(-x, prec), _pi(prec))
    return _ln_positive(x, prec)


def _decimal_digits(n: int, width: int = 0) -> str:
    """``str(n)`` for ``n >= 0`` of any length (Python's limit is 4300 digits), zero-padded to ``width``."""
    if n < 10**1000:
        return str(n).zfill(width)
    half = (len(bin(n)) * 3 // 10) // 2  # about half the digits
    high, low = divmod(n, 10**half)
    return _decimal_digits(high, width - half) + _decimal_digits(low, half)


def _real_text(x: _Real, dps: int) -> str:
    """mpmath's ``to_str`` of a binary value with ``dps`` digits."""
    if _is_special(x):
        return "nan" if math.isnan(x) else ("+inf" if x > 0 else "-inf")
    if x == 0:
        return "0.0"
    sign = "-" if x < 0 else ""
    x = abs(x)
    p, q = x.numerator, x.denominator  # x = man * 2**exp, man odd
    exp = -(q.bit_length() - 1)
    while p % 2 == 0:
        p //= 2
        exp += 1
    bc = p.bit_length()
    # digits truncated (floor) to about dps + 3 significant ones, as mpmath's to_digits_exp
    work = dps + 3
    bitprec = int(work * math.log(10, 2)) + 10
    fixprec = max(bitprec - exp - bc, 0)
    fixdps = int(fixprec / math.log(10, 2) + 0.5)
    fixed = p << (exp + fixprec) if exp + fixprec >= 0 else p >> -(exp + fixprec)
    digits = _decimal_digits((fixed * 10**fixdps) >> fixprec)
    exponent = len(digits) - fixdps - 1
    if len(digits) > dps and digits[dps] in "56789":  # round up, carrying 9s
        head = digits[:dps].rstrip("9")
        if head:
            digits = head[:-1] + str(int(head[-1]) + 1) + "0" * (dps - len(head))
        else:
            digits = "1" + "0" * (dps - 1)
            exponent += 1
    else:
        digits = digits[:dps]
    if min(-(dps // 3), -5) < exponent < dps:
        if exponent < 0:
            digits, split = "0" * -exponent + digits, 1
        else:
            split = exponent + 1
            digits += "0" * max(split - dps, 0)
        exponent = 0
    else:
        split = 1
    digits = (digits[:split] + "." + digits[split:]).rstrip("0")
    if digits.endswith("."):
        digits += "0"
    if exponent == 0:
        return sign + digits
    return f"{sign}{digits}e{'+' if exponent > 0 else ''}{exponent}"


class _MpText:
    """A result shown as mpmath shows it (``repr``); like mpf, not JSON serialisable."""

    def __init__(self, text: str) -> None:
        self._text = text

    def __repr__(self) -> str:
        return self._text

    __str__ = __repr__


def _fallback_log_ratio(value: Any, base: Any, digits: int) -> _MpText:
    prec = _dps_to_prec(digits)
    num = _ln(_to_real(value, prec), prec)
    den = _ln(_to_real(base, prec), prec)
    if isinstance(num, tuple) or isinstance(den, tuple):
        if isinstance(den, tuple):
            re, im = _complex_div(num, den, prec) if isinstance(num, tuple) else _real_div_complex(num, den, prec)
        else:
            re, im = _div(num[0], den, prec), _div(num[1], den, prec)
        shown = _repr_digits(prec)
        return _MpText(f"mpc(real='{_real_text(re, shown)}', imag='{_real_text(im, shown)}')")
    return _MpText(f"mpf('{_real_text(_div(num, den, prec), _repr_digits(prec))}')")
