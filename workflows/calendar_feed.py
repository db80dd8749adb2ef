"""A person's deadlines as an iCalendar feed, behind a private token address, so that
they see them in the calendar they already use (Outlook, Google, Apple).

What the feed holds, all of it limited to what the person may see:
- their open tasks with a due date (the inbox and what they may claim): decisions on
  agreements, revisions, breakthrough-agenda actions to perform or review;
- the commitments their organisations still owe under the agreements in force;
- the end of the consultation period (zienswijzetermijn) of every open designation
  procedure at a location they may see.

Every item is an all-day event on its date with a stable UID, so a calendar that
reads the feed again updates the event instead of adding a second one. The feed costs
the same number of queries whatever the number of items.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from icalendar import Calendar, Event

from casework.access import locations_visible_to
from casework.constants import COMMITMENT_OWED, CommitmentStatus, VersionStatus
from casework.models import Commitment, Designation
from casework.validation import clamped_to_window
from permissions.calendar_tokens import (
    calendar_token_of,
    calendar_token_regenerate,
    calendar_token_user,
)
from permissions.models import Membership

from . import selectors
from .constants import APPROVE, PERFORM, REVIEW, REVISE
from .presenters import describe_tasks


@dataclass(frozen=True)
class DeadlineItem:
    """One deadline of the feed."""

    uid: str  # stable per item, without the host
    kind: str  # "task", "commitment" or "consultation"
    day: datetime.date
    summary: str
    description: str
    path: str  # where in the application it is dealt with
    location: str
    overdue: bool = False


def _day(value: datetime.date) -> str:
    return date_format(value, "j F Y")


def _short(text: str, length: int = 70) -> str:
    return Truncator(" ".join(text.split())).chars(length)


def _task_summary(kind: str, subject: str) -> str:
    if kind == APPROVE:
        return _("Besluiten over %(subject)s") % {"subject": subject}
    if kind == REVISE:
        return _("Nieuwe versie opstellen van %(subject)s") % {"subject": subject}
    if kind == PERFORM:
        return _("Actie uitvoeren: %(subject)s") % {"subject": subject}
    if kind == REVIEW:
        return _("Actie beoordelen: %(subject)s") % {"subject": subject}
    return subject


def _lines(*lines: str) -> str:
    return "\n".join(line for line in lines if line)


def _commitment_items(user, visible) -> list[DeadlineItem]:
    today = timezone.localdate()
    commitments = (
        Commitment.objects.filter(
            owner__organisation__in=Membership.objects.filter(user=user).values(
                "organisation"
            ),
            owner__location__in=visible.values("pk"),
            version__status=VersionStatus.CONCLUDED,
            status__in=COMMITMENT_OWED,
        )
        .select_related("owner__organisation", "owner__location", "version__agreement")
        .order_by("due_date", "pk")
    )
    items = []
    for commitment in commitments:
        location = commitment.owner.location
        # The ledger's due date: after an extension, the new one.
        due = commitment.current_due_date
        overdue = commitment.status == CommitmentStatus.OVERDUE or due < today
        items.append(
            DeadlineItem(
                uid=f"commitment-{commitment.pk}",
                kind="commitment",
                day=due,
                summary=_("Afspraak nakomen: %(what)s – %(location)s")
                % {"what": _short(commitment.description), "location": location.name},
                description=_lines(
                    _("Locatie: %(location)s") % {"location": location.name},
                    _("Afspraak van %(organisation)s: %(what)s")
                    % {
                        "organisation": commitment.owner.organisation.name,
                        "what": commitment.description,
                    },
                    _("Uit: %(title)s, versie %(number)s")
                    % {
                        "title": commitment.version.agreement.title,
                        "number": commitment.version.number,
                    },
                    _("Uiterlijk: %(date)s") % {"date": _day(due)},
                    _("Betwist: de melding is niet bevestigd.")
                    if commitment.status == CommitmentStatus.DISPUTED
                    else "",
                    _("De termijn is verstreken.") if overdue else "",
                ),
                path=reverse("locations:detail", args=[location.pk]) + "#afspraken",
                location=location.name,
                overdue=overdue,
            )
        )
    return items


def _consultation_items(visible) -> list[DeadlineItem]:
    designations = (
        Designation.objects.filter(
            closed_at__isnull=True,
            consultation_ends_on__isnull=False,
            location__in=visible.values("pk"),
        )
        .select_related("location")
        .order_by("consultation_ends_on", "pk")
    )
    return [
        DeadlineItem(
            uid=f"designation-{designation.pk}-consultation",
            kind="consultation",
            day=designation.consultation_ends_on,
            summary=_("Einde zienswijzetermijn aanwijzing – %(location)s")
            % {"location": designation.location.name},
            description=_lines(
                _("Locatie: %(location)s") % {"location": designation.location.name},
                _(
                    "Het ontwerp-aanwijzingsbesluit (%(instrument)s) ligt open voor "
                    "zienswijzen tot en met %(date)s. Daarna kan de minister het "
                    "besluit nemen."
                )
                % {
                    "instrument": designation.get_instrument_display(),
                    "date": _day(designation.consultation_ends_on),
                },
            ),
            path=reverse("locations:detail", args=[designation.location_id]),
            location=designation.location.name,
        )
        for designation in designations
    ]


def deadline_items(user) -> list[DeadlineItem]:
    """Every deadline of `user`, earliest first."""
    visible = locations_visible_to(user)
    tasks = list(selectors.open_tasks(user))
    location_ids = {
        (task.process.data or {}).get("location")
        for task in tasks
        if (task.process.data or {}).get("location") is not None
    }
    # The tasks' locations the user may see (tasks are the user's own, but a task never
    # shows a location its holder may not see).
    visible_ids = set(visible.filter(pk__in=location_ids).values_list("pk", flat=True))
    items = [
        *_task_items(describe_tasks(tasks), visible_ids),
        *_commitment_items(user, visible),
        *_consultation_items(visible),
    ]
    items.sort(key=lambda item: (item.day, item.kind, item.uid))
    return items


def _task_items(rows, visible_ids: set[int]) -> list[DeadlineItem]:
    items = []
    for row in rows:
        if row.due is None or row.location is None:
            continue
        if row.location.pk not in visible_ids:
            continue
        subject = _short(row.subject or row.title)
        summary = _task_summary(row.kind, subject)
        items.append(
            DeadlineItem(
                uid=f"task-{row.task.pk}",
                kind="task",
                day=row.due,
                summary=_("%(what)s – %(location)s")
                % {"what": summary, "location": row.location.name},
                description=_lines(
                    _("Locatie: %(location)s") % {"location": row.location.name},
                    _("Voor: %(organisation)s") % {"organisation": row.organisation}
                    if row.organisation
                    else "",
                    row.meaning,
                    _("Uiterlijk: %(date)s") % {"date": _day(row.due)},
                    _("De termijn is verstreken.") if row.overdue else "",
                ),
                path=row.url,
                location=row.location.name,
                overdue=row.overdue,
            )
        )
    return items


def feed_ical(items: list[DeadlineItem], *, request, calendar_name: str) -> bytes:
    """The items as an iCalendar document (RFC 5545)."""
    host = request.get_host().split(":")[0] or "doorbraak"
    stamp = timezone.now().astimezone(datetime.UTC).replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", "-//Doorbraak//Termijnen//NL")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", calendar_name)
    calendar.add(
        "x-wr-caldesc",
        _("Uw termijnen in het programma: taken, afspraken en zienswijzetermijnen."),
    )
    calendar.add("x-published-ttl", "PT1H")
    for item in items:
        event = Event()
        event.add("uid", f"{item.uid}@{host}")
        event.add("dtstamp", stamp)
        # A date stored outside the accepted window (before the window existed) is
        # shown at the window's edge: the end of the last day of the calendar does
        # not exist, and a feed that fails on one item fails for good.
        day = clamped_to_window(item.day)
        event.add("dtstart", day)
        event.add("dtend", day + datetime.timedelta(days=1))
        event.add("summary", item.summary)
        url = request.build_absolute_uri(item.path)
        event.add("description", f"{item.description}\n{url}")
        event.add("url", url)
        event.add("location", item.location)
        event.add("categories", [_("Doorbraak")])
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()


# --- Views ------------------------------------------------------------------------------


def calendar_feed(request, token: str) -> HttpResponse:
    """The feed at its private address: no session; an unknown or replaced token is a
    404, like any address that does not exist."""
    if request.method not in ("GET", "HEAD"):
        raise Http404
    user = calendar_token_user(token)
    if user is None:
        raise Http404
    body = feed_ical(
        deadline_items(user),
        request=request,
        calendar_name=_("Doorbraak: termijnen van %(person)s")
        % {"person": user.get_full_name() or user.get_username()},
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="doorbraak-termijnen.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


class CalendarLinkView(LoginRequiredMixin, TemplateView):
    """Agenda-koppeling: the person's feed address, what it holds, and a button to
    replace it (POST) when it may have leaked."""

    template_name = "workflows/calendar_link.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        token = calendar_token_of(self.request.user)
        context["feed_url"] = (
            self.request.build_absolute_uri(reverse("calendar-feed", args=[token]))
            if token
            else ""
        )
        context["items"] = deadline_items(self.request.user)
        return context

    def post(self, request, *args, **kwargs):
        had_one = calendar_token_of(request.user) is not None
        calendar_token_regenerate(user=request.user)
        messages.success(
            request,
            _(
                "Er is een nieuwe agenda-koppeling gemaakt. De oude link werkt niet "
                "meer: vervang hem in uw agenda."
            )
            if had_one
            else _("Uw agenda-koppeling is gemaakt. Voeg de link toe aan uw agenda."),
        )
        return HttpResponseRedirect(reverse("workflow:calendar"))


__all__ = ["CalendarLinkView", "DeadlineItem", "calendar_feed", "deadline_items"]
