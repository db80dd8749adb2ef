from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from viewflow.contrib.auth import AuthViewset
from viewflow.urls import Site

from casework import api as casework_api
from casework.views import LocationsApplication
from workflows.viewsets import workflow_app

site = Site(
    title="Doorbraak",
    viewsets=[LocationsApplication(), workflow_app()],
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
        "locations/<int:pk>/bottlenecks/",
        casework_api.LocationBottlenecksAPI.as_view(),
        name="location-bottlenecks",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api:schema"),
        name="swagger-ui",
    ),
]

urlpatterns = [
    path(
        "accounts/",
        AuthViewset(with_profile_view=False, allow_password_change=True).urls,
    ),
    path("api/v1/", include((api_v1, "api"))),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", RedirectView.as_view(pattern_name="locations:index"), name="home"),
    path("", site.urls),
]
