from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("cases/<str:reference>/documents/<slug:kind>/", views.request_document, name="request"),
    path("documents/<int:pk>/download/", views.download, name="download"),
]
