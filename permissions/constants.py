from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    """The kinds of organisation taking part (stable values, design §1)."""

    MINISTRY = "ministry", _("Ministerie")
    PROVINCE = "province", _("Provincie")
    MUNICIPALITY = "municipality", _("Gemeente")
    DEVELOPER = "developer", _("Ontwikkelaar")
    HOUSING_CORPORATION = "housing_corporation", _("Woningcorporatie")
    INVESTOR = "investor", _("Institutionele belegger")
    UMBRELLA = "umbrella", _("Koepelorganisatie")


class MembershipRole(models.TextChoices):
    """What a person may do on behalf of an organisation."""

    MEMBER = "member", _("Medewerker")
    SIGNATORY = "signatory", _("Ondertekenaar")


class Role(models.TextChoices):
    """Programme-wide roles, each a Django group holding model-wide permissions.

    The value is the group's name.
    """

    CASE_MANAGER = "case_manager", _("Procesregisseur")
    MINISTRY = "ministry", _("Ministerie")
    VIEWER = "programme_viewer", _("Programmalezer")


class OrganisationPerm:
    """Object permissions on an organisation ("app_label.codename")."""

    SIGN = "permissions.sign_for_organisation"
    ACT = "permissions.act_for_organisation"
    MANAGE_MEMBERS = "permissions.manage_members"
