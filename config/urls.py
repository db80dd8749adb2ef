from django.contrib import admin
from django.urls import include, path, re_path
from viewflow.contrib.auth import AuthViewset
from viewflow.urls import Site

from accounts import urls as accounts_urls
from casework import api as casework_api
from casework import construction_api, export_api
from casework.construction_views import ConstructionStartView
from casework.pages.about import AboutApplication
from casework.pages.programme_settings import ProgrammeSettingsView
from casework.views import DashboardApplication, LocationsApplication
from config.api import SchemaView, SwaggerUIView, api_not_found
from documents import api as documents_api
from documents import views as documents_views
from evidence import api as evidence_api
from evidence import views as evidence_views
from permissions import views as permissions_views
from workflows import api as workflows_api
from workflows import ledger_api
from workflows.agreement_pages import AgreementsApplication
from workflows.calendar_feed import calendar_feed
from workflows.my_work import MyWorkApplication, home
from workflows.search import SearchApplication
from workflows.viewsets import workflow_app

site = Site(
    title="Doorbraak",
    viewsets=[
        DashboardApplication(),
        LocationsApplication(),
        workflow_app(),
        AgreementsApplication(),
        MyWorkApplication(),
        SearchApplication(),
        AboutApplication(),
    ],
    # The application menu lists the same links; one menu is enough.
    menu_template_name=None,
    primary_color="#01689b",
    secondary_color="#154273",
)

api_v1 = [
    path("locations/", casework_api.LocationListAPI.as_view(), name="location-list"),
    path(
        "locations/<int:pk>/",
        casework_api.LocationDetailAPI.as_view(),
        name="location-detail",
    ),
    path(
        "locations/<int:pk>/transitions/",
        casework_api.LocationTransitionAPI.as_view(),
        name="location-transitions",
    ),
    path(
        "locations/<int:pk>/designation/notice/",
        casework_api.DesignationNoticeAPI.as_view(),
        name="location-designation-notice",
    ),
    path(
        "locations/<int:pk>/designation/views/",
        workflows_api.DesignationViewsAPI.as_view(),
        name="location-designation-views",
    ),
    path(
        "locations/<int:pk>/bottlenecks/",
        casework_api.LocationBottlenecksAPI.as_view(),
        name="location-bottlenecks",
    ),
    path(
        "bottlenecks/<int:pk>/",
        ledger_api.BottleneckDetailAPI.as_view(),
        name="bottleneck-detail",
    ),
    path(
        "bottlenecks/<int:pk>/resolve/",
        ledger_api.BottleneckResolveAPI.as_view(),
        name="bottleneck-resolve",
    ),
    path(
        "bottlenecks/<int:pk>/reopen/",
        ledger_api.BottleneckReopenAPI.as_view(),
        name="bottleneck-reopen",
    ),
    path(
        "commitments/", ledger_api.CommitmentListAPI.as_view(), name="commitment-list"
    ),
    *(
        path(
            f"commitments/<int:pk>/{step}/",
            view.as_view(),
            name=f"commitment-{step}",
        )
        for step, view in (
            ("report", ledger_api.CommitmentReportAPI),
            ("confirm", ledger_api.CommitmentConfirmAPI),
            ("dispute", ledger_api.CommitmentDisputeAPI),
            ("waive", ledger_api.CommitmentWaiveAPI),
            ("extend", ledger_api.CommitmentExtendAPI),
        )
    ),
    path(
        "locations/<int:pk>/agreements/",
        workflows_api.LocationAgreementsAPI.as_view(),
        name="location-agreements",
    ),
    path(
        "agreements/<int:pk>/",
        workflows_api.AgreementDetailAPI.as_view(),
        name="agreement-detail",
    ),
    path(
        "agreements/<int:pk>/submit/",
        workflows_api.AgreementSubmitAPI.as_view(),
        name="agreement-submit",
    ),
    path("tasks/", workflows_api.TaskListAPI.as_view(), name="task-list"),
    path(
        "tasks/<int:pk>/complete/",
        workflows_api.TaskCompleteAPI.as_view(),
        name="task-complete",
    ),
    path("impasses/", casework_api.ImpasseListAPI.as_view(), name="impasse-list"),
    path("dashboard/", casework_api.DashboardAPI.as_view(), name="dashboard"),
    path(
        "agreements/<int:pk>/pdf/",
        documents_api.AgreementPdfAPI.as_view(),
        name="agreement-pdf",
    ),
    path(
        "locations/<int:pk>/dossier.pdf",
        documents_api.LocationDossierPdfAPI.as_view(),
        name="location-dossier",
    ),
    path(
        "locations/<int:pk>/designation-decision.pdf",
        documents_api.FinalDesignationPdfAPI.as_view(),
        name="location-designation-decision",
    ),
    path(
        "reports/progress.pdf",
        documents_api.ProgressReportPdfAPI.as_view(),
        name="progress-report",
    ),
    path("documents/", documents_api.DocumentListAPI.as_view(), name="document-list"),
    path(
        "documents/<int:pk>/",
        documents_api.DocumentDetailAPI.as_view(),
        name="document-detail",
    ),
    path(
        "documents/<int:pk>/download/",
        documents_api.DocumentDownloadAPI.as_view(),
        name="document-download",
    ),
    path(
        "locations/<int:pk>/evidence/",
        evidence_api.LocationEvidenceAPI.as_view(),
        name="location-evidence",
    ),
    path(
        "evidence/<int:pk>/",
        evidence_api.EvidenceDetailAPI.as_view(),
        name="evidence-detail",
    ),
    path(
        "evidence/<int:pk>/download/",
        evidence_api.EvidenceDownloadAPI.as_view(),
        name="evidence-download",
    ),
    path(
        "locations/<int:pk>/construction/",
        construction_api.LocationConstructionAPI.as_view(),
        name="location-construction",
    ),
    # Exports (README, "Exports"): files of what the pages and lists show.
    path(
        "exports/locations.csv",
        export_api.LocationsCsvAPI.as_view(),
        name="export-locations-csv",
    ),
    path(
        "exports/locations.xlsx",
        export_api.LocationsXlsxAPI.as_view(),
        name="export-locations-xlsx",
    ),
    path(
        "exports/commitments.csv",
        export_api.CommitmentsCsvAPI.as_view(),
        name="export-commitments-csv",
    ),
    path(
        "exports/commitments.xlsx",
        export_api.CommitmentsXlsxAPI.as_view(),
        name="export-commitments-xlsx",
    ),
    path(
        "exports/bottlenecks.csv",
        export_api.BottlenecksCsvAPI.as_view(),
        name="export-bottlenecks-csv",
    ),
    path(
        "exports/bottlenecks.xlsx",
        export_api.BottlenecksXlsxAPI.as_view(),
        name="export-bottlenecks-xlsx",
    ),
    path(
        "exports/dashboard.csv",
        export_api.DashboardCsvAPI.as_view(),
        name="export-dashboard-csv",
    ),
    path(
        "exports/open-data.csv",
        export_api.OpenDataCsvAPI.as_view(),
        name="export-open-data-csv",
    ),
    path(
        "exports/open-data.json",
        export_api.OpenDataJsonAPI.as_view(),
        name="export-open-data-json",
    ),
    path(
        "locations/<int:pk>/audit.csv",
        export_api.LocationAuditCsvAPI.as_view(),
        name="location-audit-csv",
    ),
    path(
        "locations/<int:pk>/audit.xlsx",
        export_api.LocationAuditXlsxAPI.as_view(),
        name="location-audit-xlsx",
    ),
    path("schema/", SchemaView.as_view(), name="schema"),
    path(
        "docs/",
        # The split view serves its script as a file: no inline script (CSP).
        SwaggerUIView.as_view(url_name="api:schema"),
        name="swagger-ui",
    ),
    # Last: a URL under /api/v1/ that names no endpoint answers like the API does.
    re_path(r"", api_not_found),
]

urlpatterns = [
    # Before viewflow's AuthViewset: login, logout and password reset of our own.
    path("accounts/", include(accounts_urls.overrides)),
    path("accounts/", include(accounts_urls)),
    path(
        "accounts/",
        AuthViewset(with_profile_view=False, allow_password_change=True).urls,
    ),
    path("api/v1/", include((api_v1, "api"))),
    path("admin/", admin.site.urls),
    # The language switch also saves a signed-in person's choice (their e-mail).
    path("i18n/setlang/", permissions_views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "documenten/<int:pk>/",
        documents_views.document_download,
        name="document-download",
    ),
    path(
        "documenten/overeenkomst/<int:pk>.pdf",
        documents_views.agreement_pdf,
        name="agreement-pdf",
    ),
    path(
        "documenten/locatie/<int:pk>/dossier.pdf",
        documents_views.location_dossier,
        name="location-dossier",
    ),
    path(
        "documenten/locatie/<int:pk>/aanwijzingsbesluit.pdf",
        documents_views.final_designation_pdf,
        name="designation-decision",
    ),
    path(
        "documenten/voortgangsrapportage.pdf",
        documents_views.progress_report,
        name="progress-report",
    ),
    path(
        "documenten/bewijs/<int:pk>/",
        evidence_views.evidence_download,
        name="evidence-download",
    ),
    path(
        "locations/<int:location_pk>/bewijs/",
        evidence_views.EvidenceUploadView.as_view(),
        name="evidence-upload",
    ),
    path(
        "locations/<int:location_pk>/start-bouw/",
        ConstructionStartView.as_view(),
        name="construction-start",
    ),
    # A programme's settings, for its programme administrator.
    path(
        "programmas/<slug:slug>/instellingen/",
        ProgrammeSettingsView.as_view(),
        name="programme-settings",
    ),
    # The deadlines feed: a private token instead of a session (calendar apps).
    path("agenda/<str:token>.ics", calendar_feed, name="calendar-feed"),
    # A party lands on its work, the programme-wide roles on the dashboard.
    path("", home, name="home"),
    path("", site.urls),
]

# Errors raised before or outside a view: JSON under /api/, the site's pages elsewhere.
handler400 = "config.api.bad_request"
handler404 = "config.api.not_found"
handler500 = "config.api.server_error"
