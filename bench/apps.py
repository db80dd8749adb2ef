from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The bench-only app (test and bench settings): `manage.py generate_scale`, and a
    bare viewflow flow (`bench.flows`) to compare against."""

    name = "bench"
