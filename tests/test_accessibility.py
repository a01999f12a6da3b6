"""The default stylesheet's colours meet WCAG 2 AA contrast (4.5:1 for body-size text)."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest

AA_NORMAL_TEXT = 4.5
_RULE = re.compile(r"([^{}]+)\{([^}]*)\}")


def _rules() -> dict[str, dict[str, str]]:
    """Selector -> declarations of templates/style.css (comments dropped)."""
    css = files("feeds").joinpath("templates", "style.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    rules: dict[str, dict[str, str]] = {}
    for selectors, body in _RULE.findall(css):
        declarations = dict(
            (name.strip(), value.strip())
            for name, value in (d.split(":", 1) for d in body.split(";") if ":" in d)
        )
        for selector in selectors.split(","):
            rules.setdefault(selector.strip(), {}).update(declarations)
    return rules


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rgb or #rrggbb colour."""
    digits = colour.removeprefix("#")
    if len(digits) == 3:
        digits = "".join(2 * d for d in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio between two colours, from 1 to 21."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_formula():
    """Black on white is 21:1, a colour on itself 1:1, and #767676 on white just passes AA."""
    assert contrast("#000", "#fff") == pytest.approx(21)
    assert contrast("#0b57d0", "#0b57d0") == pytest.approx(1)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def _pairs() -> list[tuple[str, str, str]]:
    """(what, text colour, background colour) for every coloured text in the stylesheet."""
    rules = _rules()
    page = rules["body"]["background"]
    text = rules["body"]["color"]
    pairs = [("body text", text, page), ("links", rules["a"]["color"], page)]
    for selector, declarations in rules.items():
        if selector in {"body", "a"}:
            continue
        colour = declarations.get("color", text)
        background = declarations.get("background", page)
        if "color" in declarations or "background" in declarations:
            pairs.append((selector, colour, background))
            if "background" in declarations and "color" not in declarations:
                pairs.append((f"links in {selector}", rules["a"]["color"], background))
    return pairs


@pytest.mark.parametrize(("what", "foreground", "background"), _pairs())
def test_stylesheet_contrast_meets_wcag_aa(what, foreground, background):
    """Text and link colours against their backgrounds reach 4.5:1."""
    assert contrast(foreground, background) >= AA_NORMAL_TEXT, what
