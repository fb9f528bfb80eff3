"""Rule segments: only a small, safe grammar over known features; counted against the latest
features; saved rules re-evaluated on every run."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from guanxi.analytics.rules import check_rule
from guanxi.audit.models import AuditEvent
from guanxi.config import get_settings
from guanxi.errors import Conflict, NotFound, ValidationFailed
from guanxi.security.service import SYSTEM
from guanxi.segments.models import RuleSegment
from guanxi.segments.rules import count_rule, save_rule_segment
from guanxi.segments.schemas import RuleSegmentCreate
from guanxi.segments.service import run_analysis


@pytest.mark.parametrize(
    ("rule", "canonical"),
    [
        ("aum >= 1000000 and digital_share < 0.2", "aum >= 1000000 AND digital_share < 0.2"),
        (
            "age between 30 and 40 and income_band_rank in (5, 6)",
            "age BETWEEN 30 AND 40 AND income_band_rank IN (5, 6)",
        ),
        ("(aum - liabilities) > 0 or not holds_mortgage = 1", "(aum - liabilities) > 0 OR NOT holds_mortgage = 1"),
        ("days_since_last_login is null", "days_since_last_login IS NULL"),
    ],
)
def test_a_valid_rule_is_returned_in_canonical_form(rule, canonical):
    assert check_rule(rule) == canonical


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("", "the rule is empty"),
        ("aum", "a rule must be a condition, such as aum >= 1000000"),
        ("wealth > 1", "unknown feature 'wealth' (guanxi features list shows them)"),
        ("features.aum > 1", "unknown feature 'features.aum' (guanxi features list shows them)"),
        ("aum > (select max(aum) from features)", "is not allowed in a rule"),
        ("lower(aum) > 1", "'LOWER(aum)' is not allowed in a rule"),
        ("aum > 'a lot'", "text values are not allowed in a rule: 'a lot'"),
        ("aum >= ", "the rule cannot be read"),
        ("aum > 1; drop table parties", "is not allowed in a rule"),
        ("x" * 1001, "the rule is longer than 1000 characters"),
    ],
)
def test_a_bad_rule_is_refused_with_the_reason(rule, message):
    with pytest.raises(ValidationFailed) as refused:
        check_rule(rule)
    assert message in refused.value.message
    assert refused.value.details == {"field": "expression"}


def test_counting_before_any_analysis_says_what_to_do(lake_root):
    with pytest.raises(NotFound, match="no analysis yet: run guanxi analyze first"):
        count_rule(actor=SYSTEM, lake_root=lake_root, expression="aum >= 0")


def test_rules_are_counted_saved_and_re_evaluated(bind, session, lake_root):
    from factories import make_party

    # given three customers analysed (no transactions: every aum is empty, tenure differs)
    with session.begin():
        for since in (dt.date(2020, 1, 1), dt.date(2025, 1, 1), dt.date(2026, 10, 1)):
            make_party(session, customer_since=since)
    run = {"bind": bind, "actor": SYSTEM, "lake_root": lake_root, "fx_rates": get_settings().fx_rates}
    run_analysis(as_of=dt.date(2026, 11, 1), **run)
    # when a rule is counted and saved
    counted = count_rule(actor=SYSTEM, lake_root=lake_root, expression="tenure_days > 365")
    assert (counted.size, counted.as_of) == (2, dt.date(2026, 11, 1))
    saved = save_rule_segment(
        session=session,
        actor=SYSTEM,
        lake_root=lake_root,
        data=RuleSegmentCreate(name="long-standing", expression="tenure_days > 365"),
    )
    assert (saved.size, saved.expression, saved.created_by) == (2, "tenure_days > 365", "system")
    assert session.scalars(select(AuditEvent.action).where(AuditEvent.entity == "rule_segment")).all() == [
        "segment.rule_saved"
    ]
    session.rollback()  # end the read so the next use case opens its own transaction
    # then a later run re-evaluates it
    run_analysis(as_of=dt.date(2027, 11, 1), **run)
    session.expire_all()
    rule = session.scalars(select(RuleSegment).where(RuleSegment.name == "long-standing")).one()
    assert (rule.size, rule.size_as_of) == (3, dt.date(2027, 11, 1))
    session.rollback()
    # and a second rule of the same name is refused
    with pytest.raises(Conflict, match="a rule segment called 'long-standing' already exists"):
        save_rule_segment(
            session=session,
            actor=SYSTEM,
            lake_root=lake_root,
            data=RuleSegmentCreate(name="long-standing", expression="age > 1"),
        )
