"""URLs of the accounts app.

`overrides` take the place of the same paths of viewflow's AuthViewset (login, logout,
password reset) under /accounts/: they come first in config/urls.py, keep the names
other code reverses (`login`, `logout`, `password_reset`, ...), and so win the match.
`urlpatterns` are the app's own pages (namespace `accounts`).
"""

from django.urls import path

from . import views

overrides = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password_reset/done/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

app_name = "accounts"
urlpatterns = [
    path("sso/<slug:name>/login/", views.sso_login, name="sso-login"),
    path("sso/<slug:name>/callback/", views.sso_callback, name="sso-callback"),
    path("tweede-factor/", views.second_factor_view, name="second-factor"),
    path("uitnodiging/<str:token>/", views.invitation_view, name="invitation"),
    path("organisaties/", views.organisations_view, name="organisations"),
    path(
        "organisaties/<int:pk>/",
        views.organisation_people_view,
        name="organisation-people",
    ),
    path("organisaties/<int:pk>/uitnodigen/", views.invite_view, name="invite"),
    path(
        "organisaties/<int:pk>/uitnodigingen/<int:invitation_id>/intrekken/",
        views.withdraw_invitation_view,
        name="withdraw-invitation",
    ),
    path(
        "organisaties/<int:pk>/mensen/<int:user_id>/rol/",
        views.set_role_view,
        name="set-role",
    ),
    path(
        "organisaties/<int:pk>/mensen/<int:user_id>/beheerder/",
        views.set_administrator_view,
        name="set-administrator",
    ),
    path(
        "organisaties/<int:pk>/mensen/<int:user_id>/verwijderen/",
        views.remove_view,
        name="remove-member",
    ),
    path(
        "meldingen/",
        views.notification_preferences_view,
        name="notification-preferences",
    ),
    path("afmelden/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
]
