"""The README is the package's long description: its links must work on an index page.

A relative link (``docs/x.md``, ``docs/img/y.png``) resolves against the
index page's address there and breaks; so every Markdown link and image of
the README, and every project URL, is absolute.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)[^)]*\)")  # [text](target) and ![alt](target)

pytestmark = pytest.mark.skipif(not README.is_file(), reason="run from a source tree: the "
                                "installed package has no README.md beside its tests")


def test_every_readme_link_is_absolute():
    targets = LINK.findall(README.read_text(encoding="utf-8"))
    assert targets, "the pattern found no link at all: it must be broken"
    relative = [t for t in targets if not t.startswith(("https://", "http://", "#"))]
    assert relative == []


def test_project_urls_are_declared_and_absolute():
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library "
                                  "from Python 3.11 on")
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    urls = meta.get("urls", {})
    assert {"Homepage", "Documentation", "Changelog"} <= set(urls)
    assert all(u.startswith("https://") for u in urls.values())
