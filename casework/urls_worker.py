"""Worker pages: /, /file/, /track/, /my/."""

urlpatterns = []
