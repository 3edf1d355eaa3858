"""Worker pages: /, /file/, /track/, /my/."""

from django.urls import path

from .views import filing, worker

urlpatterns = [
    path("", worker.home, name="home"),
    path("file/", filing.file_step, name="file"),
    path("file/<slug:step>/", filing.file_step, name="file_step"),
    path("track/", worker.track, name="track"),
    path("track/case/", worker.track_case, name="track_case"),
    path("track/case/<slug:action>/", worker.track_action, name="track_action"),
    path("track/leave/", worker.track_leave, name="track_leave"),
    path("my/", worker.my_cases, name="my_cases"),
    path("my/<str:reference>/", worker.my_case, name="my_case"),
    path("my/<str:reference>/<slug:action>/", worker.my_case_action, name="my_case_action"),
]
