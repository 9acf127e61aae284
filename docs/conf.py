"""Sphinx configuration of the isingbridge documentation.

Build: ``python -m sphinx -W --keep-going -b html docs docs/_build/html``
(``pip install -e ".[docs]"`` first).  The gallery scripts in
``docs/examples`` run during the build, at sizes that take minutes on two cores.
"""
from __future__ import annotations

import os
import warnings

import isingbridge

project = "isingbridge"
author = "The isingbridge developers"
copyright = "2026, The isingbridge developers"
release = isingbridge.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "sphinx_copybutton",
]

templates_path = ["_templates"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "examples/README.md"]

# MyST: $...$ math, labelled headings for cross-page links, definition lists.
myst_enable_extensions = ["dollarmath", "deflist", "colon_fence"]
myst_heading_anchors = 3

# API reference: one page per public object, generated from the docstrings.
autosummary_generate = True
autosummary_imported_members = False
# scikit-learn generates the set_*_request methods on every estimator; their docstrings point into
# scikit-learn's own glossary, which these pages do not carry.
SKLEARN_GENERATED = ("set_fit_request", "set_partial_fit_request", "set_predict_request", "set_score_request",
                     "set_transform_request", "set_output", "get_metadata_routing")
autodoc_default_options = {"members": True, "show-inheritance": True, "exclude-members": ",".join(SKLEARN_GENERATED)}
autodoc_typehints = "none"  # numpydoc writes the types from the docstrings
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# The gallery: small runs of the experiments, executed on every build.
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "gallery",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "abort_on_example_error": True,
}

html_theme = "furo"
html_title = f"isingbridge {release}"
html_theme_options = {"navigation_with_keys": True}
html_show_sourcelink = False

nitpicky = False
os.environ.setdefault("MPLBACKEND", "Agg")
# The gallery prints progress bars and convergence notes into its outputs; warnings from
# third-party deprecations must not fail a -W build of our own pages.
warnings.filterwarnings("ignore", category=DeprecationWarning)
