"""Reading complaints in the CFPB Consumer Complaint Database export format (18 columns), mapping
products and issues renamed by the CFPB over the years onto the current names, and splitting by date.

The CFPB changed its taxonomy in April 2017 (and again for a few names later). Complaints filed since
then use the newer names, so older labels are mapped onto them: a model trained on both then speaks
one vocabulary, and its suggestions match what new complaints are filed under.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from guanxi.errors import NotFound, ValidationFailed

DATE = "Date received"
PRODUCT = "Product"
SUB_PRODUCT = "Sub-product"
ISSUE = "Issue"
NARRATIVE = "Consumer complaint narrative"
COMPLAINT_ID = "Complaint ID"
REQUIRED_COLUMNS = (DATE, PRODUCT, SUB_PRODUCT, ISSUE, NARRATIVE, COMPLAINT_ID)

CREDIT_REPORTING = "Credit reporting, credit repair services, or other personal consumer reports"
CARD = "Credit card or prepaid card"
ACCOUNT = "Checking or savings account"
MONEY_SERVICE = "Money transfer, virtual currency, or money service"
PERSONAL_LOAN = "Payday loan, title loan, or personal loan"
VEHICLE = "Vehicle loan or lease"

# Other product names -> the name complaints were filed under from April 2017 (the names of this
# data). Before: the 2011-2017 names; after: the few renamed since 2022, so newer files still score.
PRODUCT_RENAMES: dict[str, str] = {
    "Credit reporting": CREDIT_REPORTING,
    "Credit reporting or other personal consumer reports": CREDIT_REPORTING,
    "Credit card": CARD,
    "Prepaid card": CARD,
    "Bank account or service": ACCOUNT,
    "Money transfers": MONEY_SERVICE,
    "Virtual currency": MONEY_SERVICE,
    "Other financial service": MONEY_SERVICE,
    "Payday loan": PERSONAL_LOAN,
    "Payday loan, title loan, personal loan, or advance loan": PERSONAL_LOAN,
}
# "Consumer Loan" was split by sub-product: vehicle loans and leases got their own product.
CONSUMER_LOAN = "Consumer Loan"
VEHICLE_SUB_PRODUCTS = frozenset({"Vehicle loan", "Vehicle lease"})

# Older issue names whose newer name is unambiguous (debt collection and payday loans).
ISSUE_RENAMES: dict[str, str] = {
    "Cont'd attempts collect debt not owed": "Attempts to collect debt not owed",
    "Disclosure verification of debt": "Written notification about debt",
    "Taking/threatening an illegal action": "Took or threatened to take negative or legal action",
    "Improper contact or sharing of info": "Threatened to contact someone or share information improperly",
    "Charged fees or interest I didn't expect": "Charged fees or interest you didn't expect",
}

_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass(frozen=True)
class Complaint:
    """One complaint with a narrative; product and issue already mapped onto current names."""

    complaint_id: str
    received: dt.date
    product: str
    issue: str  # empty when the file has none
    narrative: str
    line: int  # where the record starts in its file (1 is the header)


@dataclass(frozen=True)
class ComplaintFile:
    """The complaints read from one file, and how many rows were skipped for lack of a narrative."""

    path: Path
    complaints: list[Complaint]
    rows: int
    without_narrative: int

    @property
    def date_range(self) -> tuple[dt.date, dt.date]:
        """First and last date received."""
        dates = [c.received for c in self.complaints]
        return min(dates), max(dates)


def normalise_product(product: str, sub_product: str = "") -> str:
    """The current CFPB name of a product (names in use since April 2017 are returned unchanged)."""
    product = product.strip()
    if product == CONSUMER_LOAN:
        return VEHICLE if sub_product.strip() in VEHICLE_SUB_PRODUCTS else PERSONAL_LOAN
    return PRODUCT_RENAMES.get(product, product)


def normalise_issue(issue: str) -> str:
    """The current CFPB name of an issue where the rename is unambiguous."""
    issue = issue.strip()
    return ISSUE_RENAMES.get(issue, issue)


def parse_date(text: str) -> dt.date:
    """A CFPB date: ISO ``2019-06-30`` (the API and CSV export) or ``06/30/2019`` (older exports)."""
    text = text.strip()
    match = _US_DATE.match(text)
    if match:
        month, day, year = (int(g) for g in match.groups())
        return dt.date(year, month, day)
    return dt.date.fromisoformat(text[:10] if len(text) > 10 and text[10] == "T" else text)


def load_cfpb(path: Path) -> ComplaintFile:
    """Read a CFPB export; keep the complaints with a narrative, count the others.

    Raises ``NotFound`` for a missing file and ``ValidationFailed`` naming the file, line and column
    for a missing column, an unreadable date or an empty product, and when no row has a narrative.
    """
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"complaints file not found: {path}", code="complaints_file_not_found")
    complaints: list[Complaint] = []
    rows = without = 0
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            if missing:
                raise _bad(path, 1, missing[0], "is missing from the header", missing=missing)
            start = reader.line_num + 1
            for row in reader:
                line, start = start, reader.line_num + 1
                rows += 1
                narrative = (row.get(NARRATIVE) or "").strip()
                if not narrative:
                    without += 1
                    continue
                complaints.append(_complaint(path, line, row, narrative))
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})", code="complaints_bad_file"
        ) from None
    except csv.Error as exc:
        raise ValidationFailed(f"{path}: not a readable CSV file ({exc})", code="complaints_bad_file") from None
    if not complaints:
        raise ValidationFailed(
            f"{path}: none of its {rows} complaints has a consumer complaint narrative to learn from or score",
            code="complaints_no_narrative",
            details={"file": str(path), "rows": rows},
        )
    return ComplaintFile(path=path, complaints=complaints, rows=rows, without_narrative=without)


def _complaint(path: Path, line: int, row: dict[str, str | None], narrative: str) -> Complaint:
    """Build one complaint from a CSV row, or say precisely what is wrong with it."""
    raw_date = row.get(DATE) or ""
    try:
        received = parse_date(raw_date)
    except ValueError:
        raise _bad(path, line, DATE, f"'{raw_date}' is not a date (expected YYYY-MM-DD)") from None
    product = (row.get(PRODUCT) or "").strip()
    if not product:
        raise _bad(path, line, PRODUCT, "is empty")
    return Complaint(
        complaint_id=(row.get(COMPLAINT_ID) or "").strip(),
        received=received,
        product=normalise_product(product, row.get(SUB_PRODUCT) or ""),
        issue=normalise_issue(row.get(ISSUE) or ""),
        narrative=narrative,
        line=line,
    )


def _bad(path: Path, line: int, column: str, reason: str, **extra: object) -> ValidationFailed:
    """A ValidationFailed naming the file, line and column."""
    return ValidationFailed(
        f"{path}: line {line}: column '{column}' {reason}",
        code="complaints_bad_file",
        details={"file": str(path), "line": line, "column": column, **extra},
    )


def out_of_time_split(
    complaints: Sequence[Complaint], test_fraction: float = 0.2
) -> tuple[list[Complaint], list[Complaint]]:
    """Split by date: the latest ``test_fraction`` of complaints (whole days) for testing, the rest for training.

    No day is split between the two parts, so the model is never tested on a day it has seen.
    """
    if not 0 < test_fraction < 1:
        raise ValidationFailed(f"test fraction must be between 0 and 1, not {test_fraction}", code="bad_split")
    ordered = sorted(complaints, key=lambda c: (c.received, c.line))
    if len({c.received for c in ordered}) < 2:
        raise ValidationFailed("an out-of-time split needs complaints received on at least two dates", code="bad_split")
    cut = ordered[max(1, min(len(ordered) - 1, round(len(ordered) * (1 - test_fraction))))].received
    if cut == ordered[0].received:
        # every complaint before the cut-off index shares the first day: test from the next day on
        cut = min(c.received for c in ordered if c.received > cut)
    return [c for c in ordered if c.received < cut], [c for c in ordered if c.received >= cut]
