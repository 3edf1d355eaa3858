"""Worker pages (urls_worker, views/worker.py) and staff pages (urls_staff, views/staff.py)."""

from .urls_calculators import urlpatterns as calculator_patterns
from .urls_eligibility import urlpatterns as eligibility_patterns
from .urls_staff import urlpatterns as staff_patterns
from .urls_worker import urlpatterns as worker_patterns

app_name = "casework"
urlpatterns = worker_patterns + staff_patterns
urlpatterns += eligibility_patterns
urlpatterns += calculator_patterns
urlpatterns += __import__("casework.urls_deadlines", fromlist=["urlpatterns"]).urlpatterns
