"""The feature catalogue: every feature is defined once, in a SQL file of ``analytics/features/``.

A file is one group of features computed by one query that returns ``party_id`` and the
group's columns. Its header says what each column means:

    -- group: rfm
    -- owner: transactions
    -- features:
    --   txn_count_30d: {unit: count, en: "Transactions in the last 30 days", zh: "近30天交易筆數"}

``{as_of}`` in a query is the cut-off timestamp: a feature may only use data strictly before it.
``_base.sql`` defines views the groups share.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from guanxi.errors import ConfigurationError

BASE = "_base.sql"


@dataclass(frozen=True)
class Feature:
    """One feature: its column, unit, meaning in English and Chinese, and where it comes from."""

    name: str
    group: str
    owner: str
    unit: str
    en: str
    zh: str


@dataclass(frozen=True)
class FeatureGroup:
    """A SQL file: its query and the features it yields, in order."""

    name: str
    owner: str
    sql: str
    features: tuple[Feature, ...]


def _header(text: str, filename: str) -> dict:
    lines = []
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line[3:] if line.startswith("-- ") else line[2:])
    try:
        header = yaml.safe_load("\n".join(lines)) or {}
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{filename}: the header is not valid YAML ({exc})") from exc
    for key in ("group", "owner", "features"):
        if key not in header:
            raise ConfigurationError(f"{filename}: the header lacks '{key}'")
    return header


def _files() -> dict[str, str]:
    folder = resources.files("guanxi.analytics").joinpath("features")
    return {f.name: f.read_text(encoding="utf-8") for f in folder.iterdir() if f.name.endswith(".sql")}


@cache
def feature_groups() -> tuple[FeatureGroup, ...]:
    """Every feature group, by file name."""
    groups = []
    for filename, text in sorted(_files().items()):
        if filename == BASE:
            continue
        header = _header(text, filename)
        features = tuple(
            Feature(name, header["group"], header["owner"], str(m["unit"]), m["en"], m["zh"])
            for name, m in header["features"].items()
        )
        groups.append(FeatureGroup(name=header["group"], owner=header["owner"], sql=text, features=features))
    names = [f.name for g in groups for f in g.features]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ConfigurationError(f"features defined twice: {', '.join(repeated)}")
    return tuple(groups)


def base_sql() -> str:
    """The shared views every group may use."""
    return _files()[BASE]


def features() -> tuple[Feature, ...]:
    """Every feature, in catalogue order."""
    return tuple(f for g in feature_groups() for f in g.features)
