"""Fast builders of Arrow arrays from NumPy: keys, money, dates, timestamps, pooled strings.

Everything here works on whole columns. Formatting a hundred million keys or timestamps with
Python f-strings would dominate the generator's run time, so fixed-width text is written as a
byte matrix and handed to Arrow as raw buffers.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MONEY = pa.decimal128(18, 2)
DECIMAL = pa.decimal128(18, 6)
TIMESTAMP = pa.timestamp("us", tz="UTC")

# Four ASCII digits for every number below 10,000, as one 32-bit word each: formatting writes a
# whole word per four digits instead of one byte per digit.
_DIGITS4 = np.array([list(f"{i:04d}".encode()) for i in range(10_000)], dtype=np.uint8)
_WORDS4 = _DIGITS4.view(np.uint32).ravel()


def digit_matrix(values: np.ndarray, width: int) -> np.ndarray:
    """Return an (n, width) uint8 matrix of the zero-padded decimal digits of ``values``."""
    v = np.asarray(values, dtype=np.int64).copy()
    words = -(-width // 4)
    out = np.empty((len(v), words), dtype=np.uint32)
    for k in range(words - 1, -1, -1):
        out[:, k] = _WORDS4[v % 10_000]
        v //= 10_000
    return out.view(np.uint8).reshape(len(v), words * 4)[:, words * 4 - width :]


def _literal(text: str, n: int) -> np.ndarray:
    raw = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return np.broadcast_to(raw, (n, len(raw)))


def codes(pool: pa.Array, index: np.ndarray) -> pa.DictionaryArray:
    """Pool values by position as a dictionary array (no copying of text); negative gives null.

    Parquet writes such a column with the pool as its dictionary, and readers see plain strings.
    The pool is de-duplicated first: Parquet's writer does not produce stable bytes from a
    dictionary that repeats a value.
    """
    index = np.asarray(index)
    unique = pc.unique(pool)
    if len(unique) != len(pool):
        position = pc.index_in(pool, value_set=unique).to_numpy()
        index = np.where(index < 0, -1, position[np.maximum(index, 0)])
        pool = unique
    missing = index < 0
    indices = pa.array(index.astype(np.int32), mask=missing if missing.any() else None)
    return pa.DictionaryArray.from_arrays(indices, pool)


def matrix_strings(matrix: np.ndarray, valid: np.ndarray | None = None) -> pa.StringArray:
    """Turn an (n, w) matrix of ASCII bytes into a string array, one row per value."""
    n, width = matrix.shape
    data = np.ascontiguousarray(matrix, dtype=np.uint8)
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    validity = None
    if valid is not None and not valid.all():
        validity = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data), validity)


def keys(prefix: str, numbers: np.ndarray, width: int) -> pa.StringArray:
    """Return ``prefix`` followed by ``numbers`` zero-padded to ``width`` digits."""
    n = len(numbers)
    return matrix_strings(np.hstack([_literal(prefix, n), digit_matrix(numbers, width)]))


def batch_keys(prefix: str, batch: int, count: int, width: int = 8) -> pa.StringArray:
    """Keys unique across batches: prefix, five digits of batch number, then a sequence."""
    return keys(prefix, np.int64(batch) * 10**width + np.arange(count, dtype=np.int64), 5 + width)


def _validity(valid: np.ndarray | None) -> pa.Buffer | None:
    if valid is None or valid.all():
        return None
    return pa.py_buffer(np.packbits(valid, bitorder="little"))


def _decimal(units: np.ndarray, dtype: pa.DataType, valid: np.ndarray | None) -> pa.Array:
    # decimal128 is a little-endian 16-byte two's complement integer: low word, sign word.
    units = np.asarray(units, dtype=np.int64)
    words = np.empty((len(units), 2), dtype=np.int64)
    words[:, 0] = units
    words[:, 1] = units >> 63
    return pa.Array.from_buffers(dtype, len(units), [_validity(valid), pa.py_buffer(words)])


def money(cents: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Exact decimal128(18, 2) money from integer cents."""
    return _decimal(cents, MONEY, valid)


def decimal6(micros: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Exact decimal128(18, 6) from integer millionths (rates)."""
    return _decimal(micros, DECIMAL, valid)


def dates(days: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """date32 from days since 1970-01-01."""
    mask = None if valid is None else ~valid
    return pa.array(np.asarray(days, dtype=np.int32), type=pa.date32(), mask=mask)


def timestamps(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """timestamp[us, UTC] from seconds since the epoch."""
    mask = None if valid is None else ~valid
    micros = np.asarray(seconds, dtype=np.int64) * 1_000_000
    return pa.array(micros, type=TIMESTAMP, mask=mask)


def ints(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """int64 with optional nulls."""
    mask = None if valid is None else ~valid
    return pa.array(np.asarray(values, dtype=np.int64), type=pa.int64(), mask=mask)


def bools(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Booleans with optional nulls."""
    mask = None if valid is None else ~valid
    return pa.array(np.asarray(values, dtype=bool), type=pa.bool_(), mask=mask)


def take(pool: pa.Array, index: np.ndarray) -> pa.Array:
    """Pick strings from ``pool`` by position; a negative position gives null."""
    index = np.asarray(index, dtype=np.int64)
    missing = index < 0
    if missing.any():
        return pc.take(pool, pa.array(np.where(missing, 0, index), mask=missing))
    return pc.take(pool, pa.array(index))


def join(*parts: pa.Array | str, sep: str | pa.Array = "") -> pa.Array:
    """Concatenate string columns (or literals) element-wise; a null part gives null."""
    return pc.binary_join_element_wise(*parts, sep)


def assemble(n: int, pieces: list[tuple[np.ndarray, pa.Array]]) -> pa.Array:
    """Put string arrays built per group of rows (row positions, values) back into row order."""
    index = np.concatenate([p[0] for p in pieces])
    values = pa.concat_arrays([p[1].cast(pa.string()) for p in pieces])
    inverse = np.empty(n, dtype=np.int64)
    inverse[index] = np.arange(len(index))
    return values.take(pa.array(inverse))


def iso_datetimes(seconds: pa.Array) -> pa.Array:
    """Format a timestamp column as ``YYYY-MM-DDTHH:MM:SSZ`` strings, keeping nulls."""
    n = len(seconds)
    valid = seconds.is_valid().to_numpy(zero_copy_only=False)
    raw = seconds.cast(pa.int64()).fill_null(0).to_numpy() // 1_000_000
    day = raw // 86_400
    sod = raw - day * 86_400
    d = day.astype("datetime64[D]")
    year = d.astype("datetime64[Y]").astype(np.int64) + 1970
    month0 = d.astype("datetime64[M]")
    month = month0.astype(np.int64) % 12 + 1
    dom = (d - month0.astype("datetime64[D]")).astype(np.int64) + 1
    parts = [
        digit_matrix(year, 4),
        _literal("-", n),
        digit_matrix(month, 2),
        _literal("-", n),
        digit_matrix(dom, 2),
        _literal("T", n),
        digit_matrix(sod // 3600, 2),
        _literal(":", n),
        digit_matrix(sod // 60 % 60, 2),
        _literal(":", n),
        digit_matrix(sod % 60, 2),
        _literal("Z", n),
    ]
    return matrix_strings(np.hstack(parts), valid)


def choice(rng: np.random.Generator, probs: np.ndarray | list[float], n: int) -> np.ndarray:
    """Draw ``n`` category numbers from one probability vector."""
    cum = np.cumsum(np.asarray(probs, dtype=np.float64))
    cum /= cum[-1]
    return np.searchsorted(cum, rng.random(n), side="right").clip(max=len(cum) - 1).astype(np.int16)


def choice_by(rng: np.random.Generator, table: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Draw one category per row from ``table[group]``, a probability row per group."""
    cum = np.cumsum(np.asarray(table, dtype=np.float64), axis=1)
    cum /= cum[:, -1:]
    u = rng.random(len(group))
    # Few categories (<= 16) and few groups: comparing against each boundary is vectorised and cheap.
    out = np.zeros(len(group), dtype=np.int16)
    for k in range(cum.shape[1] - 1):
        out += u >= cum[:, k][group]
    return out
