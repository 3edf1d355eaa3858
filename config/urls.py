from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", include("ops.urls")),  # /healthz: no sign-in, for load balancers
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    # One way in for everyone: the throttled login and its second step (accounts/views_auth.py),
    # not the admin's own login form.
    # The admin is not at /admin/ (settings.ADMIN_PATH: configured, or derived from the secret
    # key): /admin/ is a 404 like any other unknown path.
    path(
        f"{settings.ADMIN_PATH}login/",
        RedirectView.as_view(pattern_name="accounts:login", query_string=True),
        name="admin_login_redirect",
    ),
    path(settings.ADMIN_PATH, admin.site.urls),
    path("api/", include("api.urls")),
    # documents first: its evidence routes under /track/case/ and /my/<reference>/ would
    # otherwise be taken by casework's <action> routes.
    path("", include("documents.urls")),
    path("", include("privacy.urls")),
    path("", include("casework.urls")),
    path("", include("notifications.urls")),
    path("", include("reports.urls")),
]

# An oversized body is refused while the CSRF check reads it, before any view: this handler
# answers it with a page that says the text is too long (413); other bad requests get Django's.
handler400 = "casework.views.worker.bad_request"
# A 404 under /api/ that no view answered is a problem-details answer like the API's others.
handler404 = "api.views.pages.page_not_found"
