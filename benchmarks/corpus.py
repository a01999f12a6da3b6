"""A deterministic synthetic corpus in the seed format, for benchmarks and checks.

``python -m benchmarks.corpus OUT N [--seed S] [--broken K] [--no-tags] [--markdown]``
writes N articles: 5–12 paragraphs (about 2.8 KB mean), some non-ASCII text,
several articles on most days between 2015 and 2026, unique slugs, and optional
metadata (tags, author, updated, a title with markup characters). ``--broken K``
also writes K files with one realistic defect each, to see how a build reports them.

``--no-tags`` leaves every article untagged (the like-for-like Hugo site builds no
taxonomies) and changes nothing else: the same dates, slugs, metadata and sentences.

``--markdown`` writes the same articles as Markdown bodies (``format: markdown``):
the same paragraphs, with some words in emphasis or bold, a link in one
paragraph (to the article before, or to another site), one paragraph made a
bulleted list and one a quote, and in some articles a code block or a table
(about 2.6 KB each, as the sample article). The text corpus stays byte for
byte as it was.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import date, timedelta
from pathlib import Path

from feeds._dates import MONTH_NAMES

FIRST_DAY = date(2015, 1, 1)
DAYS = (date(2026, 10, 31) - FIRST_DAY).days
WORDS = (
    "government minister summit economy trade talks market growth energy climate policy "
    "election voters court ruling report study science research health hospital school "
    "city council budget tax workers union strike festival museum team season match "
    "record storm flood harvest export import currency bank central rate inflation "
    "technology startup network security border treaty alliance region coast island"
).split()
UNICODE_WORDS = [
    "café",
    "naïve",
    "Zürich",
    "São Paulo",
    "Kraków",
    "東京",
    "Ελλάδα",
    "—",
    "“quoted”",
    "€5",
]
TAGS = [
    "politics",
    "economy",
    "science",
    "culture",
    "sport",
    "Asia",
    "Europe",
    "C++",
    "AI & Society",
]
DEFECTS = (
    lambda text: text.replace(text.split("\n")[0], "31 Febuary, 2025", 1),
    lambda text: text.replace(text.split("\n")[1], "Not A Slug", 1),
    lambda text: text.replace("\n\n", "\ncolour: blue\n\n", 1),
    lambda text: text.replace("\n\n", "\x07\n\n", 1),
    lambda text: "",
)


def sentence(rng: random.Random) -> str:
    words = [
        rng.choice(UNICODE_WORDS if rng.random() < 0.03 else WORDS)
        for _ in range(rng.randint(8, 18))
    ]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 4)))


def markdown_paragraphs(
    rng: random.Random, paragraphs: list[str], previous: str | None = None
) -> list[str]:
    """The paragraphs as Markdown: emphasis, a link (to the article ``previous``, or
    elsewhere), a list, a quote, maybe a code block or a table (``rng``: a separate
    stream, so that the text corpus is unchanged)."""
    blocks = []
    for index, text in enumerate(paragraphs):
        words = text.split(" ")
        for _ in range(rng.randint(0, 2)):  # single words: no delimiter runs to mismatch
            at = rng.randrange(len(words))
            if words[at].isalpha():
                mark = rng.choice(["*", "**", "_"])
                words[at] = f"{mark}{words[at]}{mark}"
        if index == 1 and len(words) > 6:
            at = rng.randrange(len(words) - 3)
            link = " ".join(words[at : at + 3])
            url = f"https://example.com/{rng.choice(WORDS)}/{rng.randrange(1000)}"
            if previous and rng.random() < 0.5:
                url = f"../{previous}/"
            words[at : at + 3] = [f"[{link}]({url})"]
        text = " ".join(words)
        if index == 2:  # a bulleted list of its sentences
            text = "\n".join(f"- {item.strip()}" for item in text.split(". ") if item.strip())
        elif index == 3:
            text = "> " + text
        elif index == 4 and (kind := rng.random()) < 0.5:
            cells = [words[at : at + 2] for at in range(0, min(len(words), 8), 2)]
            if kind < 0.25:
                text = "```\n" + "\n".join(" ".join(pair) for pair in cells) + "\n```"
            else:
                rows = [f"| {pair[0]} | {' '.join(pair[1:]) or '-'} |" for pair in cells]
                text = "\n".join(["| name | value |", "| --- | --- |", *rows])
        blocks.append(text)
    return blocks


def article_text(
    rng: random.Random,
    number: int,
    markdown: random.Random | None = None,
    previous: str | None = None,
    *,
    tags: bool = True,
) -> str:
    day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
    date_line = rng.choice(
        [
            f"{day.day} {MONTH_NAMES[day.month - 1]}, {day.year}",
            f"{MONTH_NAMES[day.month - 1]} {day.day}, {day.year}",
            day.isoformat(),
        ]
    )
    slug = "-".join(rng.sample(WORDS, rng.randint(3, 7))) + f"-{number}"
    metadata = []
    if rng.random() < 0.3:
        chosen = rng.sample(TAGS, rng.randint(1, 3))  # drawn either way: the rest stays
        if tags:
            metadata.append("tags: " + ", ".join(chosen))
    if rng.random() < 0.2:
        metadata.append(f"author: {rng.choice(['Kim Ji-woo', 'Zoë Müller', 'O’Brien & Sons'])}")
    if rng.random() < 0.1:
        metadata.append(f"updated: {(day + timedelta(days=rng.randint(0, 30))).isoformat()}")
    if rng.random() < 0.02:
        metadata.append(f"title: Why <div> & ]]> Matter, Part {number}")
    paragraphs = [paragraph(rng) for _ in range(rng.randint(5, 12))]
    if markdown is not None:
        metadata.append("format: markdown")
        paragraphs = markdown_paragraphs(markdown, paragraphs, previous)
    body = "\n\n".join(paragraphs)
    return "\n".join([date_line, slug, *metadata]) + "\n\n" + body + "\n"


def write_corpus(
    folder: Path,
    count: int,
    seed: int = 0,
    broken: int = 0,
    *,
    tags: bool = True,
    markdown: bool = False,
) -> None:
    """Write ``count`` valid articles (and ``broken`` defective ones) into ``folder``;
    untagged if not ``tags``, with Markdown bodies if ``markdown``."""
    rng = random.Random(seed)
    marks = random.Random(f"markdown {seed}") if markdown else None
    folder.mkdir(parents=True, exist_ok=True)
    previous = None
    for number in range(count):
        text = article_text(rng, number, marks, previous, tags=tags)
        (folder / f"{number:06d}.txt").write_text(text, encoding="utf-8")
        previous = text.split("\n", 2)[1]
    for number in range(broken):
        defect = DEFECTS[number % len(DEFECTS)]
        text = defect(article_text(rng, count + number))
        (folder / f"broken-{number:03d}.txt").write_text(text, encoding="utf-8")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("count", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--broken", type=int, default=0)
    parser.add_argument("--no-tags", action="store_true", help="no article has tags")
    parser.add_argument("--markdown", action="store_true", help="Markdown bodies")
    args = parser.parse_args(argv)
    tags, markdown = not args.no_tags, args.markdown
    write_corpus(args.folder, args.count, args.seed, args.broken, tags=tags, markdown=markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
