"""The optional sentence encoder of the intent model: a small pretrained MiniLM run by onnxruntime.

Shipped in ``sentence-encoder/`` (see SOURCE.md there: origin, licence, how it was built): the
all-MiniLM-L6-v2 sentence encoder (Apache-2.0), exported to ONNX with int8 weights (about 23 MB),
and its WordPiece tokenizer. The files' SHA-256 are recorded here and checked before the encoder is
used, so a changed file is refused rather than silently giving other vectors. Nothing is ever
downloaded: without ``onnxruntime`` and ``tokenizers`` installed (``pip install 'guanxi[assistant]'``)
the intent model is pure scikit-learn.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from guanxi.errors import ConfigurationError, NotFound

ENCODER_DIR = Path(__file__).with_name("sentence-encoder")
ENCODER_FILES = ("model.onnx", "tokenizer.json")
ENCODER_NAME = "all-MiniLM-L6-v2, int8 ONNX"
# The shipped files, as built by scripts/export_sentence_encoder.py (deterministic: the same bytes twice).
SHIPPED_SHA256 = {
    "model.onnx": "11c57f5a91c54851e69665778eef8df68297ae408ed7259a905054db3c0b89d9",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}


def file_sha256(path: Path) -> str:
    """SHA-256 of one file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_shipped(directory: Path = ENCODER_DIR) -> None:
    """Refuse shipped encoder files whose SHA-256 differ from the recorded ones."""
    for name, expected in SHIPPED_SHA256.items():
        found = file_sha256(directory / name)
        if found != expected:
            raise ConfigurationError(
                f"{directory / name}: SHA-256 {found} differs from the shipped file's {expected}; "
                "reinstall Guanxi rather than use a changed model file",
                code="intent_encoder_tampered",
                details={"file": name},
            )


class SentenceEncoder:
    """Sentence embeddings from a BERT-style ONNX encoder: WordPiece tokens, mean pooling, unit length.

    ``directory`` holds ``model.onnx`` and its ``tokenizer.json``. Each call runs in one thread, so
    concurrent requests do not fight over a thread pool. Messages are cut at ``max_tokens`` word
    pieces (48: in cross-validation on BANKING77, where 7% of messages are longer than 32 and 2% longer
    than 48, cutting at 32 lost 0.25 points of accuracy, and 64 gained nothing for 0.7 ms more at the
    99th percentile; TF-IDF still reads the whole message). The ONNX runtime opens on first use. A
    pickled encoder keeps its directory and the files' SHA-256 and refuses other files after loading:
    a model trained on one encoder's vectors is meaningless on another's.
    """

    def __init__(self, directory: Path, *, max_tokens: int = 48, name: str = "") -> None:
        self.directory = Path(directory)
        self.max_tokens = max_tokens
        self.name = name or self.directory.name
        self.fingerprint = _fingerprint(self.directory)
        self._closed()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings of ``texts``, one float32 row each.

        One message at a time, never padded batches: int8 activations are scaled by the range of the
        whole input, so a message must get the same vector in training as when a customer sends it.
        """
        runtime, tokenizer = self._open()
        out = np.zeros((len(texts), self._width), dtype=np.float32)
        for row, encoding in enumerate(tokenizer.encode_batch(list(texts))):
            tokens = np.array([encoding.ids], dtype=np.int64)
            feed = {
                "input_ids": tokens,
                "attention_mask": np.ones_like(tokens),
                "token_type_ids": np.zeros_like(tokens),
            }
            vectors = runtime.run([self._output], {k: v for k, v in feed.items() if k in self._inputs})[0][0]
            pooled = vectors.mean(axis=0)
            out[row] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
        return out

    def _open(self) -> tuple[Any, Any]:
        """The ONNX runtime and tokenizer, opened once from the first directory holding the same files."""
        if self._runtime is None:
            with self._lock:
                if self._runtime is None:
                    # A saved model may be loaded where the encoder is installed elsewhere: the default
                    # place is tried too, and accepted only with identical files.
                    places = [self.directory, ENCODER_DIR]
                    found = next((d for d in places if _fingerprint(d, missing_ok=True) == self.fingerprint), None)
                    if found is None:
                        raise ConfigurationError(
                            f"the sentence encoder in {self.directory} is missing or differs from the one this "
                            "intent model was trained with: install the same encoder or train the model again",
                            code="intent_encoder_mismatch",
                        )
                    import onnxruntime
                    from tokenizers import Tokenizer

                    tokenizer = Tokenizer.from_file(str(found / ENCODER_FILES[1]))
                    tokenizer.no_padding()
                    tokenizer.enable_truncation(self.max_tokens)
                    options = onnxruntime.SessionOptions()
                    options.intra_op_num_threads = options.inter_op_num_threads = 1
                    runtime = onnxruntime.InferenceSession(
                        str(found / ENCODER_FILES[0]), options, providers=["CPUExecutionProvider"]
                    )
                    self._inputs = {i.name for i in runtime.get_inputs()}
                    output = next(o for o in runtime.get_outputs() if len(o.shape) == 3)  # the token vectors
                    self._output, self._width = output.name, int(output.shape[-1])
                    self._tokenizer, self._runtime = tokenizer, runtime
        return self._runtime, self._tokenizer

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._closed()

    def _closed(self) -> None:
        """Nothing opened yet (a new or unpickled encoder)."""
        self._runtime: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()


def find_encoder(directory: Path | None = None) -> SentenceEncoder | None:
    """The installed sentence encoder, or None when it is not (the model is then pure scikit-learn).

    It needs the ``onnxruntime`` and ``tokenizers`` packages and ``model.onnx`` with its
    ``tokenizer.json`` in ``directory`` (by default ``sentence-encoder/`` beside this module).
    """
    shipped = directory is None
    directory = Path(directory) if directory is not None else ENCODER_DIR
    try:
        import onnxruntime  # noqa: F401  (only checks that the encoder can run)
        import tokenizers  # noqa: F401
    except ImportError:
        return None
    if not all((directory / name).is_file() for name in ENCODER_FILES):
        return None
    if shipped:
        check_shipped(directory)
    return SentenceEncoder(directory, name=ENCODER_NAME)


def _fingerprint(directory: Path, *, missing_ok: bool = False) -> str | None:
    """SHA-256 over the encoder's files; None for missing files when ``missing_ok``."""
    digest = hashlib.sha256()
    for name in ENCODER_FILES:
        path = Path(directory) / name
        if not path.is_file():
            if missing_ok:
                return None
            raise NotFound(f"sentence encoder file not found: {path}", code="intent_encoder_not_found")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()
