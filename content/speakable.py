"""Turn scraped text into text a voice can say: no emoji, markers, bullets or symbols.

Pure functions; used by the importer when it writes an article and again as a guard before anything is spoken,
so a hand edit that brings an emoji back still never reaches a voice.
"""

from __future__ import annotations

import re
import unicodedata

REFERENCE_RE = re.compile(r"\s*\[(\d{1,3})\]")
"""A citation marker such as ``[4]``; the number is kept as data by the importer."""

_BULLETS = "•◦▪▫●○■□➢➤►▶-*·–"
_BULLET_RE = re.compile(rf"^\s*[{re.escape(_BULLETS)}]\s+")

_REPLACEMENTS: tuple[tuple[str, str], ...] = (
    ("\u2018", "'"),
    ("\u2019", "'"),
    ("\u201c", '"'),
    ("\u201d", '"'),
    ("\u00a0", " "),
    ("\u2026", "..."),
)

# Abbreviations and symbols said the way a person reads them aloud.
_SPOKEN_FORMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\be\.g\.,?", re.IGNORECASE), "for example,"),
    (re.compile(r"\bi\.e\.,?", re.IGNORECASE), "that is,"),
    (re.compile(r"\betc\."), "and so on."),
    (re.compile(r"\bvs\.?(?=\s)", re.IGNORECASE), "versus"),
    (re.compile(r"\s*&\s*"), " and "),
    (re.compile(r"\s*%"), " percent"),
    (re.compile(r"\s*\+\s*"), " plus "),
    (re.compile(r"\s*@\s*"), " at "),
    (re.compile(r"\s+[—–]\s+|[—–]"), ", "),
    (re.compile(r"([?!])[?!]+"), r"\1"),
)


def is_unspeakable_char(char: str) -> bool:
    """True for emoji and their fragments: symbols, joiners, variation selectors, skin tones, private use."""
    code = ord(char)
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:  # variation selectors
        return True
    if 0x1F3FB <= code <= 0x1F3FF or 0x1F1E6 <= code <= 0x1F1FF:  # skin tones, regional indicators
        return True
    category = unicodedata.category(char)
    return category in ("So", "Cf", "Co", "Cs", "Cn") or (category == "Sk" and code > 0x2000)


def strip_emoji(text: str) -> str:
    """Remove emoji, including the lone fragments (♀, ⚕) left when a zero-width joiner was lost."""
    return "".join(c for c in text if not is_unspeakable_char(c))


def references(text: str) -> list[int]:
    """The citation numbers in ``text``, in order of first appearance."""
    seen: list[int] = []
    for match in REFERENCE_RE.finditer(text):
        number = int(match.group(1))
        if number not in seen:
            seen.append(number)
    return seen


def strip_bullet(line: str) -> str:
    """A list item without its bullet."""
    return _BULLET_RE.sub("", line)


def speakable(text: str) -> str:
    """Text as it may be spoken: plain punctuation, words for symbols, single spaces."""
    for old, new in _REPLACEMENTS:
        text = text.replace(old, new)
    text = strip_emoji(text)
    text = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text).replace("•", " ")
    text = REFERENCE_RE.sub("", text)
    for pattern, spoken in _SPOKEN_FORMS:
        text = pattern.sub(spoken, text)
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" +([,.;:?!)])", r"\1", text)
    text = re.sub(r"\( +", "(", text)
    text = re.sub(r",\s*,", ",", text)
    text = re.sub(r"([.?!]),", r"\1", text)
    text = re.sub(r"\.{4,}", "...", text)
    return text.strip()


def has_unspeakable(text: str) -> bool:
    """True if ``text`` still holds something that must never be spoken (emoji, marker, bullet)."""
    return any(is_unspeakable_char(c) for c in text) or bool(REFERENCE_RE.search(text)) or "•" in text
