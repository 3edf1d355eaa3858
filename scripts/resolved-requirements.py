"""Print the project's resolved requirements — pyproject.toml's dependencies (and extras) and
everything they pull in, as installed in this environment — pinned, one `name==version` a line.

    python scripts/resolved-requirements.py [EXTRA ...] > resolved.txt

`make audit` feeds this to `pip-audit --no-deps`: the versions audited are exactly the ones the
project runs with, and nothing else that happens to be installed beside them.
"""

import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())[
    "project"
]
roots = list(project.get("dependencies", []))
for extra in sys.argv[1:]:
    roots += project.get("optional-dependencies", {})[extra]

pinned: dict[str, str] = {}
todo = [(Requirement(r), frozenset()) for r in roots]
seen: set[tuple[str, frozenset]] = set()
while todo:
    requirement, from_extras = todo.pop()
    env = default_environment()
    if requirement.marker is not None and not any(
        requirement.marker.evaluate({**env, "extra": e}) for e in (from_extras or {""})
    ):
        continue
    name = canonicalize_name(requirement.name)
    key = (name, frozenset(requirement.extras))
    if key in seen:
        continue
    seen.add(key)
    try:
        dist = metadata.distribution(requirement.name)
    except metadata.PackageNotFoundError:
        sys.exit(f"{requirement.name} is required but not installed: run `make venv` first")
    pinned[name] = dist.version
    for sub in dist.requires or []:
        todo.append((Requirement(sub), frozenset(requirement.extras)))

print("\n".join(f"{name}=={version}" for name, version in sorted(pinned.items())))
