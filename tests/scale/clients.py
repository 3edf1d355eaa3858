"""The scale-out test's HTTP clients: an anonymous worker filing through the five-step form,
and a signed-in caseworker asking for referral packets (tests/scale)."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

from .cluster import CASEWORKER_PASSWORD, CASEWORKER_TOTP_KEY
from .harness import Cluster

RECEIPT = re.compile(r"\b([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\b")
NONCE = re.compile(r'name="nonce" value="([^"]+)"')


def _past(days: int) -> str:
    return (date.today() - timedelta(days=days)).isoformat()


def _filing_steps(i: int) -> list[tuple[str, dict]]:
    return [
        (
            "/file/",
            {
                "worker_name": f"规模测试工人{i}",
                "sex": "female" if i % 2 else "male",
                "phone": f"138{i:08d}",
                "occupation": "碳纤维车间操作工",
                "skill_grade": "intermediate",
                "union_member": "on",
            },
        ),
        (
            "/file/employer/",
            {
                "employer_name": "常州恒远碳纤维材料有限公司",
                "credit_code": "91320412MA1WY8K5BP",
                "district": "武进区",
                "industrial_chain": "carbon_fibre",
            },
        ),
        (
            "/file/events/",
            {
                "category_codes": ["WAGE.ARREARS"],
                "facts": f"公司自今年7月起拖欠工资三个月。（规模测试 {i}）",
                "knew_date": _past(100),
                "employment_start": _past(900),
            },
        ),
        (
            "/file/claims/",
            {
                "claims-TOTAL_FORMS": "1",
                "claims-INITIAL_FORMS": "0",
                "claims-MIN_NUM_FORMS": "0",
                "claims-MAX_NUM_FORMS": "10",
                "claims-0-item": "拖欠工资",
                "claims-0-amount": str(1000 + i),
                "claims-0-period_start": _past(200),
                "claims-0-period_end": _past(100),
            },
        ),
    ]


def file_anonymously(bases: list[str], i: int) -> str:
    """File grievance i as an anonymous worker on a phone would, each request to the other
    server than the last; the receipt code shown at the end."""
    import requests

    with requests.Session() as s:
        s.headers["Accept-Language"] = "en"

        def url(step: int, path: str) -> str:
            return bases[(i + step) % len(bases)] + path

        assert s.get(url(0, "/file/"), timeout=60).status_code == 200
        csrf = {"X-CSRFToken": s.cookies["csrftoken"]}
        for step, (path, data) in enumerate(_filing_steps(i), start=1):
            r = s.post(
                url(step, path),
                data={**data, "action": "next"},
                headers=csrf,
                allow_redirects=False,
                timeout=60,
            )
            assert r.status_code == 302, (i, path, r.status_code, r.text[:500])
        review = s.get(url(5, "/file/review/"), timeout=60)
        nonce = NONCE.search(review.text).group(1)
        done = s.post(
            url(6, "/file/review/"),
            data={"consent_union_handling": "on", "nonce": nonce, "action": "submit"},
            headers=csrf,
            timeout=60,
        )
        assert done.status_code == 200, (i, done.status_code, done.text[:500])
        return RECEIPT.search(done.text).group(1)


def staff_login(session, base: str, username: str, password: str) -> None:
    """Sign a member of staff in over HTTP, password then the authenticator's code (staff need a
    second factor). The one place the test does so."""
    from django_otp.oath import totp

    assert session.get(base + "/accounts/login/", timeout=60).status_code == 200
    r = session.post(
        base + "/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": "/",
        },
        allow_redirects=False,
        timeout=60,
    )
    assert r.status_code == 302, (r.status_code, r.text[:500])
    assert session.get(base + "/accounts/two-factor/", timeout=60).status_code == 200
    # A code is accepted once: a second sign-in within the same 30 s gives the next step's code
    # (the device tolerates one step of drift).
    for drift in (0, 1):
        r = session.post(
            base + "/accounts/two-factor/",
            data={
                "code": f"{totp(bytes.fromhex(CASEWORKER_TOTP_KEY), drift=drift):06d}",
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
                "next": "/",
            },
            allow_redirects=False,
            timeout=60,
        )
        if r.status_code == 302:
            break
        time.sleep(2)  # django-otp refuses any code for a second after a wrong one
    assert r.status_code == 302, (r.status_code, r.text[:500])


def ask_for_packets(cluster: Cluster, references: list[str]) -> None:
    """A signed-in caseworker asks for one referral packet per case, half through each server."""
    import requests

    with requests.Session() as s:
        staff_login(s, cluster.bases[0], cluster.caseworker, CASEWORKER_PASSWORD)

        def ask(pair):
            i, reference = pair
            base = cluster.bases[i % len(cluster.bases)]
            r = s.post(
                f"{base}/cases/{reference}/documents/referral_packet/",
                headers={"X-CSRFToken": s.cookies["csrftoken"]},
                allow_redirects=False,
                timeout=60,
            )
            assert r.status_code == 303, (reference, r.status_code, r.text[:300])

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(ask, enumerate(references)))
