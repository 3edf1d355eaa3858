from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("privacy/", views.my_data, name="my_data"),
    path("privacy/export/", views.my_data_export, name="my_data_export"),
    path("privacy/erase/<str:reference>/", views.erasure_request, name="erasure_request"),
    path("privacy/requests/", views.erasure_queue_page, name="erasure_queue"),
    path("privacy/requests/<int:pk>/", views.erasure_decide, name="erasure_decide"),
]
