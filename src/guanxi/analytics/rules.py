"""Rule segments: an analyst's filter over the features (``aum >= 1000000 and digital_share < 0.2``),
checked before it runs and counted against a feature snapshot.

The expression is parsed with SQLGlot and only a small grammar is accepted: feature names,
numbers, comparisons, ``between``, ``in``, ``is [not] null``, ``and``/``or``/``not``, arithmetic
and parentheses. Anything else (a function, a subquery, a string, another column) is refused with
the reason, so a rule can never read or change anything but the feature table.
"""

from __future__ import annotations

import pyarrow as pa
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from guanxi.analytics.catalogue import features
from guanxi.errors import ValidationFailed
from guanxi.lake.duck import connect

MAX_LENGTH = 1000
_ALLOWED = (
    exp.Column,
    exp.Identifier,
    exp.Literal,
    exp.Paren,
    exp.And,
    exp.Or,
    exp.Not,
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.Between,
    exp.In,
    exp.Is,
    exp.Null,
    exp.Boolean,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Neg,
    exp.Tuple,
)
_PREDICATES = (exp.And, exp.Or, exp.Not, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Between, exp.In, exp.Is)


def check_rule(expression: str) -> str:
    """The rule in canonical SQL; raises ``ValidationFailed`` naming what is not allowed."""
    text = expression.strip()
    if not text:
        raise ValidationFailed("the rule is empty", details={"field": "expression"})
    if len(text) > MAX_LENGTH:
        raise ValidationFailed(f"the rule is longer than {MAX_LENGTH} characters", details={"field": "expression"})
    try:
        tree = sqlglot.parse_one(text, read="duckdb")
    except ParseError as exc:
        message = exc.errors[0]["description"] if exc.errors else "cannot be read"
        raise ValidationFailed(f"the rule cannot be read: {message}", details={"field": "expression"}) from None
    known = {f.name for f in features()}
    for node in tree.walk():
        if not isinstance(node, _ALLOWED):
            raise ValidationFailed(
                f"'{node.sql()}' is not allowed in a rule: use feature names, numbers, comparisons, and/or/not",
                details={"field": "expression"},
            )
        if isinstance(node, exp.Literal) and node.is_string:
            raise ValidationFailed(
                f"text values are not allowed in a rule: {node.sql()}", details={"field": "expression"}
            )
        if isinstance(node, exp.Column) and (node.table or node.name not in known):
            raise ValidationFailed(
                f"unknown feature '{node.sql()}' (guanxi features list shows them)", details={"field": "expression"}
            )
    if not isinstance(tree.unnest(), _PREDICATES):
        raise ValidationFailed("a rule must be a condition, such as aum >= 1000000", details={"field": "expression"})
    return tree.sql(dialect="duckdb")


def rule_members(features_table: pa.Table, expression: str) -> pa.Array:
    """The ``party_id`` of every customer the rule selects (the rule is checked first)."""
    condition = check_rule(expression)
    con = connect()
    try:
        con.register("features", features_table)
        return con.sql(f"SELECT party_id FROM features WHERE {condition} ORDER BY party_id").to_arrow_table().column(0)
    finally:
        con.close()
