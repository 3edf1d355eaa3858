"""Done when: a script using only the API and tokens files a case, moves it through review,
refers it and downloads its packet (scripts/api_demo.py, run against the live server)."""

import hashlib
import importlib.util
from pathlib import Path

import httpx
import pytest

from accounts.choices import Role
from casework.choices import CaseState, ReferralState
from casework.models import Case

from .conftest import token_for

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "api_demo.py"


def _demo_module():
    spec = importlib.util.spec_from_file_location("api_demo", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# serialized_rollback: like every transactional test here, so that the flush at its end leaves
# the database as the next serialized test expects it (no content types recreated).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_demo_script_files_reviews_refers_and_downloads_the_packet(
    live_server, fake_pdf, settings
):
    from tests.factories import build_world

    world = build_world()
    demo = _demo_module()
    caseworker = token_for(world.caseworker, world.wujin, Role.CASEWORKER)
    supervisor = token_for(world.supervisor, world.city, Role.SUPERVISOR)
    lines = []
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        result = demo.run(
            demo.Api(live_server.url, caseworker, client=http),
            demo.Api(live_server.url, supervisor, client=http),
            wait_seconds=10,
            log=lines.append,
        )
    case = Case.objects.get(reference=result["reference"])
    assert case.state == CaseState.REFERRED
    assert case.channel == "api"
    assert case.owning_org == world.wujin
    referral = case.referrals.get()
    assert referral.state == ReferralState.PENDING and referral.sent_at is not None
    assert result["pdf"] == fake_pdf
    assert result["packet"]["sha256"] == hashlib.sha256(fake_pdf).hexdigest()
    assert any("downloaded the referral packet" in line for line in lines)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_demo_script_reports_an_api_refusal(live_server):
    demo = _demo_module()
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        api = demo.Api(live_server.url, "rdt_nothing_here", client=http)
        with pytest.raises(demo.ApiError, match="401"):
            demo.run(api, log=lambda _line: None)
