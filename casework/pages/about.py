"""The public pages of the footer: the accessibility statement, privacy, contact and
the glossary (Dutch government practice: every page links to them, signed in or not)."""

from __future__ import annotations

from django.conf import settings
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView, TemplateView
from viewflow.urls import Application

from ..glossary import GLOSSARY


class AboutPage(TemplateView):
    title = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
        context["contact_email"] = settings.CONTACT_EMAIL
        return context


class GlossaryPage(AboutPage):
    template_name = "about/glossary.html"
    title = _("Begrippenlijst")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["terms"] = sorted(GLOSSARY, key=lambda term: term.dutch)
        return context


class AboutApplication(Application):
    """`/about/`: open to everyone, also before logging in."""

    title = _("Over Doorbraak")
    icon = "info"
    app_name = "about"
    menu_template_name = "doorbraak/menu.html"

    def has_view_permission(self, user, obj=None):
        return True

    index_path = path(
        "", RedirectView.as_view(pattern_name="about:contact"), name="index"
    )
    accessibility_path = path(
        "toegankelijkheid/",
        AboutPage.as_view(
            template_name="about/accessibility.html",
            title=_("Toegankelijkheidsverklaring"),
        ),
        name="accessibility",
    )
    privacy_path = path(
        "privacy/",
        AboutPage.as_view(template_name="about/privacy.html", title=_("Privacy")),
        name="privacy",
    )
    contact_path = path(
        "contact/",
        AboutPage.as_view(template_name="about/contact.html", title=_("Contact")),
        name="contact",
    )
    glossary_path = path("begrippen/", GlossaryPage.as_view(), name="glossary")
