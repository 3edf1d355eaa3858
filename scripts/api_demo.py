#!/usr/bin/env python3
"""A whole referral through the REST API only, with API tokens (issue 6, "done when"):

  file a grievance → accept it for review → record the worker's consent to share with a
  legal-aid provider → refer it (approved by a supervisor where the union requires it) →
  wait for the referral packet → download it and check its SHA-256.

Usage:
  .venv/bin/python scripts/api_demo.py --base-url http://127.0.0.1:8000 \\
      --token rdt_… [--approver-token rdt_…] [--out packet.pdf]

Tokens come from /api/tokens/: a caseworker's of the union that files, and (if the union wants
referrals approved) a supervisor's. Every POST carries an Idempotency-Key, so the script can be
re-run after a network failure without filing twice.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
import uuid

import httpx


class ApiError(RuntimeError):
    pass


class Api:
    def __init__(self, base_url: str, token: str, *, client: httpx.Client | None = None):
        self.http = client or httpx.Client(base_url=base_url, timeout=60)
        self.base = base_url.rstrip("/") + "/api/v1"
        self.headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}

    def get(self, path: str, **kw) -> httpx.Response:
        response = self.http.get(self.base + path, headers=self.headers, **kw)
        return self._check(response)

    def post(self, path: str, body: dict | None = None) -> httpx.Response:
        headers = {**self.headers, "Idempotency-Key": str(uuid.uuid4())}
        response = self.http.post(self.base + path, json=body or {}, headers=headers)
        return self._check(response)

    @staticmethod
    def _check(response: httpx.Response) -> httpx.Response:
        if response.status_code >= 400:
            raise ApiError(
                f"{response.request.method} {response.request.url}: "
                f"{response.status_code} {response.text[:500]}"
            )
        return response


INTAKE = {
    "worker_name": "API 演示职工",
    "phone": "13900001111",
    "employer_name": "常州示例新能源科技有限公司",
    "district": "武进区",
    "industrial_chain": "new_energy",
    "category_codes": ["WAGE.ARREARS"],
    "facts": "公司自2026年6月起拖欠工资，经多次催要未果。",
    "knew_date": "2026-08-20",
    "employment_start": "2025-03-01",
    "claims": [{"item": "拖欠工资", "amount": "12600.00"}],
    "consent_union_handling": True,
    "channel": "api",
}


def run(
    api: Api,
    approver: Api | None = None,
    *,
    out: str | None = None,
    wait_seconds: float = 120,
    log=print,
) -> dict:
    created = api.post("/cases/", INTAKE).json()
    ref = created["reference"]
    log(f"filed {ref} with {created['owning_org']['name']} ({created['state']})")

    state = api.post(
        f"/cases/{ref}/transitions/accept_for_review/", {"expected_state": "submitted"}
    ).json()["state"]
    log(f"accepted for review: {state}")

    providers = api.get(f"/cases/{ref}/providers/").json()
    if not providers:
        raise ApiError("no legal-aid provider takes this case")
    provider = providers[0]
    api.post(f"/cases/{ref}/consents/", {"scope": "legal_aid_provider", "provider": provider["id"]})
    log(f"consent to share with {provider['name']} recorded")

    refer = api.post(
        f"/cases/{ref}/transitions/refer_to_legal_aid/",
        {"provider": provider["id"], "expected_state": "under_review"},
    )
    if refer.status_code == 202:
        if approver is None:
            raise ApiError("the union requires a supervisor's approval: pass --approver-token")
        approver.post(
            f"/cases/{ref}/transitions/approve_referral/", {"expected_state": "under_review"}
        )
        log("referral approved by a supervisor")
    state = api.get(f"/cases/{ref}/").json()["state"]
    log(f"referred: {state}")

    deadline = time.monotonic() + wait_seconds
    while True:
        docs = api.get(f"/cases/{ref}/documents/").json()["results"]
        packets = [d for d in docs if d["kind"] == "referral_packet"]
        if packets and packets[0]["status"] == "ready":
            packet = packets[0]
            break
        if packets and packets[0]["status"] == "failed":
            raise ApiError(f"the packet could not be generated: {packets[0]['failure_reason']}")
        if time.monotonic() > deadline:
            raise ApiError("the referral packet is not ready yet")
        time.sleep(1)
    pdf = api.get(f"/documents/{packet['id']}/download/").content
    digest = hashlib.sha256(pdf).hexdigest()
    if digest != packet["sha256"]:
        raise ApiError("the downloaded packet does not match its recorded hash")
    if out:
        with open(out, "wb") as fh:
            fh.write(pdf)
    log(f"downloaded the referral packet v{packet['version']}: {len(pdf)} bytes, sha256 {digest}")
    return {"reference": ref, "state": state, "packet": packet, "pdf": pdf}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", required=True, help="a caseworker's API token")
    parser.add_argument("--approver-token", help="a supervisor's API token (approval)")
    parser.add_argument("--out", help="where to save the packet PDF")
    args = parser.parse_args(argv)
    api = Api(args.base_url, args.token)
    approver = Api(args.base_url, args.approver_token) if args.approver_token else None
    try:
        run(api, approver, out=args.out)
    except ApiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
