"""What the portfolio part of the menu offers this user (no queries beyond the user's
cached permissions)."""

from django import template

from permissions.checks import has_global_perm

from ..constants import LocationPerm

register = template.Library()


@register.simple_tag(takes_context=True)
def portfolio_menu(context):
    user = context["request"].user
    if not user.is_authenticated:
        return {}
    return {
        "may_read_portfolio": has_global_perm(user, LocationPerm.VIEW),
        "may_see_impasses": has_global_perm(user, LocationPerm.MANAGE)
        or has_global_perm(user, LocationPerm.DIRECT),
    }
