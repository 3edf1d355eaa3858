"""Print pyproject.toml's requirements, one per line, for `pip install -r`.

    python scripts/pyproject-deps.py [EXTRA ...]

The project is not an installable package (`packages = []`), so the Makefile installs only
its dependencies: this avoids a build step and leaves no *.egg-info in the work tree.
"""

import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())[
    "project"
]
requirements = list(project.get("dependencies", []))
for extra in sys.argv[1:]:
    requirements += project.get("optional-dependencies", {})[extra]
print("\n".join(requirements))
