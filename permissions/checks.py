"""Object-permission primitives every access check in the project is built on.

They know nothing of locations: casework asks "may this user do `perm` on this object?"
and "which of these objects may this user see?". Answers come from guardian's generic
object-permission tables (grants go to organisation groups) and Django's model-wide
permissions (roles). Checks are cached on the user object for the length of a request so
that a page listing many actions costs a constant number of queries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import (
    BigIntegerField,
    CharField,
    Exists,
    F,
    Model,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast, Concat
from guardian.core import ObjectPermissionChecker
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.shortcuts import assign_perm, remove_perm

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, Group, User

    # A person signed in, or nobody (every check answers False for nobody).
    AnyUser = User | AnonymousUser

M = TypeVar("M", bound=Model)

_CHECKER_ATTR = "_doorbraak_object_permission_checker"


def _checker(user: User) -> ObjectPermissionChecker:
    checker = getattr(user, _CHECKER_ATTR, None)
    if checker is None:
        checker = ObjectPermissionChecker(user)
        setattr(user, _CHECKER_ATTR, checker)
    return checker


def forget_cached_permissions(user: AnyUser) -> None:
    """Drop what this user object remembers of its permissions (after a grant changes)."""
    for attr in (_CHECKER_ATTR, "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        if hasattr(user, attr):
            delattr(user, attr)


def has_global_perm(user: AnyUser, perm: str) -> bool:
    """True when the user holds `perm` model-wide (through a role group)."""
    return bool(user.is_authenticated and user.is_active and user.has_perm(perm))


def has_object_perm(user: AnyUser, perm: str, obj: Model) -> bool:
    """True when the user holds `perm` model-wide or on this object (through a group)."""
    if not (user.is_authenticated and user.is_active):
        return False
    if has_global_perm(user, perm):
        return True
    codename = perm.split(".", 1)[-1]
    return _checker(cast("User", user)).has_perm(codename, obj)


def prefetch_object_perms(user: AnyUser, objects: list[M] | QuerySet[M]) -> None:
    """Load the user's object permissions on `objects` in one go (lists, pages)."""
    if user.is_authenticated and user.is_active and objects:
        # guardian takes a list of objects too, whatever its annotation says.
        _checker(cast("User", user)).prefetch_perms(cast(Any, objects))


def _user_groups(user: User) -> QuerySet:
    """The ids of the user's groups, straight from the membership table: joining
    `auth_group` on the way (`group__user`) doubled the time PostgreSQL spends planning
    the queries of the lists and counts built on it."""
    return (
        get_user_model()
        .groups.through.objects.filter(user_id=user.pk)
        .values("group_id")
    )


def object_grants(
    user: User,
) -> tuple[QuerySet[GroupObjectPermission], QuerySet[UserObjectPermission]]:
    """Guardian's object permissions granted to `user`: to one of the user's groups (an
    organisation's signatories or members), and to the user. The one rule in SQL that
    every list and count over object permissions narrows down (`objects_with_perm`,
    `holds_grant`)."""
    return (
        GroupObjectPermission.objects.filter(group_id__in=_user_groups(user)),
        UserObjectPermission.objects.filter(user_id=user.pk),
    )


def holds_grant(user: User, **match: Any) -> Q:
    """A condition on other rows (with `OuterRef`s in `match`): `user` holds an object
    permission whose grant row (of `object_grants`) matches `match`, through a group or
    directly; `perm_name` matches the permission as "app_label.codename". One EXISTS
    per kind of grant."""
    grants: tuple[QuerySet[Any], ...] = object_grants(user)
    if "perm_name" in match:
        perm_name = Concat(
            F("content_type__app_label"),
            Value("."),
            F("permission__codename"),
            output_field=CharField(),
        )
        grants = tuple(grant.annotate(perm_name=perm_name) for grant in grants)
    to_groups, to_user = (grant.filter(**match) for grant in grants)
    return Q(Exists(to_groups)) | Q(Exists(to_user))


def objects_with_perm(user: AnyUser, perm: str, queryset: QuerySet[M]) -> QuerySet[M]:
    """The objects of `queryset` the user holds `perm` on, model-wide or per object.

    Lazy: the per-object case is one subquery over guardian's generic tables
    (`object_grants`), the text `object_pk` cast to the integer key on the permission
    side, so PostgreSQL joins on the primary key index. (guardian's own
    `get_objects_for_user` casts every row of the queried table to text instead and
    re-reads that table inside the subquery: at 2,000 locations a member of an
    organisation that is party everywhere waited ~0.9 s for the list, against ~0.1 s
    this way.) Integer primary keys only.
    """
    if not (user.is_authenticated and user.is_active):
        return queryset.none()
    if has_global_perm(user, perm):
        return queryset
    codename = perm.split(".", 1)[-1]
    content_type = ContentType.objects.get_for_model(queryset.model)
    granted = {
        "content_type": content_type,
        "permission__content_type": content_type,
        "permission__codename": codename,
    }
    to_groups, to_user = (
        grants.filter(**granted)
        .annotate(object_id=Cast("object_pk", BigIntegerField()))
        .values("object_id")
        for grants in object_grants(cast("User", user))
    )
    return queryset.filter(Q(pk__in=to_groups) | Q(pk__in=to_user))


def holds_perm_on(user: AnyUser, perm: str, model: type[Model], pk: int) -> bool:
    """True when the object of `model` with primary key `pk` exists and the user holds
    `perm` on it, model-wide or per object: one query that reads neither the object nor
    every object the user may see.

    For the hot paths (the location and organisation of a task being completed). The
    per-object case is written out as SQL over guardian's tables: the same question
    through the ORM (`Exists` over `group__user` and `permission__codename`) took ~5 ms
    on PostgreSQL, of which ~2 ms compiling it and ~2 ms planning its joins; this
    statement ~0.8 ms. `objects_with_perm` stays the way to filter many objects.
    """
    if not (user.is_authenticated and user.is_active):
        return False
    target = model._default_manager.filter(pk=pk)
    if has_global_perm(user, perm):
        return target.exists()
    codename = perm.split(".", 1)[-1]
    content_type = ContentType.objects.get_for_model(model)
    grant: list[Any] = [user.pk, content_type.pk, codename, str(pk)]
    with connection.cursor() as cursor:
        cursor.execute(_holds_perm_sql(model), [pk, *grant, *grant])
        return bool(cursor.fetchone()[0])


def guardian_tables() -> dict[str, str]:
    """The quoted names of the tables behind object permissions, for the two checks on
    hot paths written as SQL (`holds_perm_on`, the menu's counts in `workflows`), each
    held to its ORM rule by a test: guardian's grants to groups and to users, Django's
    permissions and content types, and the user-to-group table with its two
    columns."""
    quote = connection.ops.quote_name
    groups = get_user_model()._meta.get_field("groups")
    return {
        "group_perm": quote(GroupObjectPermission._meta.db_table),
        "user_perm": quote(UserObjectPermission._meta.db_table),
        "permission": quote(Permission._meta.db_table),
        "content_type": quote(ContentType._meta.db_table),
        "user_groups": quote(groups.m2m_db_table()),
        "user_col": quote(groups.m2m_column_name()),
        "group_col": quote(groups.m2m_reverse_name()),
    }


def _holds_perm_sql(model: type[Model]) -> str:
    quote = connection.ops.quote_name
    return """
        SELECT EXISTS (
          SELECT 1 FROM {target} t WHERE t.{target_pk} = %s AND (
            EXISTS (
              SELECT 1 FROM {group_perm} g
              JOIN {user_groups} ug ON ug.{group_col} = g.group_id
              JOIN {permission} p ON p.id = g.permission_id
              WHERE ug.{user_col} = %s AND g.content_type_id = %s
                AND p.codename = %s AND g.object_pk = %s
            ) OR EXISTS (
              SELECT 1 FROM {user_perm} u
              JOIN {permission} p ON p.id = u.permission_id
              WHERE u.user_id = %s AND u.content_type_id = %s
                AND p.codename = %s AND u.object_pk = %s
            )
          )
        )
    """.format(
        target=quote(model._meta.db_table),
        target_pk=quote(model._meta.pk.column),
        **guardian_tables(),
    )


def grant_to_group(perm: str, group: Group, obj: Model) -> None:
    assign_perm(perm, group, obj)


def revoke_from_group(perm: str, group: Group, obj: Model) -> None:
    remove_perm(perm, group, obj)
