from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.notice_list, name="list"),
    path("notifications/read/", views.mark_read, name="read_all"),
    path("notifications/<int:notification_id>/read/", views.mark_read, name="read"),
    path("notifications/settings/", views.preferences, name="preferences"),
]
