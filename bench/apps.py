from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The bench-only app: a bare viewflow flow (`bench.flows`) to compare against."""

    name = "bench"
