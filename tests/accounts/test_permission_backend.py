"""The password backend answers model-wide permissions as Django's ModelBackend does,
in one query instead of two."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from accounts.backends import LocalPasswordBackend

User = get_user_model()


def django_answer(user) -> set[str]:
    fresh = User.objects.get(pk=user.pk)
    return ModelBackend().get_all_permissions(fresh)


@pytest.mark.django_db
def test_the_same_permissions_as_django_in_one_query(django_assert_num_queries):
    own = Permission.objects.get(codename="add_group")
    through_group = Permission.objects.get(codename="change_user")
    both = Permission.objects.get(codename="view_user")
    group = Group.objects.create(name="g")
    group.permissions.add(through_group, both)
    other_group = Group.objects.create(name="other")
    other_group.permissions.add(Permission.objects.get(codename="delete_user"))
    user = User.objects.create_user("u")
    user.user_permissions.add(own, both)
    user.groups.add(group)

    with django_assert_num_queries(1):
        names = LocalPasswordBackend().get_all_permissions(user)
        # Asked again on the same user object: remembered.
        assert LocalPasswordBackend().get_all_permissions(user) is names
    assert (
        names
        == django_answer(user)
        == {
            "auth.add_group",
            "auth.change_user",
            "auth.view_user",
        }
    )
    assert user.has_perm("auth.change_user")
    assert not user.has_perm("auth.delete_user")


@pytest.mark.django_db
def test_a_superuser_holds_every_permission_and_an_inactive_user_none():
    boss = User.objects.create_superuser("boss", password="x")
    assert LocalPasswordBackend().get_all_permissions(boss) == django_answer(boss)
    assert len(django_answer(boss)) == Permission.objects.count()

    gone = User.objects.create_user("gone", is_active=False)
    gone.user_permissions.add(Permission.objects.get(codename="add_group"))
    assert LocalPasswordBackend().get_all_permissions(gone) == set()
    assert not gone.has_perm("auth.add_group")
