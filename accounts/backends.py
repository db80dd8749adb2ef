"""Authentication backends: passwords (when the deployment allows them) and the
session of a person signed in through single sign-on."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q


def local_login_enabled() -> bool:
    return bool(getattr(settings, "LOCAL_LOGIN", True))


class LocalPasswordBackend(ModelBackend):
    """Django's ModelBackend (passwords, model-wide permissions) that refuses every
    password when LOCAL_LOGIN is off: then only single sign-on signs people in."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not local_login_enabled():
            return None
        return super().authenticate(
            request, username=username, password=password, **kwargs
        )

    def get_all_permissions(self, user_obj, obj=None):
        """Django's answer (the user's own permissions and those of their groups; all
        of them for a superuser), read in one query instead of two: every request
        that checks a role pays for this once."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = _permission_names(user_obj)
        return user_obj._perm_cache


def _permission_names(user) -> set[str]:
    permissions = Permission.objects.all()
    if not user.is_superuser:
        model = get_user_model()
        groups = model.groups.through.objects.filter(user_id=user.pk)
        permissions = permissions.filter(
            Q(
                pk__in=model.user_permissions.through.objects.filter(
                    user_id=user.pk
                ).values("permission_id")
            )
            | Q(
                pk__in=Permission.group_set.through.objects.filter(
                    group_id__in=groups.values("group_id")
                ).values("permission_id")
            )
        )
    return {
        f"{app_label}.{codename}"
        for app_label, codename in permissions.order_by().values_list(
            "content_type__app_label", "codename"
        )
    }


class SingleSignOnBackend(BaseBackend):
    """The backend named in the session of someone signed in by `accounts.sso`: it
    finds the (active) user again and checks nothing itself; permissions come from
    the other backends."""

    def authenticate(self, request, **credentials):
        return None

    def get_user(self, user_id):
        user = get_user_model()._default_manager.filter(pk=user_id).first()
        return user if user is not None and user.is_active else None
