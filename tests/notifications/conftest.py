import socket

import pytest


class _Collector:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def smtp_mailers(port: int) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback, on a free port; yields (port, collector)."""
    from aiosmtpd.controller import Controller

    collector = _Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, collector
    finally:
        controller.stop()


@pytest.fixture
def staff_emails(world):
    """Every person of the test world has an address; the worker reads English."""
    for user in (
        world.worker,
        world.caseworker,
        world.caseworker2,
        world.supervisor,
        world.district_supervisor,
        world.lawyer,
        world.coordinator,
    ):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    world.worker.preferred_language = "en"
    world.worker.save(update_fields=["preferred_language"])
    return world
