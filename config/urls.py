from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    # documents first: its evidence routes under /track/case/ and /my/<reference>/ would
    # otherwise be taken by casework's <action> routes.
    path("", include("documents.urls")),
    path("", include("casework.urls")),
    path("", include("reports.urls")),
]

# An oversized body is refused while the CSRF check reads it, before any view: this handler
# answers it with a page that says the text is too long (413); other bad requests get Django's.
handler400 = "casework.views.worker.bad_request"
