"""Reading a multipart body with the file names as they were sent.

Django cleans a file name while it parses (it keeps the part after the last slash and
drops characters it cannot print), so "../../etc/passwd" would arrive as "passwd"
and nobody would know. Evidence refuses such a name instead (400): this upload handler,
first in `FILE_UPLOAD_HANDLERS`, parses the body itself with Django's own parser and
keeps each name as sent in `request.raw_file_names` (in the order of the parts). The
files themselves go to the other handlers as usual (memory, then a temporary file).
"""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler
from django.http.multipartparser import MultiPartParser

# The name a file with no usable name gets while it is parsed (it is refused later by
# its raw name; Django would otherwise leave such a file out altogether).
PLACEHOLDER_NAME = "bestand"


class _RawNameParser(MultiPartParser):
    def __init__(self, *args, names: list[str | None], **kwargs):
        super().__init__(*args, **kwargs)
        self.names = names

    def sanitize_file_name(self, file_name):
        self.names.append(file_name)
        return super().sanitize_file_name(file_name) or PLACEHOLDER_NAME


class RawNameUploadHandler(FileUploadHandler):
    """Parses the multipart body, recording the raw file names on the request."""

    def handle_raw_input(
        self, input_data, META, content_length, boundary, encoding=None
    ):
        if self.request is None:  # pragma: no cover - always set by the request
            return None
        names: list[str | None] = []
        self.request.raw_file_names = names
        handlers = [
            handler for handler in self.request.upload_handlers if handler is not self
        ]
        return _RawNameParser(META, input_data, handlers, encoding, names=names).parse()

    def receive_data_chunk(self, raw_data, start):  # pragma: no cover - never reached
        return raw_data

    def file_complete(self, file_size):  # pragma: no cover - never reached
        return None
