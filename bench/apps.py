import os

from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "bench"

    def ready(self):
        # `BENCH_SKIP_AGREEMENT_PDF=1`: measure completing approvals without the
        # agreement PDF that a concluded round renders after its commit (WeasyPrint,
        # seconds on this machine), i.e. decision + join + transition + audit only.
        if os.environ.get("BENCH_SKIP_AGREEMENT_PDF") == "1":
            from documents import services

            services.agreement_document = lambda **kwargs: None
