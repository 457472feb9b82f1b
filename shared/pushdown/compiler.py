"""Polars expressions compiled into PostgreSQL, where the result is exactly polars' result.

Validators plan polars expressions (`shared.validators`); this module reads an expression's
tree (``Expr.meta.serialize(format="json")``, the one place that knows polars' private tree
format) and writes the same computation in SQL. It knows a small, exact vocabulary: columns,
literals (numbers, strings, booleans, dates, datetimes, null), casts of literals, comparisons,
``&``/``|``/``~``, ``is_null``/``is_not_null``, ``fill_null``, and the reductions ``len``,
``count``, ``null_count``, ``n_unique``, ``min``, ``max`` and ``sum`` of a boolean mask. Anything
else (a regex, a float sum whose rounding may differ, a list) raises `NotPushableError`, and the
run fetches the columns instead: an unknown node never gives a different answer, only a
slower one. SQL's three-valued logic matches polars' Kleene logic for nulls.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl

from shared.errors import NotPushableError
from shared.sources.sql import quote_identifier

_COMPARISONS = {"Eq": "=", "NotEq": "<>", "Lt": "<", "LtEq": "<=", "Gt": ">", "GtEq": ">="}
_LOGICAL = {"And": "AND", "Or": "OR", "LogicalAnd": "AND", "LogicalOr": "OR"}
_EPOCH = date(1970, 1, 1)
_UNIT_PER_SECOND = {"Microseconds": 1_000_000, "Milliseconds": 1_000, "Nanoseconds": 1_000_000_000}


def expression_tree(expr: pl.Expr) -> Any:
    """The expression's tree as plain data."""
    try:
        return json.loads(expr.meta.serialize(format="json"))
    except Exception as exc:  # an expression polars cannot serialise (a Python UDF)
        raise NotPushableError(f"cannot serialise: {exc}") from None


def compile_reduction(expr: pl.Expr) -> str:
    """SQL for an expression that reduces the relation to one value."""
    return _reduction(expression_tree(expr))


def compile_row(expr: pl.Expr) -> str:
    """SQL for a row-wise expression (a value or a mask of each row)."""
    return _row(expression_tree(expr))


def _single(node: Any) -> tuple[str, Any]:
    if isinstance(node, str):
        return node, None
    if isinstance(node, dict) and len(node) == 1:
        [(kind, body)] = node.items()
        return kind, body
    raise NotPushableError(f"unknown node {str(node)[:60]}")


def _reduction(node: Any) -> str:
    kind, body = _single(node)
    if kind == "Len":
        return "COUNT(*)"
    if kind == "Agg":
        return _aggregate(body)
    if kind == "Function" and body.get("function") == "NullCount":
        [argument] = body["input"]
        return f"(COUNT(*) - COUNT({_row(argument)}))"
    raise NotPushableError(f"{kind} is not a reduction this compiler knows")


def _aggregate(body: Any) -> str:
    name, argument = _single(body)
    if name == "Count":
        inner = _row(argument["input"])
        return "COUNT(*)" if argument.get("include_nulls") else f"COUNT({inner})"
    if name in ("Min", "Max"):
        return f"{name.upper()}({_row(argument['input'])})"
    if name == "NUnique":  # polars counts null as one more distinct value
        inner = _row(argument)
        return f"(COUNT(DISTINCT {inner}) + MAX(CASE WHEN {inner} IS NULL THEN 1 ELSE 0 END))"
    if name == "Sum" and _is_mask(argument):
        # polars' sum of booleans counts the true ones; an empty sum is 0, not NULL.
        return f"COALESCE(SUM(CASE WHEN {_row(argument)} THEN 1 ELSE 0 END), 0)"
    raise NotPushableError(f"aggregate {name} is not pushed down")


def _is_mask(node: Any) -> bool:
    """Whether `node` is certainly boolean (so a SUM of it is a count)."""
    kind, body = _single(node)
    if kind == "BinaryExpr":
        return body["op"] in _COMPARISONS or body["op"] in _LOGICAL
    if kind == "Function":
        function = body.get("function")
        if isinstance(function, dict) and "Boolean" in function:
            return True
        if function == "FillNull":
            return _is_mask(body["input"][0])
    return False


def _row(node: Any) -> str:
    kind, body = _single(node)
    if kind == "Column":
        return quote_identifier(body)
    if kind == "Literal":
        return _literal(body)
    if kind == "Cast":
        return _cast(body)
    if kind == "BinaryExpr":
        return _binary(body)
    if kind == "Function":
        return _function(body)
    raise NotPushableError(f"{kind} is not pushed down")


def _binary(body: Any) -> str:
    left, right, op = _row(body["left"]), _row(body["right"]), body["op"]
    if op in _COMPARISONS:
        return f"({left} {_COMPARISONS[op]} {right})"
    if op in _LOGICAL:
        return f"({left} {_LOGICAL[op]} {right})"
    raise NotPushableError(f"operator {op} is not pushed down")


def _function(body: Any) -> str:
    function, inputs = body.get("function"), body.get("input", [])
    if function == "FillNull":
        value, fill = inputs
        return f"COALESCE({_row(value)}, {_row(fill)})"
    if isinstance(function, dict) and isinstance(function.get("Boolean"), str):
        name = function["Boolean"]
        [argument] = inputs
        inner = _row(argument)
        if name == "IsNull":
            return f"({inner} IS NULL)"
        if name == "IsNotNull":
            return f"({inner} IS NOT NULL)"
        if name == "Not":
            return f"(NOT {inner})"
    raise NotPushableError(f"function {str(function)[:40]} is not pushed down")


def _cast(body: Any) -> str:
    inner = body["expr"]
    kind, value = _single(inner)
    if kind != "Literal":
        raise NotPushableError("only casts of literals are pushed down")
    return _literal(value)  # the literal already carries its temporal type


def _literal(body: Any) -> str:
    kind, value = _single(body)
    if kind == "Dyn":
        number_kind, number = _single(value)
        if number_kind in ("Int", "Float"):
            return _number(number)
        raise NotPushableError(f"literal {number_kind}")
    if kind != "Scalar":
        raise NotPushableError(f"literal {kind}")
    scalar_kind, scalar = _single(value)
    if scalar_kind == "Null":
        return "NULL"
    if scalar_kind == "Boolean":
        return "TRUE" if scalar else "FALSE"
    if scalar_kind == "String":
        return "'" + str(scalar).replace("'", "''") + "'"
    if scalar_kind.startswith(("Int", "UInt", "Float")):
        return _number(scalar)
    if scalar_kind == "Date":
        return f"DATE '{(_EPOCH + timedelta(days=int(scalar))).isoformat()}'"
    if scalar_kind == "Datetime":
        ticks, unit, zone = scalar
        if zone is not None or unit not in _UNIT_PER_SECOND:
            raise NotPushableError("a datetime with a time zone is not pushed down")
        moment = datetime.fromtimestamp(ticks / _UNIT_PER_SECOND[unit], UTC).replace(tzinfo=None)
        return f"TIMESTAMP '{moment.isoformat(sep=' ')}'"
    raise NotPushableError(f"literal {scalar_kind}")


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise NotPushableError(f"literal {value!r}")
    if isinstance(value, float) and value != value:  # NaN
        raise NotPushableError("NaN literal")
    return repr(value)
