"""Staff pages: /cases/ and /cases/<reference>/."""

urlpatterns = []
