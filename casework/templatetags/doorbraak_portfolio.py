"""What the portfolio part of the menu offers this user (no queries beyond the user's
cached permissions), and the numbers of the dashboard's tables."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

from ..access import reads_portfolio, staffs_a_programme
from ..charts import grouped as grouped_number

register = template.Library()


@register.simple_tag(takes_context=True)
def portfolio_menu(context):
    user = context["request"].user
    if not user.is_authenticated:
        return {}
    return {
        "may_read_portfolio": reads_portfolio(user),
        "may_see_impasses": staffs_a_programme(user),
    }


@register.filter(is_safe=True)
def grouped(value):
    """humanize's `intcomma`, the same text, without its locale lookups for a whole
    number below a thousand (`casework.charts.grouped`): the dashboard's tables write
    a few hundred small counts."""
    return grouped_number(value) if type(value) is int else intcomma(value)
