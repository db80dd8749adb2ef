"""What each programme-wide role may do on locations, and what a party's people may do on
the locations their organisation takes part in."""

from permissions.constants import Role
from permissions.services import roles_ensure

from .constants import LocationPerm

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    # Case managers advance every location and keep its breakthrough agenda.
    Role.CASE_MANAGER: [LocationPerm.VIEW, LocationPerm.MANAGE],
    # The ministry watches the whole portfolio and takes the administrative decisions.
    Role.MINISTRY: [LocationPerm.VIEW, LocationPerm.DIRECT],
    # Programme viewers read everything and change nothing.
    Role.VIEWER: [LocationPerm.VIEW],
}

# Granted to an organisation's members group on each location where it is a party.
PARTY_PERMISSIONS: list[str] = [LocationPerm.VIEW, LocationPerm.CONTRIBUTE]


def ensure_roles() -> None:
    roles_ensure(ROLE_PERMISSIONS)


def ensure_roles_after_migrate(sender, **kwargs) -> None:
    ensure_roles()
