"""Reading config/routes.toml (the declared routes) and the URL resolver, for the route tests.

The file's format is described at its top. Here: the roles, the resolver's routes with their
keys, and which declaration covers which route."""

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

ROUTES_FILE = Path(settings.BASE_DIR) / "config" / "routes.toml"

ROLES = (
    "anonymous",
    "worker",
    "caseworker",
    "supervisor",
    "coordinator",
    "lawyer",
    "analyst",
    "admin",
)
ALIASES = {"everyone": ROLES, "signed-in": ROLES[1:]}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Every route is tried with these methods whether declared or not: a method a route does not
# declare is one nobody may use.
ALWAYS_TRIED = ("GET", "POST")
# What a URL parameter of an object route names (security.md A2: these get 404 when denied).
# The API's document and evidence routes are kinds of their own: test_case_urls.py walks the
# pages' document and evidence routes, the API has its own matrix (tests/api).
OBJECTS = (
    "case",
    "document",
    "evidence",
    "receipt",
    "api_document",
    "api_evidence",
    "consent",
    "erasure_request",
    "token",
)
# Object kinds whose <pk> the URL takes (with the case's <reference> for a consent).
PK_OBJECTS = frozenset(OBJECTS) - {"case", "receipt"}


@dataclass(frozen=True)
class Declaration:
    key: str
    allowed: dict[str, frozenset[str]]  # method -> roles that may use it
    object: str | None = None
    args: dict[str, str] = field(default_factory=dict)
    probe: tuple[str, ...] = ()  # prefixes only: paths to try
    is_prefix: bool = False

    def methods(self) -> list[str]:
        return sorted(set(ALWAYS_TRIED) | set(self.allowed))

    def denied(self, method: str) -> list[str]:
        allowed = self.allowed.get(method, frozenset())
        return [role for role in ROLES if role not in allowed]


def routes(patterns=None, prefix: str = "", namespace: str | None = None):
    """(pattern, key) for every route: the key is the route's name ("namespace:name"), or its
    pattern when it has no name."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else p.namespace
            yield from routes(p.url_patterns, prefix + str(p.pattern), ns or namespace)
        elif isinstance(p, URLPattern):
            pattern = prefix + str(p.pattern)
            if p.name:
                yield pattern, f"{namespace}:{p.name}" if namespace else p.name
            else:
                yield pattern, pattern


def _roles(value, where: str) -> frozenset[str]:
    values = [value] if isinstance(value, str) else list(value)
    out: set[str] = set()
    for v in values:
        if v in ALIASES:
            out |= set(ALIASES[v])
        elif v in ROLES:
            out.add(v)
        else:
            raise ValueError(f"{where}: unknown role {v!r} (roles: {', '.join(ROLES)})")
    return frozenset(out)


def _declaration(key: str, table: dict, *, is_prefix: bool) -> Declaration:
    allowed: dict[str, frozenset[str]] = {}
    known = {"object", "args", "probe", "note"}
    for name, value in table.items():
        if name in METHODS:
            allowed[name] = _roles(value, f"{key} {name}")
        elif name not in known:
            raise ValueError(f"{key}: unknown key {name!r} (methods: {', '.join(METHODS)})")
    if table.get("object") is not None and table["object"] not in OBJECTS:
        raise ValueError(f"{key}: object must be one of {OBJECTS}")
    if is_prefix and not table.get("probe"):
        raise ValueError(f"{key}: a prefix needs paths to probe")
    return Declaration(
        key=key,
        allowed=allowed,
        object=table.get("object"),
        args={k: str(v) for k, v in table.get("args", {}).items()},
        probe=tuple(table.get("probe", ())),
        is_prefix=is_prefix,
    )


def load() -> tuple[dict[str, Declaration], dict[str, Declaration]]:
    """(routes by key, prefixes by path prefix)."""
    # "{admin}" stands for the admin's configurable path (settings.ADMIN_PATH).
    data = tomllib.loads(ROUTES_FILE.read_text().replace("{admin}", settings.ADMIN_PATH))
    unknown = set(data) - {"route", "prefix"}
    if unknown:
        raise ValueError(f"routes.toml: unknown tables {sorted(unknown)}")
    declared = {k: _declaration(k, t, is_prefix=False) for k, t in data.get("route", {}).items()}
    prefixes = {k: _declaration(k, t, is_prefix=True) for k, t in data.get("prefix", {}).items()}
    return declared, prefixes


def covering(pattern: str, key: str, declared, prefixes) -> Declaration | None:
    if key in declared:
        return declared[key]
    for prefix, decl in prefixes.items():
        if pattern.startswith(prefix):
            return decl
    return None


PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def parameters(pattern: str) -> list[str]:
    return [m.group("name") for m in PARAM.finditer(pattern)]
