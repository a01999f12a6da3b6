"""CPU time of Markdown libraries on the corpus's Markdown bodies: how feeds chose one.

``python -m benchmarks.markdown_libs [N] [--runs R]`` makes N Markdown bodies
(``benchmarks.corpus --markdown``, seed 0; default 10,000), then for each
library installed renders them all to HTML in this process, R times (default 3),
and prints the least CPU time (user + system) of a run: the figure least
disturbed by other work on a shared machine. Libraries not installed are
skipped (``pip install 'markdown-it-py[linkify]'`` for the pure-Python one;
feeds itself needs only cmarkgfm). Also timed: feeds' own use of cmark
(``feeds._body``: checked, rendered for pages and for feeds), and feeds' text
bodies (the same articles as plain paragraphs) for comparison.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Sequence

from benchmarks.corpus import article_text

Renderer = Callable[[str], object]


def bodies(count: int, *, markdown: bool = True) -> list[str]:
    """The bodies of the corpus's first ``count`` articles."""
    rng = random.Random(0)
    marks = random.Random("markdown 0") if markdown else None
    return [article_text(rng, number, marks).split("\n\n", 1)[1] for number in range(count)]


def _markdown_it(*, linkify: bool) -> Renderer | None:
    try:
        from markdown_it import MarkdownIt
    except ImportError:
        return None
    parser = MarkdownIt("commonmark", {"linkify": linkify}).enable(["table", "strikethrough"])
    if linkify:
        try:
            parser.enable("linkify")
            parser.render("warm up https://example.com")
        except (ImportError, ModuleNotFoundError):
            return None
    return parser.render


def _cmarkgfm() -> Renderer | None:
    try:
        from cmarkgfm import cmark
    except ImportError:
        return None

    def render(text: str) -> str:
        return cmark.markdown_to_html_with_extensions(
            text, extensions=["autolink", "table", "strikethrough"]
        )

    return render


def _feeds_markdown() -> Renderer:
    from feeds._body import check_markdown, render_markdown

    base = "https://bench.example.com/articles/x/"

    def render(text: str) -> object:
        check_markdown(text, base, "https://bench.example.com/", 1)
        return render_markdown(text, base)

    return render


def _feeds_text() -> Renderer:
    from feeds._body import text_html

    def render(text: str) -> str:
        return text_html(text.split("\n\n"))

    return render


def cpu_seconds(render: Renderer, texts: Sequence[str], runs: int) -> float:
    """The least CPU time of ``runs`` runs rendering every text."""
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        for text in texts:
            render(text)
        best = min(best, time.process_time() - started)
    return best


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, nargs="?", default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    texts = bodies(args.count)
    plain = bodies(args.count, markdown=False)
    candidates: list[tuple[str, Renderer | None, Sequence[str]]] = [
        ("markdown-it-py (CommonMark, tables, strikethrough)", _markdown_it(linkify=False), texts),
        ("markdown-it-py, with linkify", _markdown_it(linkify=True), texts),
        ("cmarkgfm (cmark-gfm: autolink, table, strikethrough)", _cmarkgfm(), texts),
        ("feeds Markdown: checked, rendered for pages and feeds", _feeds_markdown(), texts),
        ("feeds text bodies (same articles, autolinked paragraphs)", _feeds_text(), plain),
    ]
    size = sum(len(text.encode()) for text in texts) / len(texts)
    print(f"{args.count:,} bodies, {size:,.0f} bytes each on average; least CPU of {args.runs}")
    for name, render, inputs in candidates:
        if render is None:
            print(f"{name}: not installed, skipped")
            continue
        print(f"{name}: {cpu_seconds(render, inputs, args.runs):.2f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
