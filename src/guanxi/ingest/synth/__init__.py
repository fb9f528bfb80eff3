"""The synthetic bank: a realistic, deterministic core-banking extract with planted ground truth.

``generate_bank`` writes Guanxi's canonical extract format (see :mod:`guanxi.ingest.entities`)
for a bank of any size: branches, staff, products, customers with their households,
documents, consents, accounts, cards, loans and standing orders, plus transactions and digital
events as partitioned lake files. Churners, loans in arrears and money-laundering patterns
are planted and listed in ``ground_truth/labels.csv``.
"""

from guanxi.ingest.synth.generator import GenerateReport, generate_bank

__all__ = ["GenerateReport", "generate_bank"]
