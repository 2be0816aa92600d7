"""The examples of the documentation's pages run in `make test` too (CI runs it),
not only in `make docs`: a page whose example breaks fails the suite.

Each page's ``.. testsetup::`` block is run first, then its ``>>>`` examples
with :mod:`doctest`, which reads them out of the reStructuredText as it is.
"""

import doctest
import re
import textwrap
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = sorted(p.name for p in DOCS.glob("*.rst") if ">>>" in p.read_text(encoding="utf-8"))
SETUP = re.compile(r"^\.\. testsetup::[^\n]*\n((?:\n|[ ]{3}[^\n]*\n)+)", re.MULTILINE)

pytestmark = pytest.mark.skipif(not PAGES, reason="docs/ is in the source tree only")


def _setup_globals(text):
    namespace = {}
    for block in SETUP.findall(text):
        exec(textwrap.dedent(block), namespace)  # the page's own set-up code, from the repo
    return namespace


@pytest.mark.parametrize("page", PAGES)
def test_page_examples_run(page):
    path = DOCS / page
    text = path.read_text(encoding="utf-8")
    parser = doctest.DocTestParser()
    test = parser.get_doctest(text, _setup_globals(text), page, str(path), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0 and result.failed == 0, f"{result.failed} example(s) failed"
