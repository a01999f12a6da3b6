"""What a body refers to, checked across the seeds: other articles.

A body's links to other articles (``Article.links``: the slugs and lines
``feeds._body`` found) are kept with the article, in the build cache too, so
that these checks run on every build, whatever was parsed again: an article
deleted, renamed or made a draft makes every article that links to it an error
on the next build.

- A link to a slug no article has (as its slug or an alias) is an error, and so is
  one to a draft (drafts are never published) or to an article with problems.
- A link to a scheduled article holds the linking article back until that one
  is published: no published page links to a page that is not there yet. An
  article linking to a held one is held too.

Drafts are checked like the others; a draft may link to another draft.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from feeds.errors import SeedError
from feeds.models import Article, quote


@dataclass(frozen=True)
class Held:
    """A published article held back: it links to ``target``, not yet published."""

    article: Article
    target: Article
    due: datetime  # when it goes live: when every article it waits for is published
    target_held: bool = False  # the target waits too (it is not scheduled itself)

    def reason(self) -> str:
        """Why it waits, for ``feeds validate``."""
        why = "held back too" if self.target_held else "scheduled"
        return f"it links to {self.target.slug!r} ({self.target.source}), {why}"


@dataclass(frozen=True)
class Checked:
    """The articles after the checks: what to publish, schedule, hold, and the problems."""

    published: list[Article]
    scheduled: list[Article]
    drafts: list[Article]
    held: list[Held]
    problems: list[SeedError]


def check_references(
    published: Sequence[Article],
    scheduled: Sequence[Article],
    drafts: Sequence[Article],
) -> Checked:
    """Check every article's links to other articles, and hold back the articles that
    link to unpublished ones (its local images are checked as they are read, by
    ``feeds._images``, whether the article is parsed again or cached).

    An article with a problem is left out, and so is every article that links to
    it (a problem too), until nothing changes.
    """
    problems: list[SeedError] = []
    bad: set[str] = set()
    draft_sources = {article.source for article in drafts}
    everything = [*published, *scheduled, *drafts]
    owners = _owners(everything)
    linking = [article for article in everything if article.links]
    reported: set[str] = set()  # articles whose links have problems (listed once)
    while True:
        found = []
        for article in linking:
            if article.source in reported:
                continue
            for slug, line in article.links:
                message = _link_problem(slug, owners.get(slug), article, draft_sources, bad)
                if message:
                    found.append(SeedError(article.source, line, message))
                    reported.add(article.source)
        if not found:
            break
        problems.extend(found)
        bad.update(problem.path for problem in found)
    published = [article for article in published if article.source not in bad]
    waiting = _held(published, [a for a in scheduled if a.source not in bad], owners)
    return Checked(
        [article for article in published if article.source not in waiting],
        [article for article in scheduled if article.source not in bad],
        [article for article in drafts if article.source not in bad],
        sorted(waiting.values(), key=lambda held: (held.due, held.article.source)),
        problems,
    )


def _owners(articles: Iterable[Article]) -> dict[str, Article]:
    """Each slug and alias, and the article it leads to."""
    owners: dict[str, Article] = {}
    for article in articles:
        owners.setdefault(article.slug, article)
        for alias in article.aliases:
            owners.setdefault(alias, article)
    return owners


def _link_problem(
    slug: str, target: Article | None, article: Article, drafts: set[str], bad: set[str]
) -> str | None:
    if target is None:
        return (
            f"link to the article {quote(slug)}, which does not exist (no seed has that slug "
            "or alias); fix the link, or write the article"
        )
    if target.source in bad:
        return (
            f"link to the article {quote(slug)} ({target.source}), which has problems and is "
            "not published; fix it first"
        )
    if target.source in drafts and article.source not in drafts:
        return (
            f"link to the article {quote(slug)}, a draft ({target.source}), which is never "
            "published; publish it first (rename it without the '_'), or remove the link"
        )
    return None


def _held(
    published: Sequence[Article], scheduled: Sequence[Article], owners: dict[str, Article]
) -> dict[str, Held]:
    """The published articles that link, directly or through others, to a scheduled one."""
    due = {article.source: article.published for article in scheduled}
    held: dict[str, Held] = {}
    scheduled_sources = set(due)
    changed = True
    while changed:
        changed = False
        for article in published:
            for slug, _ in article.links:
                target = owners.get(slug)
                if target and target.source in due and target.source != article.source:
                    when = due[target.source]
                    if article.source not in held or when > held[article.source].due:
                        target_held = target.source not in scheduled_sources
                        held[article.source] = Held(article, target, when, target_held)
                        due[article.source] = when
                        changed = True
    return held
