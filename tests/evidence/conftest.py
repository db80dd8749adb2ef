"""Each evidence test stores its files in a folder of its own: what the other tests
of the session uploaded (the ledger's and the bottlenecks' evidence) is not in the
folder these tests look into (`helpers.stored_files`)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _own_media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
