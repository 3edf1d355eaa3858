from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("cases/<str:reference>/documents/<slug:kind>/", views.request_document, name="request"),
    path("documents/<int:pk>/download/", views.download, name="download"),
    path("documents/<int:pk>/retry/", views.retry_document, name="retry"),
    path("cases/<str:reference>/evidence/", views.evidence_upload_staff, name="evidence_upload"),
    # The worker's pages live under casework's /track/case/ and /my/<reference>/; these two
    # routes are included before casework's (config/urls.py) so that its <action> routes do not
    # take them.
    path("track/case/evidence/", views.evidence_upload_track, name="evidence_upload_track"),
    path("my/<str:reference>/evidence/", views.evidence_upload_mine, name="evidence_upload_mine"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
]
