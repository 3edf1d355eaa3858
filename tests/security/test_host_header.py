"""security.md F6: a request for a host the deployment does not serve is refused (400) before
any view runs, so no link or redirect is built from an attacker's Host header."""

import pytest


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/file/", "/track/"])
def test_a_foreign_host_header_is_refused(client, path):
    response = client.get(path, HTTP_HOST="evil.example.org")
    assert response.status_code == 400
    assert b"evil.example.org" not in response.content
