"""What is said, in what order, with what pauses: text planning for the voices. Pure; no audio here.

An answer or an article becomes a list of :class:`Utterance` — one sentence each, so a voice can start on the first
sentence while the rest are still being synthesised, and stopping is immediate. Headings are announced ("Next: How
long does backache after an epidural last?") and pauses follow sentences, paragraphs, headings and sections.

Whatever reaches a voice engine goes through :func:`for_voice` first (``voice.tts.Voice.say`` calls it): the
speakable guard ("&" as "and", "e.g." as "for example", no emoji or markers), no links or markup characters, and
respellings of the words espeak-ng stresses wrongly. Nothing unspeakable ever reaches a voice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from content.article import Article, Section
from content.speakable import speakable

# The voices' own silence around a sentence is trimmed (voice.tts), so these are the pauses heard.
SENTENCE_PAUSE_S = 0.35
"""Silence after a sentence within a paragraph."""
PARAGRAPH_PAUSE_S = 0.7
"""Silence after the last sentence of a paragraph."""
HEADING_PAUSE_S = 0.6
"""Silence after a heading is announced."""
SECTION_PAUSE_S = 1.2
"""Silence after the last sentence of a section."""
COMMA_PAUSE_S = 0.1
"""Silence where a long first sentence is split at a comma: about a comma's breath."""
FIRST_SPLIT_WORDS = 12

_ABBREVIATIONS = ("Dr", "Mr", "Mrs", "Ms", "St", "Prof", "No", "vs", "approx")
"""Titles and abbreviations whose full stop does not end a sentence."""
_SENTENCE = re.compile(r"\S.*?(?:" + "".join(rf"(?<!\b{a})" for a in _ABBREVIATIONS)
                       + r"[.!?]+[\"')]*(?=\s+[\"'(]*[A-Z0-9])|$)", re.DOTALL)


@dataclass(frozen=True)
class Utterance:
    """One sentence to say, and the silence after it."""

    text: str
    pause_s: float = SENTENCE_PAUSE_S
    section: str | None = None
    """The section the sentence belongs to (None for announcements outside one)."""

    heading: bool = False
    """True when this is a heading being announced."""

    title: str | None = None
    """For a heading: the section's heading as written, for indexes and screens."""


def sentences(text: str) -> list[str]:
    """Split text into speakable sentences; "Dr. Smith" stays whole ("e.g." is already "for example")."""
    text = speakable(text)
    return [m.group().strip() for m in _SENTENCE.finditer(text) if m.group().strip()]


PRONUNCIATIONS: dict[str, str] = {
    "acetaminophen": "a seeta minnofen",
    "epidural": "eppa-dural",
    "epidurals": "eppa-durals",
}
"""Words that espeak-ng's English dictionary stresses wrongly, respelled so it says them right.

Both voices read espeak-ng's phonemes (Piper phonemizes with it too): "acetaminophen" came out as
ASS-it-am-in-AH-fen and "epidural" as EP-i-joo-rul; respelled they are uh-SEE-tuh-MIN-o-fen and EP-uh-DUR-ul.
Measured on the 39 article sentences that hold them, Piper's words were recognised by open-vocabulary
PocketSphinx 27 times in 41 respelled against 21 as written. "ibuprofen" and "cortisone" are said right as written.
"""

_PRONOUNCE = re.compile(r"\b(" + "|".join(sorted(PRONUNCIATIONS, key=len, reverse=True)) + r")\b", re.IGNORECASE)


def pronounced(text: str) -> str:
    """The text with the words of PRONUNCIATIONS respelled for the voice engine (never shown to anyone)."""
    return _PRONOUNCE.sub(lambda match: PRONUNCIATIONS[match.group().lower()], text)


_URL = re.compile(r"\b(?:https?://|www\.)\S+|</?[a-z][^<>]{0,80}>", re.IGNORECASE)
"""Links and HTML tags: furniture, never content."""
_MARKUP = re.compile(r"[*_#<>|~^{}\[\]\\`=]+")
"""Markdown and markup characters: a voice would read them out as "asterisk", "hash", "underscore"."""


def for_voice(text: str) -> str:
    """The text a voice engine receives, whatever the caller passed: the speakable guard, no links or markup
    characters, then the respellings."""
    text = _MARKUP.sub(" ", _URL.sub(" ", speakable(text)))
    return pronounced(re.sub(r"\s+", " ", text).strip())


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
    result = [Utterance(announce(section, first), HEADING_PAUSE_S, section.id, heading=True, title=section.heading)]
    for paragraph in section.paragraphs:
        said = [Utterance(s, SENTENCE_PAUSE_S, section.id) for s in sentences(paragraph)]
        if said:
            said[-1] = Utterance(said[-1].text, PARAGRAPH_PAUSE_S, section.id)
        result += said
    result[-1] = replace(result[-1], pause_s=SECTION_PAUSE_S)
    return result


def article_script(article: Article) -> list[Utterance]:
    """The whole article in reading order."""
    result: list[Utterance] = []
    for index, section in enumerate(article.sections):
        result += section_script(section, first=index == 0)
    return result
