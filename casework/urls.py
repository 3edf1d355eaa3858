"""The casework app's pages: worker pages (urls_worker), staff pages (urls_staff) and the case
tools (eligibility, calculators, deadlines), each in its own module."""

from .urls_calculators import urlpatterns as calculator_patterns
from .urls_consent import urlpatterns as consent_patterns
from .urls_deadlines import urlpatterns as deadline_patterns
from .urls_eligibility import urlpatterns as eligibility_patterns
from .urls_provider import urlpatterns as provider_patterns
from .urls_staff import urlpatterns as staff_patterns
from .urls_worker import urlpatterns as worker_patterns

app_name = "casework"
urlpatterns = (
    worker_patterns
    + staff_patterns
    + eligibility_patterns
    + calculator_patterns
    + deadline_patterns
    + provider_patterns
    + consent_patterns
)
