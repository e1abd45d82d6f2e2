"""`make bump-tools`: upgrade the dev tools and rewrite their exact pins in pyproject.toml."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"

# Pinned with == in the dev extra: a new release of any of them can fail an unchanged tree
# (a new ruff rule, a stricter mypy, a changed pytest default).
TOOLS = ("ruff", "mypy", "pytest", "pytest-asyncio", "pytest-cov", "coverage", "vulture")


def repinned(text: str, versions: dict[str, str]) -> str:
    """pyproject.toml's text with each `"tool==x"` line set to the version given."""
    for name, number in versions.items():
        pattern = re.compile(rf'^(\s*)"{re.escape(name)}==[^"]*",$', re.MULTILINE)
        text, count = pattern.subn(rf'\g<1>"{name}=={number}",', text)
        if count != 1:
            raise SystemExit(f"pyproject.toml has no single pin for {name}")
    return text


def main() -> None:
    """Upgrade the tools in this environment, then pin the versions now installed."""
    subprocess.run([sys.executable, "-m", "pip", "install", "--upgrade", *TOOLS], check=True)
    versions = {name: version(name) for name in TOOLS}
    PYPROJECT.write_text(repinned(PYPROJECT.read_text(encoding="utf-8"), versions), "utf-8")
    for name, number in versions.items():
        print(f"{name}=={number}")


if __name__ == "__main__":
    main()
