"""`manage.py programme_role <programme> <username> <role> --reason "…"`: give a person a
role in one programme (case manager, viewer, director, administrator), or take it
away with `--revoke`; audited like every change of a programme."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from casework.models import Programme
from casework.programmes import (
    ProgrammeRole,
    programme_role_grant,
    programme_role_revoke,
)
from permissions.errors import DomainError


class Command(BaseCommand):
    help = "Geeft iemand een rol in één programma (of neemt die af met --revoke)."

    def add_arguments(self, parser):
        parser.add_argument("programme", help="korte naam van het programma")
        parser.add_argument("username")
        parser.add_argument("role", choices=ProgrammeRole.values)
        parser.add_argument("--reason", required=True)
        parser.add_argument("--revoke", action="store_true")

    def handle(self, *args, **options):
        programme = Programme.objects.filter(slug=options["programme"]).first()
        if programme is None:
            raise CommandError(f"Geen programma '{options['programme']}'.")
        user = (
            get_user_model()
            ._default_manager.filter(username=options["username"])
            .first()
        )
        if user is None:
            raise CommandError(f"Geen gebruiker '{options['username']}'.")
        change = programme_role_revoke if options["revoke"] else programme_role_grant
        try:
            change(
                programme=programme,
                role=options["role"],
                user=user,
                reason=options["reason"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        verb = "ingetrokken" if options["revoke"] else "gegeven"
        self.stdout.write(
            f"Rol {options['role']} in {programme.slug} {verb} aan {user.get_username()}."
        )
