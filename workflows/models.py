"""Workflow models: the process proxies of our flows and the in-app notifications.

Domain data lives in casework; a process only points at it (its `artifact`) and keeps
workflow facts in `data`.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from casework.models import AgreementVersion, BottleneckAction, Designation, Escalation


class ApprovalRound(Process):
    """The approval round of one agreement version (its artifact)."""

    class Meta:
        proxy = True
        verbose_name = _("goedkeuringsronde")
        verbose_name_plural = _("goedkeuringsrondes")

    @property
    def version(self) -> AgreementVersion:
        return AgreementVersion.objects.select_related("agreement__location").get(
            pk=self.artifact_object_id
        )


class ActionProcess(Process):
    """The life of one breakthrough-agenda action (its artifact)."""

    class Meta:
        proxy = True
        verbose_name = _("actie op de doorbraak-agenda")
        verbose_name_plural = _("acties op de doorbraak-agenda")

    @property
    def action(self) -> BottleneckAction:
        return BottleneckAction.objects.select_related(
            "bottleneck__location", "assignee__organisation"
        ).get(pk=self.artifact_object_id)


class EscalationProcess(Process):
    """The escalation of one location to administrative consultation (its artifact is
    the casework `Escalation`)."""

    class Meta:
        proxy = True
        verbose_name = _("escalatie")
        verbose_name_plural = _("escalaties")

    @property
    def escalation(self) -> Escalation:
        return Escalation.objects.select_related("location", "opened_by").get(
            pk=self.data["escalation"]
        )


class DesignationProcess(Process):
    """The designation procedure of one location under the Omgevingswet (its artifact
    is the casework `Designation`)."""

    class Meta:
        proxy = True
        verbose_name = _("aanwijzingsprocedure")
        verbose_name_plural = _("aanwijzingsprocedures")

    @property
    def designation(self) -> Designation:
        return Designation.objects.select_related("location", "escalation").get(
            pk=self.data["designation"]
        )


class Notification(models.Model):
    """A message in a person's in-app notification list (also sent by e-mail)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    message = models.CharField(_("bericht"), max_length=500)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("tijdstip"), default=timezone.now)
    read_at = models.DateTimeField(_("gelezen op"), null=True, blank=True)

    class Meta:
        verbose_name = _("melding")
        verbose_name_plural = _("meldingen")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread_idx")
        ]

    def __str__(self) -> str:
        return self.message
