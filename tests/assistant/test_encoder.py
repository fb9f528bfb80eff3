"""The shipped sentence encoder: checked by hash, loaded without any download, and its vectors."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from guanxi.assistant.encoder import ENCODER_DIR, ENCODER_FILES, check_shipped, find_encoder
from guanxi.errors import ConfigurationError


def test_the_shipped_encoder_loads_and_gives_unit_vectors():
    # given: the encoder shipped with the package (the development install has its runtime)
    encoder = find_encoder()
    assert encoder is not None
    # when: two messages are encoded, one of them twice
    vectors = encoder.encode(["I lost my card", "my card was stolen", "I lost my card"])
    # then: 384 dimensions, unit length, the same message gives the same vector, related ones are close
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors[0], vectors[2])
    assert float(vectors[0] @ vectors[1]) > 0.5


def test_every_shipped_file_is_small_enough_and_recorded():
    # given / then: each weight file is at most 30 MB and its source is written down
    for name in ENCODER_FILES:
        assert (ENCODER_DIR / name).stat().st_size <= 30 * 1024 * 1024
    source = (ENCODER_DIR / "SOURCE.md").read_text(encoding="utf-8")
    assert "Apache-2.0" in source and "11c57f5a91c54851e69665778eef8df68297ae408ed7259a905054db3c0b89d9" in source
    check_shipped()


def test_a_changed_file_is_refused(tmp_path: Path):
    # given: a copy of the encoder whose tokenizer was edited
    for name in ENCODER_FILES:
        shutil.copy(ENCODER_DIR / name, tmp_path / name)
    with (tmp_path / "tokenizer.json").open("ab") as handle:
        handle.write(b" ")
    # when / then: the hash check names the file
    with pytest.raises(ConfigurationError) as refused:
        check_shipped(tmp_path)
    assert refused.value.code == "intent_encoder_tampered"
    assert "tokenizer.json" in str(refused.value)
