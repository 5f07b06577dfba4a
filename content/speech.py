"""What is said, in what order, with what pauses: text planning for the voices. Pure; no audio here.

An answer or an article becomes a list of :class:`Utterance` — one sentence each, so a voice can start on the first
sentence while the rest are still being synthesised, and stopping is immediate. Every utterance passes the
speakable guard, so nothing unspeakable ever reaches a voice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from content.article import Article, Section
from content.speakable import speakable

SENTENCE_PAUSE_S = 0.25
"""Silence after a sentence within a paragraph."""
PARAGRAPH_PAUSE_S = 0.6
"""Silence after the last sentence of a paragraph."""
HEADING_PAUSE_S = 0.5
"""Silence after a heading is announced."""
SECTION_PAUSE_S = 1.0
"""Silence after the last sentence of a section."""
COMMA_PAUSE_S = 0.08
"""Silence where a long first sentence is split at a comma."""
FIRST_SPLIT_WORDS = 12

_SENTENCE = re.compile(r"\S.*?(?:[.!?]+[\"')]*(?=\s+[\"'(]*[A-Z0-9])|$)", re.DOTALL)


@dataclass(frozen=True)
class Utterance:
    """One sentence to say, and the silence after it."""

    text: str
    pause_s: float = SENTENCE_PAUSE_S
    section: str | None = None
    """The section the sentence belongs to (None for announcements outside one)."""

    heading: bool = False
    """True when this is a heading being announced."""


def sentences(text: str) -> list[str]:
    """Split speakable text into sentences ("Dr. Smith" and "e.g." are already spelled out by ``speakable``)."""
    text = speakable(text)
    return [m.group().strip() for m in _SENTENCE.finditer(text) if m.group().strip()]


def for_voice(text: str) -> str:
    """The text a voice engine receives: the speakable guard, whatever the caller passed.

    Drug names are left as written: espeak-ng and Piper both say "acetaminophen" and "ibuprofen" well enough for
    PocketSphinx to transcribe them back (measured), and a respelling made espeak-ng's version worse.
    """
    return speakable(text)


def answer_script(answer: str, section: str | None = None) -> list[Utterance]:
    """An answer as utterances: sentence by sentence, a longer pause at the end of each paragraph.

    A long first sentence is said in two parts, split at a comma, so the first sound comes after half the work.
    """
    result: list[Utterance] = []
    for paragraph in [p for p in re.split(r"\n\s*\n", answer) if p.strip()]:
        said = [Utterance(s, SENTENCE_PAUSE_S, section) for s in sentences(paragraph)]
        if said:
            said[-1] = Utterance(said[-1].text, PARAGRAPH_PAUSE_S, section)
        result += said
    if result and len(result[0].text.split()) > FIRST_SPLIT_WORDS:
        parts = result[0].text.split(", ")
        # the first comma after at least three words, with at least three words left after it
        for cut in range(1, len(parts)):
            first, rest = ", ".join(parts[:cut]), ", ".join(parts[cut:])
            if len(first.split()) >= 3 and len(rest.split()) >= 3:
                result[:1] = [Utterance(first + ",", COMMA_PAUSE_S, section),
                              Utterance(rest, result[0].pause_s, section)]
                break
    return result


def announce(section: Section, first: bool) -> str:
    """How a heading is said: the first plainly, the others introduced ("Next: how long does it last?")."""
    heading = section.heading.rstrip()
    if not heading.endswith(("?", ".", "!")):
        heading += "."
    return heading if first else f"Next: {heading}"


def section_script(section: Section, first: bool = False) -> list[Utterance]:
    """One section read aloud: its heading announced, its paragraphs, a longer pause after it."""
    result = [Utterance(announce(section, first), HEADING_PAUSE_S, section.id, heading=True)]
    for paragraph in section.paragraphs:
        said = [Utterance(s, SENTENCE_PAUSE_S, section.id) for s in sentences(paragraph)]
        if said:
            said[-1] = Utterance(said[-1].text, PARAGRAPH_PAUSE_S, section.id)
        result += said
    result[-1] = Utterance(result[-1].text, SECTION_PAUSE_S, section.id, result[-1].heading)
    return result


def article_script(article: Article) -> list[Utterance]:
    """The whole article in reading order."""
    result: list[Utterance] = []
    for index, section in enumerate(article.sections):
        result += section_script(section, first=index == 0)
    return result
