"""feeds: a static feed publisher.

Plain-text articles in ``seeds/`` become RSS 2.0, Atom 1.0, JSON Feed 1.1, a
versioned static JSON API and HTML pages in ``public/``.
"""

from __future__ import annotations

from importlib.metadata import version

from feeds.build import BuildReport, build, read_articles, render_site
from feeds.errors import ConfigError, FeedsError, SeedError, SeedErrors, WriteError
from feeds.models import Article, Author, Site, load_site

__version__ = version("feeds")
__all__ = [
    "Article",
    "Author",
    "BuildReport",
    "ConfigError",
    "FeedsError",
    "SeedError",
    "SeedErrors",
    "Site",
    "WriteError",
    "__version__",
    "build",
    "load_site",
    "read_articles",
    "render_site",
]
