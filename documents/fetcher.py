"""The only way a rendered document reaches outside itself.

WeasyPrint's default fetcher reads any local file and makes HTTP requests: a
`<link rel="attachment" href="file:///etc/passwd">` in rendered HTML would embed that file
in the PDF. This fetcher serves exactly two things: the project's own static files (found
by Django's staticfiles finders under a virtual base URL) and `data:` URIs. Everything
else is refused and remembered in `refused`; nothing is fetched over a network and no
redirect is followed.
"""

from __future__ import annotations

import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import unquote

from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Relative URLs in our templates (`documents/print.css`) resolve under this base.
STATIC_BASE_URL = "file:///doorbraak-static/"


class RefusedURL(ValueError):
    """A document asked for something outside the project's static files."""


class StaticOnlyURLFetcher(URLFetcher):
    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url: str, headers=None):
        if url[:5].lower() == "data:":
            # urllib's DataHandler decodes it; no other handler is reachable.
            return super().fetch(url, headers)
        path = self._static_path(url)
        if path is None:
            self.refused.append(url)
            raise RefusedURL(f"Not a static file of this project: {url[:200]}")
        self.served.append(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            url, body=path.read_bytes(), headers={"Content-Type": content_type}
        )

    def _static_path(self, url: str) -> Path | None:
        if not url.startswith(STATIC_BASE_URL):
            return None
        relative = unquote(
            url[len(STATIC_BASE_URL) :].split("?", 1)[0].split("#", 1)[0]
        )
        normalized = posixpath.normpath(relative)
        if (
            normalized.startswith(("..", "/"))
            or "\\" in normalized
            or "\x00" in normalized
        ):
            return None
        try:
            found = finders.find(normalized)
        except SuspiciousFileOperation:
            return None
        if not found:
            return None
        path = Path(found).resolve()
        # A symlink inside a static directory must not lead outside it.
        roots = [Path(root).resolve() for root in _static_roots()]
        if not any(path.is_relative_to(root) for root in roots) or not path.is_file():
            return None
        return path


def _static_roots() -> list[str]:
    roots = []
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                roots.append(location)
    return roots
