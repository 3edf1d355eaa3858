"""gunicorn's logger without client addresses (config/gunicorn.conf.py: logger_class).

A worker who files anonymously must leave no address behind (DESIGN §3), and a proxy passes
the address on in headers. The access log line is built without them (access_log_format), and
this logger also blanks every atom that carries one, in case a format is set on the command
line, and drops the address gunicorn puts in its "Invalid request from ip=..." warning.
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

# Atoms naming the client: its address, its browser, and the headers a proxy sets for them.
ADDRESS_ATOMS = {"h", "a"}
ADDRESS_HEADERS = {
    "x-forwarded-for",
    "x-real-ip",
    "forwarded",
    "true-client-ip",
    "cf-connecting-ip",
    "x-client-ip",
    "user-agent",
}
_IP_IN_MESSAGE = re.compile(r"\bip=\S+")


class PrivateLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in list(atoms):
            if key in ADDRESS_ATOMS:
                atoms[key] = "-"
            elif key.startswith("{") and key[1:].split("}", 1)[0].lower() in ADDRESS_HEADERS:
                atoms[key] = "-"
            elif key.lower() in ("{remote_addr}e", "{http_x_forwarded_for}e"):
                atoms[key] = "-"
        return atoms

    def warning(self, msg, *args, **kwargs):
        if isinstance(msg, str):
            msg = _IP_IN_MESSAGE.sub("ip=-", msg)
        super().warning(msg, *args, **kwargs)
