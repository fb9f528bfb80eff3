"""A file-based model registry: ``<var>/models/<name>/v<N>/`` holds the model, its card and its metadata.

Each version folder has ``model.joblib`` (the fitted estimator with the schema that reads its
input), ``card.md`` (the model card) and ``meta.json`` (training window, parameters, metrics,
status). The first version of a name is the champion; later ones are challengers until promoted.
The model file's SHA-256 is kept in ``meta.json`` and checked on load, so a file that was changed
after registration is refused. Only load models your own bank registered: joblib files run code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib

from guanxi.errors import Conflict, NotFound, ValidationFailed

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MODEL_FILE = "model.joblib"
CARD_FILE = "card.md"
META_FILE = "meta.json"
CHAMPION = "champion"
CHALLENGER = "challenger"


@dataclass(frozen=True)
class ModelVersion:
    """One registered version of a model: where it lives and what its metadata says."""

    name: str
    version: int
    path: Path
    meta: dict[str, Any]

    @property
    def status(self) -> str:
        """``champion`` or ``challenger``."""
        return str(self.meta.get("status", CHALLENGER))

    @property
    def card(self) -> str:
        """The model card (Markdown)."""
        return (self.path / CARD_FILE).read_text(encoding="utf-8")


class ModelRegistry:
    """Models stored as folders under one root; no database."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def from_var_dir(cls, var_dir: Path) -> ModelRegistry:
        """The registry under the settings' var folder."""
        return cls(var_dir / "models")

    def register(self, name: str, *, artifact: dict[str, Any], meta: dict[str, Any], card: str) -> ModelVersion:
        """Store a new version; the first version of a name becomes the champion."""
        folder = self._folder(name)
        folder.mkdir(parents=True, exist_ok=True)
        while True:  # mkdir is atomic: two writers never get the same version number
            version = max((v.version for v in self.versions(name)), default=0) + 1
            path = folder / f"v{version}"
            try:
                path.mkdir()
                break
            except FileExistsError:
                continue
        model_path = path / MODEL_FILE
        joblib.dump(artifact, model_path)
        record = {
            **meta,
            "name": name,
            "version": version,
            "status": CHAMPION if version == 1 else CHALLENGER,
            "registered_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "model_sha256": _sha256(model_path),
        }
        (path / CARD_FILE).write_text(card.replace("{status}", record["status"]), encoding="utf-8")
        _write_json(path / META_FILE, record)
        return ModelVersion(name=name, version=version, path=path, meta=record)

    def versions(self, name: str) -> list[ModelVersion]:
        """Every complete version of a model, oldest first."""
        folder = self._folder(name)
        found = []
        if folder.is_dir():
            for child in folder.iterdir():
                meta_path = child / META_FILE
                if child.is_dir() and child.name.startswith("v") and child.name[1:].isdigit() and meta_path.is_file():
                    meta = json.loads(meta_path.read_text(encoding="utf-8"))
                    found.append(ModelVersion(name=name, version=int(child.name[1:]), path=child, meta=meta))
        return sorted(found, key=lambda v: v.version)

    def get(self, name: str, version: int | None = None) -> ModelVersion:
        """A given version, or the champion when no version is named."""
        versions = self.versions(name)
        if not versions:
            raise NotFound(f"no model named {name!r} is registered", code="model_not_found", details={"name": name})
        if version is None:
            champions = [v for v in versions if v.status == CHAMPION]
            return champions[-1] if champions else versions[-1]
        for candidate in versions:
            if candidate.version == version:
                return candidate
        raise NotFound(
            f"model {name!r} has no version {version} (it has {', '.join(str(v.version) for v in versions)})",
            code="model_version_not_found",
            details={"name": name, "version": version},
        )

    def load(self, name: str, version: int | None = None) -> tuple[ModelVersion, dict[str, Any]]:
        """A version and its artifact (estimator, schema, kind), after checking the file is unchanged."""
        entry = self.get(name, version)
        model_path = entry.path / MODEL_FILE
        if _sha256(model_path) != entry.meta.get("model_sha256"):
            raise Conflict(
                f"{model_path}: the model file changed after it was registered; refusing to load it",
                code="model_tampered",
                details={"name": name, "version": entry.version},
            )
        return entry, joblib.load(model_path)

    def promote(self, name: str, version: int) -> ModelVersion:
        """Make a version the champion; the previous champion becomes a challenger."""
        chosen = self.get(name, version)
        for entry in self.versions(name):
            status = CHAMPION if entry.version == chosen.version else CHALLENGER
            if entry.status != status:
                _write_json(entry.path / META_FILE, {**entry.meta, "status": status})
        return self.get(name, version)

    def _folder(self, name: str) -> Path:
        """The folder of a model name, refusing names that could leave the registry."""
        if not NAME.match(name):
            raise ValidationFailed(
                f"model name {name!r} must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
                code="model_bad_name",
                details={"name": name},
            )
        return self.root / name


def _sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON atomically, so a reader never sees half a file."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=2, default=str, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, path)


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a data file (recorded as the training data's fingerprint)."""
    return _sha256(path)
