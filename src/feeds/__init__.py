"""feeds: a static feed publisher.

Plain-text articles in ``seeds/`` become RSS 2.0, Atom 1.0, JSON Feed 1.1, a
versioned static JSON API and HTML pages in ``public/``.

The library: ``feeds.build.build`` runs the pipeline, ``feeds.build._units.render_site``
renders a whole site in memory, and ``feeds.build._reading.read_articles`` reads and
checks a seeds folder without importing any renderer (``feeds validate`` starts
0.1 s sooner for it).
"""

from __future__ import annotations

from importlib.metadata import version

from feeds._distribution import DISTRIBUTION
from feeds.config import load_site
from feeds.errors import ConfigError, FeedsError, SeedError, SeedErrors, WriteError
from feeds.models import Article, Author, Site

__version__ = version(DISTRIBUTION)
__all__ = [
    "Article",
    "Author",
    "ConfigError",
    "FeedsError",
    "SeedError",
    "SeedErrors",
    "Site",
    "WriteError",
    "__version__",
    "load_site",
]
