"""Small synthetic credit files, made in the test: risk rises with utilisation and late payments."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def credit_frame(rows: int = 300, seed: int = 1) -> pd.DataFrame:
    """A credit extract with numbers, categories, missing values and an identifier."""
    rng = np.random.default_rng(seed)
    utilisation = rng.uniform(0, 1, rows)
    late = rng.integers(0, 4, rows)
    housing = rng.choice(["own", "rent", "free"], rows)
    income = rng.lognormal(8, 0.5, rows)
    logit = -2.0 + 3.0 * utilisation + 0.8 * late + 0.7 * (housing == "rent")
    bad = rng.uniform(0, 1, rows) < 1 / (1 + np.exp(-logit))
    frame = pd.DataFrame(
        {
            "customer_id": [f"K{i:05d}" for i in range(rows)],
            "utilisation": utilisation.round(3),
            "late_payments": late,
            "housing": housing,
            "income": [f"{v:,.2f}" for v in income],
            "status": np.where(bad, "bad", "good"),
        }
    )
    frame.loc[::17, "income"] = "?"
    return frame


@pytest.fixture
def credit_csv(tmp_path: Path) -> Path:
    path = tmp_path / "credit.csv"
    credit_frame().to_csv(path, index=False)
    return path
