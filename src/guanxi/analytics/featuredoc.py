"""``docs/features.md``: the feature catalogue as a document, generated from the SQL headers
(a test keeps the file equal to what this renders)."""

from __future__ import annotations

from guanxi.analytics.catalogue import feature_groups


def render_feature_catalogue() -> str:
    """The catalogue in Markdown: one table per group."""
    lines = [
        "# The feature catalogue",
        "",
        "Generated from `src/guanxi/analytics/features/*.sql` (`guanxi features list` prints the same).",
        "Every feature is computed as of a cut-off date from data strictly before it; money is in the",
        "bank's base currency (`GUANXI_DEFAULT_CURRENCY`, other currencies converted with `GUANXI_FX_RATES`).",
        "",
    ]
    for group in feature_groups():
        lines += [f"## {group.name} (from {group.owner})", "", "| feature | unit | meaning | 意義 |"]
        lines.append("|---|---|---|---|")
        lines += [f"| `{f.name}` | {f.unit} | {f.en} | {f.zh} |" for f in group.features]
        lines.append("")
    return "\n".join(lines)
