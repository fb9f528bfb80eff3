"""The case categories a bank files cases under, and how CFPB products map onto them.

Complaint categories follow the product a complaint is about (the CFPB's product taxonomy, which
the categoriser learns from), plus the service topics that are not a product.
"""

from __future__ import annotations

CASE_CATEGORIES: tuple[str, ...] = (
    "checking_savings",
    "credit_card",
    "mortgage",
    "personal_loan",
    "vehicle_loan",
    "student_loan",
    "credit_reporting",
    "debt_collection",
    "money_transfer",
    "investment",
    "insurance",
    "digital_banking",
    "branch_service",
    "fees_charges",
    "fraud",
    "other",
)

# CFPB product names (old and current taxonomy) onto Guanxi's categories.
CFPB_PRODUCT_CATEGORY: dict[str, str] = {
    "Checking or savings account": "checking_savings",
    "Bank account or service": "checking_savings",
    "Credit card or prepaid card": "credit_card",
    "Credit card": "credit_card",
    "Prepaid card": "credit_card",
    "Mortgage": "mortgage",
    "Payday loan, title loan, or personal loan": "personal_loan",
    "Payday loan, title loan, personal loan, or advance loan": "personal_loan",
    "Payday loan": "personal_loan",
    "Consumer Loan": "personal_loan",
    "Vehicle loan or lease": "vehicle_loan",
    "Student loan": "student_loan",
    "Credit reporting, credit repair services, or other personal consumer reports": "credit_reporting",
    "Credit reporting or other personal consumer reports": "credit_reporting",
    "Credit reporting": "credit_reporting",
    "Debt collection": "debt_collection",
    "Debt or credit management": "debt_collection",
    "Money transfer, virtual currency, or money service": "money_transfer",
    "Money transfers": "money_transfer",
    "Virtual currency": "money_transfer",
    "Other financial service": "other",
}


def category_for_product(product: str) -> str:
    """Guanxi's category for a CFPB product name (``other`` when unknown)."""
    return CFPB_PRODUCT_CATEGORY.get(product, "other")
