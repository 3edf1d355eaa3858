"""Hypothesis settings profiles of the suite (registered and chosen by tests/conftest.py).

- Hypothesis's own "default" profile: a test runs the examples it asks for (100 if it does not
  say). The security properties (tests/security/test_properties.py, security.md H4: "≥ 1 000
  examples per PR") and Schemathesis (tests/api/test_schemathesis.py, H3) ask through
  `examples()`.
- "nightly" (`HYPOTHESIS_PROFILE=nightly`): every count asked through `examples()` is
  NIGHTLY_FACTOR times larger, and a test that asks for none runs 1 000 examples instead of 100.
  For the scheduled long run, e.g.
  `HYPOTHESIS_PROFILE=nightly make test PYTEST_ARGS='tests/security/test_properties.py'`.
"""

from __future__ import annotations

import os

from hypothesis import settings

NIGHTLY = "nightly"
NIGHTLY_FACTOR = 10

settings.register_profile(NIGHTLY, max_examples=1000, deadline=None)


def load_from_environment() -> None:
    """Load the profile HYPOTHESIS_PROFILE names, if any (pytest's --hypothesis-profile works
    too)."""
    name = os.environ.get("HYPOTHESIS_PROFILE")
    if name:
        settings.load_profile(name)


def examples(per_pr: int) -> int:
    """`per_pr` examples in an ordinary run, NIGHTLY_FACTOR times as many in the nightly one."""
    nightly = settings.get_current_profile_name() == NIGHTLY
    return per_pr * NIGHTLY_FACTOR if nightly else per_pr
