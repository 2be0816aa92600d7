"""Sphinx configuration: API reference (autodoc + numpydoc), the Markdown
pages of docs/ through myst-parser (math rendered), doctest-run examples.
`make docs` builds with warnings as errors."""

import softmax_ext

project = "softmax-ext"
author = "softmax-ext developers"
copyright = "2026, softmax-ext developers"
version = release = softmax_ext.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
# The class pages list members through autodoc's own :members:, so numpydoc
# does not also make a members table (which would need autosummary stubs).
numpydoc_show_class_members = False
autodoc_default_options = {"members": False}
html_theme = "alabaster"

import re  # noqa: E402

# A fitted attribute named in a parameter's type ("ndarray of shape
# (n_features_in_,)") is plain text in a docstring, but reST reads "name_" as
# a link target; escape the underscore on numpydoc's "name : type" lines.
_TRAILING_UNDERSCORE = re.compile(r"(\w)_(?=[,)])")


def _escape_attribute_names(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        if " : " in line:
            head, _, kind = line.partition(" : ")
            lines[i] = head + " : " + _TRAILING_UNDERSCORE.sub(r"\1\\_", kind)


def setup(app):
    app.connect("autodoc-process-docstring", _escape_attribute_names, priority=400)
