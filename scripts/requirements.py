"""Print BoneLearn's requirements from pyproject.toml, one a line, for `pip install -r`.

    python scripts/requirements.py            the [project] dependencies: what the app needs to run
    python scripts/requirements.py dev [...]  those plus the named [project.optional-dependencies]

The Makefile installs these into the venv rather than the project itself: BoneLearn runs from the
working tree (manage.py imports `bonelearn` and `quizzes` from the repository root), so there is
nothing to build. pip gets the run dependencies and the extras in one request, so that it resolves
them as one set.
"""

import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def requirements(extras: list[str]) -> list[str]:
    with PYPROJECT.open("rb") as f:
        project = tomllib.load(f)["project"]
    optional = project.get("optional-dependencies", {})
    unknown = [name for name in extras if name not in optional]
    if unknown:
        raise SystemExit(
            f"error: pyproject.toml has no extra {unknown[0]!r} (it has: {', '.join(optional)})"
        )
    found = list(project.get("dependencies", []))
    for name in extras:
        found += optional[name]
    return found


if __name__ == "__main__":
    print("\n".join(requirements(sys.argv[1:])))
