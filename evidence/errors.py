"""The two refusals of an upload that are not a plain 400 (their status is said by
`http_status`, which `config.api.exception_handler` answers with)."""

from permissions.errors import InvalidInput


class FileTooLarge(InvalidInput):
    """The file is larger than `EVIDENCE_MAX_BYTES` (HTTP 413)."""

    http_status = 413


class FileTypeRefused(InvalidInput):
    """The file's bytes are not of a type on the allow-list (HTTP 415)."""

    http_status = 415
