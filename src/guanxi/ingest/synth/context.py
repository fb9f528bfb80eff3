"""The state of one batch of customers while it is generated, and its random streams."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from guanxi.ingest.synth.catalogue import Catalogue
    from guanxi.ingest.synth.families import Families
    from guanxi.ingest.synth.history import History
    from guanxi.ingest.synth.holdings import Accounts
    from guanxi.ingest.synth.ledger import TxnBuffer
    from guanxi.ingest.synth.lending import Lending
    from guanxi.ingest.synth.names import NamePools
    from guanxi.ingest.synth.orders import Orders
    from guanxi.ingest.synth.pools import Pools
    from guanxi.ingest.synth.population import Customers


def stream(seed: int, *path: int | str) -> np.random.Generator:
    """An independent random generator for ``seed`` and a path such as (batch, "cards").

    Each component draws from its own stream, so changing how one flow is generated does not
    shift the random numbers of every other one.
    """
    key = tuple(p if isinstance(p, int) else zlib.crc32(p.encode()) for p in path)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


@dataclass
class Batch:
    """Everything generated so far for one batch."""

    index: int
    seed: int
    hist: History
    cat: Catalogue
    pools: Pools
    names: NamePools
    cust: Customers
    fam: Families
    acc: Accounts
    ptr: dict[str, np.ndarray]
    quiet: np.ndarray  # accounts with no ordinary activity
    lending: Lending
    orders: Orders
    buf: TxnBuffer
    first: np.ndarray  # per account, first second ordinary transactions may book
    last: np.ndarray  # per account, the second it closes (or the end)
    activity: np.ndarray  # (customers, months) activity multiplier
    # Ground truth: (subject type, subject positions, label, event epoch days, details).
    labels: list[tuple[str, np.ndarray, str, np.ndarray, list[str]]] = field(default_factory=list)

    def rng(self, name: str) -> np.random.Generator:
        """The random stream of one component of this batch."""
        return stream(self.seed, self.index, name)
