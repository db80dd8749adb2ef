"""Run by `test_crashes.py`: render a location dossier, and right after its file is
written to the storage (before the document's record is saved and committed) print
WRITTEN <name> and wait for a line on stdin. The test then kills the process or cuts
its database connection; in the latter case the process goes on and prints the error
that ended the render and whether its file is still in the storage.

Usage: python -m tests.crash.store_then_wait <location id>
"""

from __future__ import annotations

import sys

import django


def main() -> None:
    django.setup()
    from django.core.files.storage import FileSystemStorage, default_storage

    from casework.models import Location
    from documents import services

    save = FileSystemStorage._save
    written: list[str] = []

    def save_then_wait(self, name, content):
        name = save(self, name, content)
        written.append(name)
        print(f"WRITTEN {name}", flush=True)
        sys.stdin.readline()
        return name

    FileSystemStorage._save = save_then_wait
    try:
        services.location_dossier_document(
            location=Location.objects.get(pk=int(sys.argv[1])), actor=None
        )
    except Exception as exc:
        print(f"FAILED {type(exc).__name__}", flush=True)
    else:
        print("STORED", flush=True)
    print(f"EXISTS {default_storage.exists(written[0])}", flush=True)


if __name__ == "__main__":
    main()
