"""The customer models on a synthetic bank: train out of time, register, score, write back, promote."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from backends import BACKENDS
from guanxi.analytics.engine import compute_features
from guanxi.db import make_engine, session_factory
from guanxi.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from guanxi.ingest.mapping import builtin_mapping
from guanxi.ingest.service import ingest_extract
from guanxi.ingest.synth import generate_bank
from guanxi.migrate import upgrade
from guanxi.parties.models import Party
from guanxi.products.models import Product
from guanxi.scoring.attribution import PathAttribution
from guanxi.scoring.clv import lifetime_value, yearly_margin
from guanxi.scoring.customer_models import add_months, evaluation_dates, features_frame
from guanxi.scoring.drift import psi, reference
from guanxi.scoring.estimators import GradientBoostingModel
from guanxi.scoring.model_evaluation import held_families, offer_customers, offer_products
from guanxi.scoring.models import CustomerOffer, CustomerScore, ScoringRun
from guanxi.scoring.score_service import customer_scores, run_scoring
from guanxi.scoring.scoring_run import score_customers
from guanxi.scoring.service import promote_customer_models, registry_for, train_customer_models
from guanxi.security.actor import Actor
from guanxi.security.permissions import Role
from guanxi.segments.service import read_inputs
from private_schema import private_schema

FX = {"CNY": 1.0, "USD": 7.2, "EUR": 7.8, "GBP": 9.1, "HKD": 0.92, "CZK": 0.31}
END = dt.date(2026, 7, 1)
ADMIN = Actor(username="model-admin", role=Role.ADMIN, source="test")
ANALYST = Actor(username="analyst", role=Role.MARKETING_ANALYST, source="test")


@pytest.fixture(scope="module", params=BACKENDS)
def bank(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """A synthetic bank of 1,200 customers over 14 months, ingested, with the customer models trained,
    on each backend (PostgreSQL in a private schema: the run commits for real)."""
    work = tmp_path_factory.mktemp("model-bank")
    generate_bank(customers=1200, months=14, seed=3, out=work / "extract", fmt="parquet", end=END)
    with ExitStack() as stack:
        if request.param == "postgresql":
            engine = stack.enter_context(private_schema("guanxi_customer_models"))
        else:
            engine = make_engine(f"sqlite:///{work / 'bank.db'}")
            upgrade(engine)
        ingest_extract(
            directory=work / "extract",
            mapping=builtin_mapping("canonical", "sample"),
            bind=engine,
            lake_root=work / "lake",
            work_dir=work / "w",
            quarantine_dir=work / "q",
        )
        common = {"bind": engine, "lake_root": work / "lake", "var_dir": work / "var", "fx_rates": FX}
        report = train_customer_models(actor=ADMIN, **common)
        yield {"engine": engine, "common": common, "report": report}


def test_dates_leave_the_validation_outcome_unseen():
    # given: history that ends (exclusive) on 1 July 2026
    # when: the training and validation cut-offs are chosen
    train, valid = evaluation_dates(END)
    # then: validation is the latest date whose 90 days fit, and every training outcome ends by it
    assert valid == dt.date(2026, 4, 1)
    assert train == [dt.date(2025, 11, 1), dt.date(2025, 12, 1), dt.date(2026, 1, 1)]
    assert all(d + dt.timedelta(days=90) <= valid for d in train)
    assert add_months(dt.date(2026, 1, 31), -2) == dt.date(2025, 11, 1)


def test_training_registers_a_champion_judged_out_of_time(bank):
    # given: the trained bank
    report = bank["report"]
    # then: version 1 is the champion, judged on a date after every training date
    assert (report.version, report.status) == (1, "champion")
    assert report.valid_date > max(report.train_dates)
    assert report.metrics["roc_auc"] > 0.75
    assert any(note.startswith("churn: ") for note in report.notes)
    # and: the card carries the fairness check by age band and gender
    card = registry_for(bank["common"]["var_dir"]).get("customer-models", 1).card
    assert "## Fairness check" in card and "| age_band | 30-44 |" in card and "| gender | " in card


def test_scoring_writes_every_customer_back_with_reasons_and_suitable_offers(bank):
    # given: the champion
    engine = bank["engine"]
    # when: every customer is scored as of the end of the history
    report = run_scoring(actor=ADMIN, as_of=END, **bank["common"])
    with session_factory(engine)() as session:
        churn = select(func.count()).select_from(CustomerScore).where(CustomerScore.model == "churn")
        customers = session.scalar(churn)
        values = session.scalar(
            select(func.count()).select_from(CustomerScore).where(CustomerScore.model == "lifetime_value")
        )
        offered = session.execute(
            select(Party.risk_tolerance, Product.risk_class, Party.kyc_status)
            .join(CustomerOffer, CustomerOffer.party_id == Party.id)
            .join(Product, Product.id == CustomerOffer.product_id)
        ).all()
        run = session.get(ScoringRun, report.run_id)
        high = session.scalars(select(CustomerScore).where(CustomerScore.band == "high")).first()
    # then: one churn score and one lifetime value per customer scored, offers written, the run recorded
    assert customers == values == report.customers
    assert report.offers == len(offered) > 0
    assert sum(report.bands.values()) == report.customers
    assert run.customers == report.customers and run.finished_at is not None
    assert set(run.psi) >= {"churn_probability", "balance_avg_6m"}
    # and: no offer breaks the suitability rule or goes to a customer without KYC
    for tolerance, risk_class, kyc in offered:
        assert risk_class is None or (tolerance is not None and risk_class <= tolerance)
        assert kyc == "verified"
    # and: a high-risk customer has reasons in words, in English and Chinese
    assert high is not None and high.reasons
    assert all(r["en"] and r["zh"] and r["impact"] > 0 for r in high.reasons)


def test_a_customer_outside_scope_or_without_permission_sees_no_scores(bank):
    # given: a scored bank and a marketing analyst (no customer scope)
    run_scoring(actor=ADMIN, as_of=END, **bank["common"])
    with session_factory(bank["engine"])() as session:
        party_id = session.scalar(select(CustomerScore.party_id).limit(1))
        # when / then: the analyst may not read a customer's scores, the admin may
        with pytest.raises(NotFound):
            customer_scores(session=session, actor=ANALYST, party_id=party_id)
        assert customer_scores(session=session, actor=ADMIN, party_id=party_id).churn is not None


def test_scoring_and_training_need_the_model_permission(bank):
    # given: an analyst, who may read models but not run them
    # when / then: both are refused before anything is read
    with pytest.raises(PermissionDenied):
        run_scoring(actor=ANALYST, as_of=END, **bank["common"])
    with pytest.raises(PermissionDenied):
        train_customer_models(actor=ANALYST, **bank["common"])


def test_a_challenger_that_does_not_beat_the_champion_is_not_promoted(bank):
    # given: a challenger that is the champion's very models again (so no better out of time)
    registry = registry_for(bank["common"]["var_dir"])
    champion = registry.get("customer-models")
    _, artifact = registry.load("customer-models", champion.version)
    second = registry.register("customer-models", artifact=artifact, meta=champion.meta, card="# copy\n")
    assert second.status == "challenger"
    # when / then: its promotion is refused, naming both figures, which are equal
    with pytest.raises(Conflict) as refused:
        promote_customer_models(actor=ADMIN, version=second.version, **bank["common"])
    assert refused.value.code == "challenger_not_better"
    assert refused.value.details["challenger"] == refused.value.details["champion"]
    assert registry.get("customer-models").version == champion.version


def test_a_retrained_version_is_registered_as_a_challenger(bank):
    # given: the champion; when: the models are trained again
    again = train_customer_models(actor=ADMIN, **bank["common"])
    # then: the new version waits as a challenger with its own figures
    assert again.status == "challenger" and again.version >= 2
    assert set(again.metrics) == {"roc_auc", "ks", "gini", "brier", "lift_at_10"}


def test_path_attribution_adds_up_to_the_log_odds():
    # given: a boosted model on data with an interaction and missing values
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(3000, 4)), columns=["a", "b", "c", "d"])
    X.loc[::5, "c"] = np.nan
    y = ((X["a"] + X["b"] * X["d"] + rng.normal(size=3000)) > 0).astype(int).to_numpy()
    model = GradientBoostingModel(num_leaves=15, n_bags=2).fit(X, y)
    # when: each row's log-odds is attributed along its paths
    credits = model.path_contributions(X)
    # then: the credits and the constant add up to the model's log-odds, row by row
    assert np.allclose(credits.to_numpy().sum(axis=1), model._raw(X), atol=1e-9)
    assert list(credits.columns) == ["a", "b", "c", "d", "(base)"]
    assert PathAttribution(model.boosters_[0]).n_features == 4


def test_population_stability_index():
    # given: a reference of 0..999 (ten equal bins) and a sample shifted into the top half
    ref = reference(np.arange(1000, dtype=float))
    # when / then: the same distribution is stable, a shift is not, a missing value has its own bin
    assert psi(ref, np.arange(1000, dtype=float)) == pytest.approx(0.0, abs=1e-12)
    empty, doubled = 5 * (1e-4 - 0.1) * np.log(1e-4 / 0.1), 5 * (0.2 - 0.1) * np.log(2.0)
    assert psi(ref, np.arange(500, 1000, dtype=float)) == pytest.approx(empty + doubled, rel=1e-9)
    assert len(ref.shares) == 11 and ref.shares[-1] == 0.0


def test_lifetime_value_discounts_by_survival():
    # given: yearly margins of 1,000 and 90-day churn probabilities of 0, 0.5 and 1
    # when: the value is computed
    value = lifetime_value(np.array([1000.0, 1000.0, 1000.0]), np.array([0.0, 0.5, 1.0]))
    # then: survival over a year is (1 - p) ** (365 / 90)
    assert value.tolist() == pytest.approx([1000.0, 1000.0 * 0.5 ** (365 / 90), 0.0])


def test_training_needs_a_lake(tmp_path: Path):
    # given: a migrated database and an empty lake
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    upgrade(engine)
    # when / then: training says what is missing
    with pytest.raises(NotFound) as missing:
        train_customer_models(actor=ADMIN, bind=engine, lake_root=tmp_path / "lake", var_dir=tmp_path, fx_rates=FX)
    assert missing.value.code == "no_transactions"


def test_training_refuses_a_history_too_short(tmp_path: Path):
    # given: a bank with four months of history
    generate_bank(customers=60, months=4, seed=5, out=tmp_path / "extract", fmt="parquet", end=END)
    engine = make_engine(f"sqlite:///{tmp_path / 'short.db'}")
    upgrade(engine)
    ingest_extract(
        directory=tmp_path / "extract",
        mapping=builtin_mapping("canonical", "short"),
        bind=engine,
        lake_root=tmp_path / "lake",
        work_dir=tmp_path / "w",
        quarantine_dir=tmp_path / "q",
    )
    # when / then: training says how much history there is and how much it needs
    with pytest.raises(ValidationFailed) as short:
        train_customer_models(actor=ADMIN, bind=engine, lake_root=tmp_path / "lake", var_dir=tmp_path, fx_rates=FX)
    assert short.value.code == "models_too_little_history"
    assert "about 4 months of history" in str(short.value) and "needs at least 12" in str(short.value)


def test_treeshap_and_path_reasons_give_the_same_scores(bank):
    # given: the champion and one feature table of the bank (computed once: both runs see the same bits)
    common = bank["common"]
    models = registry_for(common["var_dir"]).load("customer-models")[1]["models"]
    with session_factory(bank["engine"])() as session:
        inputs = read_inputs(session, FX)
    features = features_frame(compute_features(inputs=inputs, lake_root=common["lake_root"], as_of=END)[0])
    products = offer_products(inputs)
    frames = {
        "customers": offer_customers(inputs, features),
        "products": products,
        "held": held_families(features, sorted(set(products["family"]))),
        "margin": yearly_margin(inputs, common["lake_root"], END),
    }
    # when: it is scored with path reasons, then with exact TreeSHAP reasons
    path = score_customers(models, features, **frames)
    exact = score_customers(models, features, exact_reasons=True, **frames)
    # then: both attributions add up to the same log-odds, so every probability agrees, and so do the offers
    assert np.allclose(path.churn, exact.churn, rtol=0, atol=1e-9)
    assert [(o.party_id, o.product_id) for o in path.offers] == [(o.party_id, o.product_id) for o in exact.offers]
    assert all(r and r[0]["en"] for r, band in zip(exact.churn_reasons, exact.bands, strict=True) if band == "high")
