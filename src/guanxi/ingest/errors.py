"""Errors that stop an ingest before anything is loaded."""

from __future__ import annotations

from guanxi.errors import GuanxiError


class IngestError(GuanxiError):
    """An extract cannot be loaded as it stands; nothing was loaded."""

    code = "ingest_failed"
    http_status = 422


class MappingError(IngestError):
    """The mapping file is wrong: unknown entity or field, a column the file lacks, bad SQL."""

    code = "mapping_invalid"


class ExtractFileMissing(IngestError):
    """A file the mapping needs is not in the extract."""

    code = "file_missing"


class ExtractFileEmpty(IngestError):
    """A file has no content at all."""

    code = "file_empty"


class MalformedFile(IngestError):
    """A file cannot be parsed: wrong field count, an unterminated quote, not Parquet."""

    code = "file_malformed"


class EncodingProblem(IngestError):
    """A text file is not in the declared encoding (UTF-8 unless the mapping says otherwise)."""

    code = "file_encoding"


class PublishFailed(IngestError):
    """The database committed the load but the lake files could not be moved into place."""

    code = "lake_publish_failed"
    http_status = 500
