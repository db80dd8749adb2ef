"""Template tags for the menu (counts of the person's work) and viewflow's own task
pages (what a task is about)."""

from __future__ import annotations

from django import template
from django.utils.functional import cached_property

from .. import presenters, selectors

register = template.Library()


class WorkMenu:
    """What the menu shows about the user's work: its three numbers cost one query
    together, and only when the menu shows one."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def _counts(self) -> dict[str, int]:
        return selectors.work_counts(self.user)

    @property
    def inbox_count(self) -> int:
        return self._counts["inbox"]

    @property
    def queue_count(self) -> int:
        return self._counts["queue"]

    @property
    def unread_count(self) -> int:
        return self._counts["unread"]

    @cached_property
    def may_see_flows(self) -> bool:
        return selectors.may_see_flow_dashboards(self.user)


@register.simple_tag(takes_context=True)
def work_menu(context) -> WorkMenu | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return WorkMenu(user)


@register.simple_tag
def describe_task(task) -> presenters.TaskRow | None:
    if task is None:
        return None
    rows = presenters.describe_tasks([task])
    return rows[0] if rows else None
