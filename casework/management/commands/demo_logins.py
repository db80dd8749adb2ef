"""`manage.py demo_logins`: the whole table of demo logins (`make run` prints it after
loading the demo), so that nobody has to guess a username."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand
from django.db.models import Count, Prefetch
from guardian.models import UserObjectPermission

from casework.demo import DEMO_EMAIL_DOMAIN
from casework.models import Programme
from permissions.constants import MembershipRole, Role
from permissions.models import Membership

# The programme grant that names a programme-scoped role.
PROGRAMME_ROLE_LABELS = {
    "manage_programme": "procesregisseur",
    "direct_programme": "escalerende overheid",
    "administer_programme": "programmabeheerder",
}


def login_rows() -> list[tuple[str, str, str, str]]:
    """(username, name, role, what they see) for every demo user, by role then name."""
    users = (
        get_user_model()
        .objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}", is_active=True)
        .prefetch_related(
            "groups",
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("organisation").annotate(
                    locations=Count("organisation__parties", distinct=True)
                ),
            ),
        )
        .order_by("username")
    )
    roles = {role.value: role for role in Role}
    # Programme-scoped roles (a case manager of one programme): their grants.
    programme_roles: dict[int, list[str]] = {}
    for user_id, codename, name in UserObjectPermission.objects.filter(
        content_type=ContentType.objects.get_for_model(Programme)
    ).values_list("user_id", "permission__codename", "object_pk"):
        programme_roles.setdefault(user_id, []).append((codename, name))
    programme_names = dict(
        (str(pk), name) for pk, name in Programme.objects.values_list("pk", "name")
    )
    rows = []
    for user in users:
        role_names = [roles[g.name] for g in user.groups.all() if g.name in roles]
        memberships = list(user.memberships.all())
        scoped = sorted(
            {
                f"{PROGRAMME_ROLE_LABELS[codename]} ({programme_names[pk]})"
                for codename, pk in programme_roles.get(user.pk, [])
                if codename in PROGRAMME_ROLE_LABELS
            }
        )
        if role_names:
            role = ", ".join(str(role.label).lower() for role in role_names)
            sees = "alle locaties"
        elif scoped:
            role = ", ".join(scoped)
            sees = "de locaties van het programma"
        else:
            role = ", ".join(
                str(MembershipRole(m.role).label).lower() for m in memberships
            )
            count = sum(m.locations for m in memberships)
            sees = f"{count} locatie" if count == 1 else f"{count} locaties"
        organisation = ", ".join(m.organisation.name for m in memberships) or "—"
        rows.append((user.username, role, organisation, sees))
    order = {"procesregisseur": 0, "ministerie": 1, "programmalezer": 2}
    rows.sort(key=lambda row: (order.get(row[1].split(",")[0], 3), row[0]))
    return rows


class Command(BaseCommand):
    help = "Toont alle demogebruikers met hun rol, organisatie en wat ze zien."
    requires_system_checks = []

    def handle(self, *args, **options):
        rows = login_rows()
        header = ("gebruiker", "rol", "organisatie", "ziet")
        widths = [
            max(len(header[i]), *(len(row[i]) for row in rows)) if rows else 10
            for i in range(4)
        ]
        line = "  ".join(f"{{:<{width}}}" for width in widths)
        self.stdout.write(
            f"Demologins (wachtwoord uit DEMO_PASSWORD, nu: ‘{settings.DEMO_PASSWORD}’):"
        )
        self.stdout.write(line.format(*header).rstrip())
        self.stdout.write(line.format(*("-" * width for width in widths)))
        for row in rows:
            self.stdout.write(line.format(*row).rstrip())
        if not rows:
            self.stdout.write(
                "Nog geen demogebruikers: draai eerst manage.py load_demo."
            )
