from django.urls import path

from . import views_auth

app_name = "accounts"
urlpatterns = [
    path("login/", views_auth.ThrottledLoginView.as_view(), name="login"),
    path("logout/", views_auth.AuditedLogoutView.as_view(), name="logout"),
    path("two-factor/", views_auth.two_factor_verify, name="two_factor_verify"),
    path("two-factor/setup/", views_auth.two_factor_setup, name="two_factor_setup"),
    path(
        "two-factor/recovery-codes/",
        views_auth.two_factor_recovery_codes,
        name="two_factor_recovery_codes",
    ),
]
