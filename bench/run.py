"""The scale benchmark (issue 7): one command, every figure with its baseline.

For SQLite (a temporary file) and, when a PostgreSQL URL is given (`--postgres URL`, or
`DATABASE_URL=postgres://…`), for PostgreSQL, and for 24 and for 2,000 locations
(`manage.py generate_scale`: 50,000 human tasks and 500 users at full size), each in a
fresh database of its own, it measures:

- server time p50/p95 (in-process Django test client, warm) and queries per request of
  the location list, a location page, the inbox, the dashboard, `GET /api/v1/locations/`
  and `GET /api/v1/tasks/`, against viewflow's own bare inbox (`/bare/workflow/inbox/`,
  mounted by `bench.urls`) over the same tasks of the same person;
- on PostgreSQL at full size: completing approval tasks (decision, join, conclusion with
  its transition, audit, the agreement PDF queued for the worker) per second, in one
  process through `workflows.services.task_complete` (also with the PDF rendered in the
  request, as jobs run in the tests) and with four clients against gunicorn (four
  workers) on `POST /api/v1/tasks/{id}/complete/`, against viewflow completing a bare
  `View` task (`bench.flows.BareFlow`) in the same run; queries per completion for each;
- `detect_impasses` and the progress report at full size (the report against plain
  WeasyPrint on the same HTML, as `bench/documents.py` does for the documents);
- at 24 locations: the ministry's `escalate` request with the largest allowed texts
  (the reason and every bottleneck description at `casework.limits.TEXT_MAX`), server
  time in-process with the evidence dossier queued as in production, and the dossier
  job's render time at those limits (what the worker then does).

Run: `make bench`, or `.venv/bin/python -m bench.run [--postgres URL] [--runs N]`.
`--quick` uses 200 locations instead of 2,000 (a smoke test of the script).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FULL = {"locations": 2000, "tasks": 50_000, "users": 500}
SMALL = {"locations": 24, "tasks": 600, "users": 60}
# `--sizes huge`: ten times the programme (slow: generating it alone takes a while).
HUGE = {"locations": 20_000, "tasks": 500_000, "users": 5000}
# Open deadlines the sweep is measured among, per size (topped up with deadlines that
# are not due, as a busy portfolio has: commitments and actions months ahead).
SWEEP_OPEN = {24: 600, 2000: 50_000, 20_000: 500_000}
SWEEP_DUE = 500
MARK = "BENCH-RESULT "


# --- the parent: one child process per database and size ---------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=None, help="postgres://… (a server URL)")
    parser.add_argument("--runs", type=int, default=5, help="repeats per figure")
    parser.add_argument("--requests", type=int, default=40, help="requests per page")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-report", action="store_true", help="skip the PDF report")
    parser.add_argument("--quick", action="store_true", help="200 instead of 2,000")
    parser.add_argument(
        "--sizes",
        default="small,full",
        help="small (24), full (2,000), huge (20,000; slow), comma-separated",
    )
    parser.add_argument(
        "--phases",
        default="pages,impasses,report,throughput,escalation,sweep",
        help="what to measure (comma-separated)",
    )
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return

    postgres = args.postgres or os.environ.get("DATABASE_URL", "")
    if not postgres.startswith("postgres"):
        postgres = ""
    full = dict(FULL)
    if args.quick:
        full = {"locations": 200, "tasks": 5000, "users": 100}
    backends = ([] if args.no_sqlite else ["sqlite"]) + (
        ["postgres"] if postgres else []
    )
    results = []
    phases = set(args.phases.split(","))
    sizes = [
        size
        for name, size in (("small", SMALL), ("full", full), ("huge", HUGE))
        if name in args.sizes.split(",")
    ]
    for backend in backends:
        for size in sizes:
            big = size is not SMALL
            job = {
                "backend": backend,
                "size": size,
                "runs": args.runs,
                "requests": args.requests if not big else max(20, args.requests // 2),
                "pages": "pages" in phases,
                "throughput": backend == "postgres" and big and "throughput" in phases,
                "impasses": big and "impasses" in phases,
                "escalation": not big and "escalation" in phases,
                "sweep": "sweep" in phases,
                "report": big
                and not args.no_report
                and "report" in phases
                and backend == backends[-1],
            }
            env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings")
            scratch = None
            if backend == "sqlite":
                handle, scratch = tempfile.mkstemp(
                    prefix="doorbraak-bench-", suffix=".sqlite3"
                )
                os.close(handle)
                env["DATABASE_URL"] = f"sqlite:///{scratch}"
                env["BENCH_SQLITE_FILE"] = scratch
            else:
                env["DATABASE_URL"] = postgres
            print(
                f"… {backend}, {size['locations']} locations, {size['tasks']} tasks, "
                f"{size['users']} users",
                file=sys.stderr,
                flush=True,
            )
            completed = subprocess.run(
                [sys.executable, "-m", "bench.run", "--child", json.dumps(job)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                text=True,
                check=False,
            )
            if scratch is not None:
                Path(scratch).unlink(missing_ok=True)
            lines = [
                line[len(MARK) :]
                for line in completed.stdout.splitlines()
                if line.startswith(MARK)
            ]
            if completed.returncode or not lines:
                sys.exit(f"benchmark child failed ({backend}, {size['locations']})")
            results.append(json.loads(lines[-1]))
    report(results, args.runs)


def report(results: list[dict], runs: int) -> None:
    machine = results[0]["machine"]
    print()
    print(f"Doorbraak scale benchmark, {time.strftime('%Y-%m-%d')}, {machine}")
    print(
        f"(medians of {runs} runs where repeated; ratios against a baseline of the same run)"
    )
    for result in results:
        size = result["size"]
        print()
        print(
            f"== {result['backend']} {result['server']}: {size['locations']} locations, "
            f"{result['counts'].get('human_tasks')} human tasks, {size['users']} users "
            f"(generated in {result['generate_s']:.1f} s)"
        )
        base = result["pages"].get("bare viewflow inbox (baseline)", {"p95": 0})
        print(
            f"{'page':38} {'p50 ms':>7} {'p95 ms':>7} {'queries':>7} "
            f"{'p95/bare':>8} {'status':>6}"
        )
        for name, page in result["pages"].items():
            ratio = page["p95"] / base["p95"] if base["p95"] else float("nan")
            print(
                f"{name:38} {page['p50']:7.1f} {page['p95']:7.1f} {page['queries']:7d} "
                f"{ratio:8.2f} {page['status']:>6}"
            )
        if "impasses" in result:
            imp = result["impasses"]
            print(
                f"detect_impasses: first run {imp['first_ms']:.0f} ms, warm median "
                f"{imp['warm_ms']:.0f} ms, {imp['queries']} queries, "
                f"{imp['signals']} open signals"
            )
        if "report" in result:
            rep = result["report"]
            print(
                f"progress report PDF: ours {rep['ours_ms']:.0f} ms, plain WeasyPrint "
                f"{rep['plain_ms']:.0f} ms, ratio {rep['ours_ms'] / rep['plain_ms']:.2f}"
            )
        if "escalation" in result:
            esc = result["escalation"]
            print(
                f"escalate at the text limits ({esc['text_chars']} characters, "
                f"{esc['bottlenecks']} bottlenecks): server time median "
                f"{esc['request_median_ms']:.0f} ms, max {esc['request_max_ms']:.0f} ms "
                f"over {esc['count']} locations ({esc['queries']} queries; statuses "
                f"{esc['statuses']})"
            )
            print(
                f"  evidence dossier job at those limits: median "
                f"{esc['render_median_ms']:.0f} ms, max {esc['render_max_ms']:.0f} ms, "
                f"{esc['pages_median']} pages"
            )
        if "sweep" in result:
            sw = result["sweep"]
            print(
                f"deadline sweep among {sw['open']} open deadlines: nothing due "
                f"{sw['idle_ms']:.1f} ms, {sw['idle_queries']} statements; "
                f"{sw['due']} due: {sw['due_ms']:.0f} ms, {sw['due_queries']} "
                f"statements ({sw['fired']} fired, {sw['batches']} batch(es))"
            )
        if "throughput" in result:
            tp = result["throughput"]
            print(
                f"completing approval tasks, one process: {tp['ours_rate']:.1f}/s "
                f"({tp['ours_queries']:.1f} queries each; {tp['conclusions']} rounds "
                f"concluded)"
            )
            print(
                f"bare viewflow View task, one process:   {tp['bare_rate']:.1f}/s "
                f"({tp['bare_queries']:.1f} queries each) → ratio "
                f"{tp['ours_rate'] / tp['bare_rate']:.2f}"
            )
            print(
                f"  the same with the agreement PDF rendered in the request: "
                f"{tp['inrequest_rate']:.1f}/s ({tp['inrequest_queries']:.1f} queries "
                f"each; {tp['inrequest_conclusions']} rounds concluded) → ratio "
                f"{tp['inrequest_rate'] / tp['bare_rate']:.2f}"
            )
            print(
                f"completing approval tasks, 4 clients × gunicorn 4 workers: "
                f"{tp['four_rate']:.1f}/s ({tp['four_errors']} non-200 answers)"
            )


# --- the child: one database, one size ----------------------------------------------------


def child(job: dict) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    # Not `setup_test_environment()`: it instruments every template render (a signal
    # with a copy of the context, for the tests' assertions), which would be measured
    # as part of every page. The test client's host is allowed in `bench.settings`.
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = os.environ["BENCH_SQLITE_FILE"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    size = job["size"]
    started = time.perf_counter()
    call_command(
        "generate_scale",
        locations=size["locations"],
        tasks=size["tasks"],
        users=size["users"],
        seed=1,
        no_progress=False,
        stdout=sys.stderr,
    )
    generate_s = time.perf_counter() - started
    from casework.models import Location

    counts = {"locations": Location.objects.count(), **task_counts()}
    result = {
        "backend": job["backend"],
        "server": server_version(),
        "size": size,
        "machine": machine(),
        "generate_s": generate_s,
        "counts": counts,
        "pages": pages(job["requests"]) if job["pages"] else {},
    }
    if job["impasses"]:
        result["impasses"] = impasses(job["runs"])
    if job["report"]:
        result["report"] = progress_report(max(2, job["runs"] // 2))
    if job["throughput"]:
        result["throughput"] = throughput(job["runs"])
    if job.get("escalation"):
        result["escalation"] = escalation(job["runs"])
    # Last: it leaves reminders recorded.
    if job.get("sweep"):
        result["sweep"] = sweep(job["runs"], SWEEP_OPEN.get(size["locations"], 50_000))
    print(MARK + json.dumps(result), flush=True)
    connection.creation.destroy_test_db(
        connection.settings_dict["NAME"], verbosity=0, keepdb=False
    )


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return "PostgreSQL " + cursor.fetchone()[0].split()[0]
        cursor.execute("SELECT sqlite_version()")
        return "SQLite " + cursor.fetchone()[0]


def task_counts() -> dict:
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    human = Task.objects.filter(flow_task_type="HUMAN")
    return {
        "human_tasks": human.count(),
        "open_human_tasks": human.filter(
            status__in=(STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)
        ).count(),
        "task_rows": Task.objects.count(),
    }


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


class QueryCounter:
    """Counts the statements a connection executes (whatever DEBUG says)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def time_requests(client, url: str, count: int) -> dict:
    from django.db import connection

    for _ in range(3):  # warm: templates, caches, connections
        response = client.get(url)
    queries = QueryCounter()
    with connection.execute_wrapper(queries):
        response = client.get(url)
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "url": url,
        "status": response.status_code,
        "queries": queries.count,
        "p50": statistics.median(samples),
        "p95": percentile(samples, 0.95),
    }


def people() -> dict:
    """Who the pages are measured for: the ministry (sees every location), the case
    manager and the signatory with the most tasks in their inbox."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Q
    from viewflow.workflow.status import STATUS

    from permissions.constants import Role

    User = get_user_model()
    assigned = Count(
        "task", filter=Q(task__status=STATUS.ASSIGNED, task__flow_task_type="HUMAN")
    )
    ranked = User.objects.annotate(inbox=assigned).order_by("-inbox", "pk")
    return {
        "ministry": User.objects.filter(groups__name=Role.MINISTRY).order_by("pk")[0],
        "case_manager": ranked.filter(groups__name=Role.CASE_MANAGER)[0],
        "signatory": ranked.filter(memberships__role="signatory")[0],
    }


def busiest_location():
    from django.db.models import Count

    from casework.models import Location

    return (
        Location.objects.annotate(
            n=Count("agreements__versions", distinct=True)
            + Count("parties", distinct=True)
        )
        .order_by("-n", "pk")
        .first()
    )


def pages(count: int) -> dict:
    from django.test import Client

    who = people()
    location = busiest_location()
    measured = {}
    # Literal paths: `bench.urls` mounts viewflow's own site under /bare/ with the
    # same namespaces, so `reverse` could name either.
    plan = [
        ("location list (ministry)", "ministry", "/locations/"),
        ("location page (ministry)", "ministry", f"/locations/{location.pk}/"),
        ("inbox (signatory)", "signatory", "/workflow/inbox/"),
        ("inbox (case manager)", "case_manager", "/workflow/inbox/"),
        ("dashboard (ministry)", "ministry", "/dashboard/"),
        ("GET /api/v1/locations/ (ministry)", "ministry", "/api/v1/locations/"),
        ("GET /api/v1/tasks/ (signatory)", "signatory", "/api/v1/tasks/"),
        ("bare viewflow inbox (baseline)", "case_manager", "/bare/workflow/inbox/"),
    ]
    clients = {}
    for name, person, url in plan:
        if person not in clients:
            clients[person] = Client()
            clients[person].force_login(who[person])
        measured[name] = time_requests(clients[person], url, count)
    return measured


def impasses(runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casework.impasses import detect_impasses
    from casework.models import ImpasseSignal

    started = time.perf_counter()
    detect_impasses()
    first = (time.perf_counter() - started) * 1000
    with CaptureQueriesContext(connection) as queries:
        detect_impasses()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        detect_impasses()
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "first_ms": first,
        "warm_ms": statistics.median(samples),
        "queries": len(queries),
        "signals": ImpasseSignal.objects.filter(closed_at__isnull=True).count(),
    }


def sweep(runs: int, open_target: int) -> dict:
    """The deadline clock (`manage.py deadlines`) among `open_target` open deadlines:
    a sweep with nothing due (what it costs every minute), and one with SWEEP_DUE
    reminders due, each told to the members of an organisation (what a busy morning
    costs); statements counted for both."""
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from casework.calendar import overdue_moment, reminder_moment
    from casework.models import Deadline, Party
    from workflows import clock

    now = timezone.now()
    open_deadlines = Deadline.objects.filter(resolved_at__isnull=True)
    # What the generated portfolio has due now is fired first (not measured).
    clock.sweep(now=now)
    parties = list(
        Party.objects.order_by("pk").values_list("location_id", "organisation_id")[:200]
    )
    far = timezone.localdate() + datetime.timedelta(days=400)
    missing = max(0, open_target - open_deadlines.count())
    Deadline.objects.bulk_create(
        [
            Deadline(
                location_id=parties[i % len(parties)][0],
                organisation_id=parties[i % len(parties)][1],
                kind="commitment",
                reference=f"bench:{i}",
                title="Benchmark",
                description="Een afspraak ver vooruit.",
                due_on=far,
                remind_at=reminder_moment(far),
                overdue_at=overdue_moment(far),
            )
            for i in range(missing)
        ],
        batch_size=5000,
    )
    total = open_deadlines.count()
    idle = []
    for _ in range(runs):
        started = time.perf_counter()
        clock.sweep(now=now)
        idle.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as idle_queries:
        clock.sweep(now=now)
    due_ids = list(
        Deadline.objects.filter(reference__startswith="bench:")
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_DUE]
    )
    Deadline.objects.filter(pk__in=due_ids).update(
        remind_at=now - datetime.timedelta(minutes=1)
    )
    with CaptureQueriesContext(connection) as due_queries:
        started = time.perf_counter()
        fired = clock.sweep(now=now)
        due_ms = (time.perf_counter() - started) * 1000
    return {
        "open": total,
        "idle_ms": statistics.median(idle),
        "idle_queries": len(idle_queries),
        "due": len(due_ids),
        "due_ms": due_ms,
        "due_queries": len(due_queries),
        "fired": fired.fired,
        "batches": fired.batches,
    }


def progress_report(runs: int) -> dict:
    """Our progress-report pipeline against plain WeasyPrint on the same HTML (the
    comparison of `bench/documents.py`, on the generated portfolio)."""
    from weasyprint import HTML, Attachment

    from casework.models import Location
    from documents import builders
    from documents.rendering import (
        PDF_VARIANT,
        JSONAttachment,
        html_to_pdf,
        render_html,
    )

    locations = Location.objects.all()
    static_dir = (ROOT / "documents" / "static").as_uri() + "/"

    def ours():
        context, data = builders.progress_context(locations)
        html = render_html("documents/progress_report.html", context)
        return html_to_pdf(html, attachments=[JSONAttachment("voortgang.json", data)])

    context, data = builders.progress_context(locations)
    html = render_html("documents/progress_report.html", context)

    def plain():
        return HTML(string=html, base_url=static_dir).write_pdf(
            pdf_variant=PDF_VARIANT,
            pdf_tags=True,
            attachments=[
                Attachment(string=json.dumps(data, default=str), name="data.json")
            ],
        )

    return {"ours_ms": median_ms(ours, runs), "plain_ms": median_ms(plain, runs)}


def escalation(runs: int) -> dict:
    """The ministry escalates `runs` locations whose texts are at the limits: the
    request's server time (the dossier is a job, queued as in production), then the
    worker's part, the dossier job, timed on its own."""
    import io

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pypdf import PdfReader

    from casework.constants import Stage
    from casework.limits import TEXT_MAX
    from casework.models import Bottleneck, Escalation, Location
    from documents import tasks as document_tasks
    from documents.models import Document

    text = ("De gemeente wacht op het besluit van de provincie over de weg. " * 100)[
        :TEXT_MAX
    ]
    candidates = list(
        Location.objects.filter(
            stage__in=[
                Stage.BOTTLENECK_ANALYSIS,
                Stage.NEGOTIATION,
                Stage.HEADS_OF_AGREEMENT,
            ]
        ).order_by("pk")[: max(runs, 1)]
    )
    Bottleneck.objects.filter(location__in=candidates).update(description=text)
    client = Client()
    client.force_login(people()["ministry"])
    client.get(f"/api/v1/locations/{candidates[0].pk}/")  # warm
    request_ms, statuses, queries = [], [], 0
    for location in candidates:
        body = json.dumps({"transition": "escalate", "reason": text})
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.post(
                f"/api/v1/locations/{location.pk}/transitions/",
                data=body,
                content_type="application/json",
            )
            request_ms.append((time.perf_counter() - started) * 1000)
        statuses.append(response.status_code)
        queries = max(queries, len(captured))
        print(f"  escalate answered in {request_ms[-1]:.0f} ms", file=sys.stderr)
    render_ms, pages = [], []
    for escalation in Escalation.objects.filter(location__in=candidates).order_by("pk"):
        started = time.perf_counter()
        document_tasks.freeze_evidence_dossier.call(
            escalation.pk, escalation.opened_by_id
        )
        render_ms.append((time.perf_counter() - started) * 1000)
        print(f"  dossier rendered in {render_ms[-1]:.0f} ms", file=sys.stderr)
        escalation.refresh_from_db()
        document = Document.objects.get(sha256=escalation.dossier_sha256)
        with document.file.open("rb") as handle:
            pages.append(len(PdfReader(io.BytesIO(handle.read())).pages))
    return {
        "count": len(candidates),
        "text_chars": len(text),
        "bottlenecks": Bottleneck.objects.filter(location__in=candidates).count(),
        "request_median_ms": statistics.median(request_ms),
        "request_max_ms": max(request_ms),
        "queries": queries,
        "statuses": sorted(set(statuses)),
        "render_median_ms": statistics.median(render_ms) if render_ms else 0,
        "render_max_ms": max(render_ms) if render_ms else 0,
        "pages_median": statistics.median(pages) if pages else 0,
    }


def median_ms(func, runs: int) -> float:
    func()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


# --- throughput ---------------------------------------------------------------------------


def open_approval_work(limit: int, taken: set[int]) -> list[list[tuple[int, int]]]:
    """Whole open rounds (their open approval tasks, with who decides each), until
    `limit` tasks: completing a round's last task concludes it (join, transition)."""
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from permissions.models import Membership
    from workflows.flows import ApprovalRoundFlow

    signatory = {}
    for organisation_id, user_id in (
        Membership.objects.filter(role="signatory")
        .order_by("organisation_id", "user__username")
        .values_list("organisation_id", "user_id")
    ):
        signatory.setdefault(organisation_id, user_id)
    tasks = (
        Task.objects.filter(
            flow_task=ApprovalRoundFlow.instance.approve,
            status__in=(STATUS.NEW, STATUS.ASSIGNED),
        )
        .exclude(process_id__in=taken)
        .order_by("process_id", "pk")
        .values_list("process_id", "pk", "owner_id", "data")
    )
    rounds: dict[int, list[tuple[int, int]]] = {}
    total = 0
    for process_id, pk, owner_id, data in tasks.iterator():
        if process_id not in rounds:
            if total >= limit:
                break
            rounds[process_id] = []
        rounds[process_id].append((pk, owner_id or signatory[data["organisation"]]))
        total += 1  # noqa: SIM113 - counts tasks, not loop turns
    taken.update(rounds)
    return list(rounds.values())


def completing_in_process(runs, taken, users, per_run) -> tuple[float, float, int]:
    """Approval tasks completed through `workflows.services.task_complete` (the API's
    path, without HTTP): completions per second, queries per completion, and how many
    rounds that concluded (each: join, transition, freeze, audit)."""
    from django.db import connection

    from casework.models import AgreementVersion, VersionStatus
    from workflows.services import task_complete

    rates, queries = [], []
    concluded_before = AgreementVersion.objects.filter(
        status=VersionStatus.CONCLUDED
    ).count()
    for _ in range(runs):
        work = [t for rnd in open_approval_work(per_run, taken) for t in rnd]
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            for task_id, user_id in work:
                task_complete(
                    task_id=task_id,
                    user=users[user_id],
                    payload={"decision": "approve"},
                )
            elapsed = time.perf_counter() - started
        rates.append(len(work) / elapsed)
        queries.append(counter.count / len(work))
    conclusions = (
        AgreementVersion.objects.filter(status=VersionStatus.CONCLUDED).count()
        - concluded_before
    )
    return statistics.median(rates), statistics.median(queries), conclusions


def throughput(runs: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test.utils import override_settings

    from bench.flows import BareFlow

    User = get_user_model()
    users = {u.pk: u for u in User.objects.all()}
    taken: set[int] = set()
    per_run = 40

    # One process, as the application runs in production: a concluded round queues
    # its agreement PDF (one job row, after the commit) for the worker.
    ours = completing_in_process(runs, taken, users, per_run)
    # The same with the PDF rendered in the request after the commit (jobs run at
    # once, as in the test settings): what the queue takes off the signatory's wait.
    immediate = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }
    with override_settings(TASKS=immediate):
        in_request = completing_in_process(runs, taken, users, per_run)

    # One process: viewflow's bare View task (started beforehand, assigned to a person).
    owner = next(iter(users.values()))
    bare_rates, bare_queries = [], []
    for _ in range(runs):
        processes = [BareFlow.start.run(owner=owner) for _ in range(per_run)]
        tasks = [p.task_set.get(flow_task=BareFlow.instance.task) for p in processes]
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            for task in tasks:
                with transaction.atomic(), task.activation() as activation:
                    activation.start(None)
                    activation.execute()
            elapsed = time.perf_counter() - started
        bare_rates.append(len(tasks) / elapsed)
        bare_queries.append(counter.count / len(tasks))

    four_rates, errors = four_clients(runs, taken, users)
    return {
        "ours_rate": ours[0],
        "ours_queries": ours[1],
        "conclusions": ours[2],
        "inrequest_rate": in_request[0],
        "inrequest_queries": in_request[1],
        "inrequest_conclusions": in_request[2],
        "bare_rate": statistics.median(bare_rates),
        "bare_queries": statistics.median(bare_queries),
        "four_rate": statistics.median(four_rates),
        "four_errors": errors,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def four_clients(runs: int, taken: set[int], users: dict) -> tuple[list[float], int]:
    """Gunicorn with four workers on the benchmark database; four client threads, each
    completing whole rounds of its own through `POST /api/v1/tasks/{id}/complete/`."""
    import http.client

    from django.db import connection
    from rest_framework.authtoken.models import Token

    port = free_port()
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/"
        f"{settings['NAME']}"
    )
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="bench.settings")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--workers",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        tokens: dict[int, str] = {}
        warm_user = next(iter(users.values()))
        warm_token = Token.objects.get_or_create(user=warm_user)[0].key

        def warm():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            for _ in range(8):
                conn.request(
                    "GET",
                    "/api/v1/tasks/",
                    headers={"Authorization": f"Token {warm_token}"},
                )
                conn.getresponse().read()
            conn.close()

        warmers = [threading.Thread(target=warm) for _ in range(4)]
        for thread in warmers:
            thread.start()
        for thread in warmers:
            thread.join()
        rates, errors = [], 0
        for _ in range(runs):
            rounds = open_approval_work(100, taken)
            buckets = [rounds[i::4] for i in range(4)]
            for rnd in rounds:
                for _task, user_id in rnd:
                    if user_id not in tokens:
                        tokens[user_id] = Token.objects.get_or_create(
                            user=users[user_id]
                        )[0].key
            statuses: list[int] = []
            lock = threading.Lock()

            def client(bucket, statuses=statuses, lock=lock):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                # Same-round tasks in order; rounds of a client one after another.
                mine = []
                for rnd in bucket:
                    for task_id, user_id in rnd:
                        conn.request(
                            "POST",
                            f"/api/v1/tasks/{task_id}/complete/",
                            body=json.dumps({"decision": "approve"}),
                            headers={
                                "Authorization": f"Token {tokens[user_id]}",
                                "Content-Type": "application/json",
                            },
                        )
                        response = conn.getresponse()
                        response.read()
                        mine.append(response.status)
                conn.close()
                with lock:
                    statuses.extend(mine)

            threads = [threading.Thread(target=client, args=(b,)) for b in buckets]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            rates.append(len(statuses) / elapsed)
            errors += sum(1 for status in statuses if status != 200)
        return rates, errors
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
