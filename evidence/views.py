"""Evidence in the interface: the upload form on the location page and the download.

The same checks and services as the API; a refusal is a Dutch message on the
location page (nothing stored), a location or file you may not see the one 404 page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from casework.selectors import access_location
from permissions.errors import InvalidInput, NotPermitted, NotVisible

from . import selectors, services
from .api import evidence_response
from .models import EvidenceFile


class EvidenceUploadView(LoginRequiredMixin, View):
    """A case manager, the ministry or a party's person adds an evidence file."""

    http_method_names = ["post"]
    # The one form of the interface that takes a file (config.middleware).
    takes_files = True

    def post(self, request, location_pk: int):
        back = reverse("locations:detail", args=[location_pk]) + "#bewijs"
        try:
            location = access_location(request.user, location_pk)
            if not services.may_submit_evidence(request.user, location):
                raise NotPermitted(
                    _("U kunt bij deze locatie geen bewijsstukken toevoegen.")
                )
            files = request.FILES.getlist("file")
            if len(files) != 1:
                raise InvalidInput(_("Kies één bestand."))
            names = getattr(request, "raw_file_names", None) or [files[0].name]
            replaces = None
            if request.POST.get("replaces"):
                replaces = EvidenceFile.objects.filter(
                    pk=request.POST["replaces"]
                    if request.POST["replaces"].isdigit()
                    else 0,
                    location=location,
                ).first()
                if replaces is None:
                    raise InvalidInput(
                        _(
                            "Het bestand dat dit vervangt is geen bewijsstuk van deze locatie."
                        )
                    )
            evidence = services.evidence_upload(
                location=location,
                actor=request.user,
                upload=files[0],
                name=names[0],
                replaces=replaces,
            )
        except NotVisible as exc:
            raise Http404(exc.message) from exc
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except InvalidInput as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _(
                    "‘%(name)s’ is toegevoegd (SHA-256 %(hash)s). Noem het bij uw "
                    "melding als bewijs."
                )
                % {"name": evidence.original_name, "hash": evidence.sha256},
            )
        return HttpResponseRedirect(back)


@login_required
def evidence_download(request, pk: int):
    try:
        evidence = selectors.access_evidence(request.user, pk)
    except NotVisible as exc:
        raise Http404(exc.message) from exc
    return evidence_response(evidence)
