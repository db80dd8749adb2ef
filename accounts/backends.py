"""Authentication backends: passwords (when the deployment allows them) and the
session of a person signed in through single sign-on."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend, ModelBackend


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


class SingleSignOnBackend(BaseBackend):
    """The backend named in the session of someone signed in by `accounts.sso`: it
    finds the (active) user again and checks nothing itself; permissions come from
    the other backends."""

    def authenticate(self, request, **credentials):
        return None

    def get_user(self, user_id):
        user = get_user_model()._default_manager.filter(pk=user_id).first()
        return user if user is not None and user.is_active else None
