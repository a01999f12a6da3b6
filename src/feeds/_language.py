"""Language tags (BCP 47): checked, written in their conventional case, and the
direction their text runs.

``check_language`` accepts a tag that is well-formed (RFC 5646's grammar, the
regular expression below) and valid: each subtag in the IANA Language Subtag
Registry, no variant or extension twice, extensions only ``t`` and ``u`` (the
registered ones). The registry lookup is langcodes', which ships the registry
and CLDR's likely scripts. Importing it takes about 0.1 s, so it is imported
only to check a tag (a seed's ``language:``, a configuration read afresh) or to
find the script of a language that may be written right to left: the
configuration remembered between builds is not checked again, and a
left-to-right language needs no lookup (``text_direction``).

The case is the registry's convention (RFC 5646 §2.1.1): language, variants and
extensions in lower case, script in title case, region in upper case
(``en-gb`` is ``en-GB``). Nothing else is changed: a deprecated tag (``iw``)
stays as written.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from langcodes import Language

Direction = Literal["ltr", "rtl"]

# RFC 5646 §2.1: langtag or privateuse. The irregular grandfathered tags
# (``i-klingon``, ``en-GB-oed``...) are all deprecated: refused, with their
# replacement suggested.
_TAG = re.compile(
    r"""
    (?:
      (?P<language>[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})
      (?:-(?P<script>[a-z]{4}))?
      (?:-(?P<region>[a-z]{2}|[0-9]{3}))?
      (?P<variants>(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*)
      (?P<extensions>(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*)
      (?:-(?P<private>x(?:-[a-z0-9]{1,8})+))?
    |
      (?P<private_only>x(?:-[a-z0-9]{1,8})+)
    )
    """,
    re.ASCII | re.IGNORECASE | re.VERBOSE,
)
_EXTENSION = re.compile(r"-([0-9a-wyz])((?:-[a-z0-9]{2,8})+)", re.ASCII | re.IGNORECASE)
_REGISTERED_EXTENSIONS = frozenset("tu")  # RFC 6497 (transformed content), RFC 6067 (Unicode)
_EXAMPLE = "write one like 'en', 'en-GB', 'ar' or 'zh-Hant'"

# Scripts written right to left: those whose letters Unicode gives the bidi class
# R or AL, and the variants of such scripts that Unicode does not encode apart
# (Aran: Nastaliq; Syre, Syrj, Syrn: Syriac; Phlv: Book Pahlavi).
# tests/test_language.py derives the list from Unicode's data.
RTL_SCRIPTS = frozenset(
    """Adlm Arab Aran Armi Avst Chrs Cprt Elym Hatr Hebr Hung Khar Lydi Mand Mani Mend
    Merc Mero Narb Nbat Nkoo Orkh Ougr Palm Phli Phlp Phlv Phnx Prti Rohg Samr Sarb
    Sogd Sogo Syrc Syre Syrj Syrn Thaa Yezi""".split()
)
# Languages whose likely script (CLDR), in some region at least, is one of those:
# only for these does a tag without a script subtag need langcodes to tell its
# direction; any other language is written left to right. tests/test_language.py
# derives the list from langcodes' data (it changes only with a langcodes release).
MAY_BE_RTL = frozenset(
    """ae aeb apc apd ar arc arq ars ary arz avl az bal bej bft bgn bqi brh cja ckb dcc dgl
    drw dv fa fia fub gbz gjk gju glk grc gwc gwt ha haz he hnd hno iw ji kby khw kk ks
    ku kvx kxp ky kzh lad lah lki lrc luz man mde mfa mki ms mvy myz mzn nqo oru ota otk
    oui pa pal phl phn pra prd prs ps rhg rmt scl sd sdh shu skr smp sog swb syr tg tnf
    trw ug und ur uz wni xco xld xmn xmr xna xpr xsa yi zdj""".split()
)


def check_language(tag: str) -> str:
    """``tag`` in its conventional case if it is a valid BCP 47 language tag; else a
    ValueError that says what is wrong and how to write it."""
    return _checked(tag)


@lru_cache(maxsize=1024)
def _checked(tag: str) -> str:
    match = _TAG.fullmatch(tag)
    if match is None:
        raise ValueError(f"{_shown(tag)} is not a BCP 47 language tag; {_fix(tag)}")
    written = _in_case(match)
    if problem := _invalid(written):
        raise ValueError(
            f"{_shown(tag)} is not a valid BCP 47 language tag ({problem}); {_fix(tag)}"
        )
    return written


def _shown(tag: str) -> str:
    from feeds.models import quote  # models imports this module

    return quote(tag)


def _in_case(match: re.Match[str]) -> str:
    """The tag in the registry's case: ``script`` title, ``region`` upper, the rest lower."""
    if match["private_only"]:
        return match["private_only"].lower()
    parts = [match["language"].lower()]
    if match["script"]:
        parts.append(match["script"].title())
    if match["region"]:
        parts.append(match["region"].upper())
    tail = (match["variants"] + match["extensions"]).lower()
    private = f"-{match['private'].lower()}" if match["private"] else ""
    return "-".join(parts) + tail + private


def _invalid(tag: str) -> str:
    """What makes a well-formed tag invalid ('' if nothing)."""
    if tag.startswith("x-"):
        return ""
    public = tag.split("-x-")[0]
    singletons = [match[1] for match in _EXTENSION.finditer(public)]
    if unknown := sorted(set(singletons) - _REGISTERED_EXTENSIONS):
        return f"extension '{unknown[0]}' is not registered: only 't' and 'u' are"
    if len(set(singletons)) < len(singletons):
        return "an extension given twice"
    from langcodes import Language  # about 0.1 s: only when a tag is checked

    try:
        language = Language.get(public, normalize=False)
    except ValueError:  # LanguageTagError: a language subtag of five to eight letters
        return f"no language '{public.split('-')[0]}' in the IANA registry"
    for extlang in language.extlangs or []:  # langcodes does not check them
        prefix = _extlangs().get(extlang)
        if prefix is None:
            return f"no extended language '{extlang}' in the IANA registry"
        if prefix != language.language:
            return f"extended language '{extlang}' goes after '{prefix}' only"
    if language.is_valid():
        return ""
    return _unknown_subtag(language) or "subtags that do not go together"


@cache
def _extlangs() -> dict[str, str]:
    """Each extended language subtag of the registry and its prefix (``yue``: ``zh``),
    read from langcodes' copy of the registry when a tag has one (5 ms)."""
    registry = files("langcodes").joinpath("data", "language-subtag-registry.txt")
    text = registry.read_text("utf-8")
    entry = re.compile(r"^Type: extlang\nSubtag: (\w+)\n(?:.+\n)*?Prefix: (\w+)$", re.MULTILINE)
    return dict(entry.findall(text))


def _unknown_subtag(language: Language) -> str:
    """Which subtag of a tag langcodes finds invalid, named."""
    make = type(language).make
    parts: list[tuple[str, str | None, Language]] = [
        ("language", language.language, make(language=language.language)),
        ("script", language.script, make(script=language.script)),
        ("region", language.territory, make(territory=language.territory)),
    ]
    variants = language.variants or []
    parts += [("variant", variant, make(variants=[variant])) for variant in variants]
    for kind, subtag, alone in parts:
        if subtag and not alone.is_valid():
            return f"no {kind} '{subtag}' in the IANA registry"
    if len(set(variants)) < len(variants):
        return "a variant given twice"
    return ""


def _fix(tag: str) -> str:
    """How to write the tag: the valid tag langcodes makes of it, if any, else examples."""
    candidate = re.sub(r"[\s_]+", "-", tag.strip())
    try:
        from langcodes import standardize_tag

        suggestion = standardize_tag(candidate)
        if suggestion != tag:
            return f"write {check_language(suggestion)!r}"
    except (ValueError, LookupError):  # langcodes' LanguageTagError is a ValueError
        pass
    return _EXAMPLE


def text_direction(tag: str) -> Direction:
    """``rtl`` if text in the language of ``tag`` (valid, as ``check_language`` gives it)
    runs right to left: by its script subtag, else by the likely script of its
    language in its region (``pa-PK``: Arabic; ``pa``: Gurmukhi)."""
    match = _TAG.fullmatch(tag)
    if match is None or match["private_only"]:
        return "ltr"
    if match["script"]:
        return "rtl" if match["script"].title() in RTL_SCRIPTS else "ltr"
    if match["language"].split("-")[0].lower() not in MAY_BE_RTL:
        return "ltr"
    return _likely_direction(tag)


@lru_cache(maxsize=256)
def _likely_direction(tag: str) -> Direction:
    from langcodes import Language

    script = Language.get(tag).maximize().script
    return "rtl" if script in RTL_SCRIPTS else "ltr"
