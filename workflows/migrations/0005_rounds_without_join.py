"""An approval round no longer passes a join, a function node and a gateway after the
decision that ends it: that decision closes the round and goes on to the end or the
revision itself (`workflows.nodes.RoundDecision`). The rows of those nodes in the
rounds run so far (`join`, `close_round`, `outcome`, and `archive_agreement` of older
rounds) go; what followed them is linked to what came before them, so each round's
history still reads decision → end (or revision). A join still open in a running
round (a round begun before decisions held back mid-round) goes too: the decision
that ends the round needs none.

Plain SQL: the flows of today no longer have these nodes (their stored names could
not be loaded).
"""

from collections import defaultdict

from django.db import migrations

ROUND = "workflows/flows.ApprovalRoundFlow"
GONE_NODES = ("join", "close_round", "outcome", "archive_agreement")


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        names = [f"{ROUND}.{node}" for node in GONE_NODES]
        marks = ", ".join(["%s"] * len(names))
        cursor.execute(f"SELECT id FROM viewflow_task WHERE flow_task IN ({marks})", names)
        gone = {row[0] for row in cursor.fetchall()}
        if not gone:
            return
        ids = sorted(gone)
        edges: list[tuple[int, int]] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            chunk_marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                "SELECT from_task_id, to_task_id FROM viewflow_task_previous "
                f"WHERE from_task_id IN ({chunk_marks}) OR to_task_id IN ({chunk_marks})",
                chunk + chunk,
            )
            edges += cursor.fetchall()
        # `from` is the later task, `to` the one before it.
        before: dict[int, set[int]] = defaultdict(set)
        for later, earlier in set(edges):
            before[later].add(earlier)

        def kept_before(task_id: int, seen: set[int]) -> set[int]:
            found: set[int] = set()
            for earlier in before.get(task_id, ()):
                if earlier in gone:
                    if earlier not in seen:
                        seen.add(earlier)
                        found |= kept_before(earlier, seen)
                else:
                    found.add(earlier)
            return found

        after_gone = {later for later, earlier in edges if later not in gone}
        relinked = {
            (later, earlier)
            for later in after_gone
            for earlier in kept_before(later, set())
        }
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            chunk_marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                "DELETE FROM viewflow_task_previous "
                f"WHERE from_task_id IN ({chunk_marks}) OR to_task_id IN ({chunk_marks})",
                chunk + chunk,
            )
            cursor.execute(f"DELETE FROM viewflow_task WHERE id IN ({chunk_marks})", chunk)
        for later, earlier in sorted(relinked):
            cursor.execute(
                "SELECT 1 FROM viewflow_task_previous "
                "WHERE from_task_id = %s AND to_task_id = %s",
                [later, earlier],
            )
            if cursor.fetchone() is None:
                cursor.execute(
                    "INSERT INTO viewflow_task_previous (from_task_id, to_task_id) "
                    "VALUES (%s, %s)",
                    [later, earlier],
                )


class Migration(migrations.Migration):
    dependencies = [
        ("viewflow", "0015_task_scheduled"),
        ("workflows", "0004_deadlines_on_the_clock"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
