from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("reports/", views.dashboard, name="dashboard"),
    path("reports/export.csv", views.export_csv, name="export_csv"),
    path("reports/export.xlsx", views.export_xlsx, name="export_xlsx"),
]
