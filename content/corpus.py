"""What a recognizer should expect to hear: the sentences and words of the loaded articles, and how people ask.

Pure: built from a :class:`content.loader.Library` and the matcher's own knowledge (commands, phrasings, the
off-topic competitors), never from audio. ``voice.langmodel`` turns it into a language model; a hash of it names the
cached model, so a changed or added article gets a new model without any manual step.

Each sentence comes with a count: how strongly it should shape the model. Questions in users' words count most,
because that is what people say; the article's text counts least, because people hear it, they do not say it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from content.lexicon import OFF_TOPIC, PHRASES, SYNONYMS
from content.loader import Library
from content.matching import COMMANDS
from content.speakable import strip_emoji

WAKE_PHRASE = "hey jarvis"
"""The default wake phrase (one of the wake-word models that ship on PyPI); configurable."""

KINDS = ("question", "heading", "keyword", "text", "frame", "command", "phrase", "word", "off-topic", "wake")
QUESTION_WEIGHT = 4
HEADING_WEIGHT = 3
FRAME_WEIGHT = 2
KEYWORD_WEIGHT = 2
COMMAND_WEIGHT = 1
TEXT_WEIGHT = 1
OFF_TOPIC_WEIGHT = 2
MAX_EXPANSIONS = 12
"""Phrasings kept per command or phrase pattern: enough for every word pair, not so many that commands drown the
questions."""

QUESTION_FRAMES: tuple[str, ...] = (
    # How people open and shape a question, whatever it is about. Generic English, not the article's words.
    "how long does it last", "how long will it take", "how long until it stops", "when will it stop",
    "when will it go away", "will it go away on its own", "is it normal", "is that normal", "is this normal",
    "is it normal to have", "is it okay to", "is it safe to", "is it bad", "is it serious", "should i be worried",
    "should i worry about", "what should i do", "what can i do about it", "what can i do", "what do i do if",
    "what happens if", "what does it mean if", "why does it hurt", "why does my", "why is my", "why do i have",
    "how do i know if", "how can i tell if", "how can i", "how do i", "how can i stop", "how do i get rid of",
    "can i take", "can i do", "should i take", "should i see a doctor", "when should i call the doctor",
    "do i need to see a doctor", "will it get better", "does it get worse", "is there anything that helps",
    "is there anything i can do", "what helps with", "what is the best way to", "what are the chances",
    "how often does it happen", "does it happen to everyone", "what causes it", "what is causing", "tell me about",
    "tell me more about", "i want to know about", "i have a question about", "can you tell me", "what about",
    "what if", "i am worried about", "my back hurts", "it hurts", "i have pain in my", "i feel", "i still have",
    "it has been a week", "it has been a few days", "is this because of", "could it be", "is it from", "am i going to",
    "will i", "do i have to", "how bad is it", "how much", "how many", "what is", "what are", "where is", "who should i ask",
)
"""Generic question frames, so questions in words the article does not use still have a likely path."""

SPOKEN_COMMANDS: tuple[str, ...] = (
    # The phrasings the assistant itself tells people to say, and the answers to its "did you mean A or B?".
    "read the whole article", "what can i ask", "more", "next", "go back", "repeat that", "pause", "resume", "stop",
    "slower", "faster", "the first one", "the second one", "the first", "the second",
)
SLOT_FRAMES: tuple[str, ...] = ("tell me about", "what about", "i want to know about", "i have a question about")
"""Frames a keyword is said after; each keyword gets one of them, in turn (more would make "tell me" the likeliest
start of any question)."""

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen " \
        "seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_ORDINALS = {"1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth", "5th": "fifth"}


@dataclass(frozen=True)
class Sentence:
    """One sentence the recognizer should find likely, and how many times to count it."""

    words: tuple[str, ...]
    count: int = 1
    kind: str = "text"
    """Where it comes from: one of KINDS. A "word" is a bare synonym from the lexicon, which may be a misspelling
    ("ibuprofin") that a recognizer should not learn to say."""


def spell_number(number: int) -> str:
    """A whole number (0-9999) in words, as it is said: 24 → "twenty four"."""
    if number < 20:
        return _ONES[number]
    if number < 100:
        return _TENS[number // 10] + ("" if number % 10 == 0 else " " + _ONES[number % 10])
    if number < 1000:
        rest = number % 100
        return _ONES[number // 100] + " hundred" + ("" if rest == 0 else " and " + spell_number(rest))
    if 1100 <= number < 2000 or 2010 <= number < 2100:  # years are said in pairs
        return spell_number(number // 100) + " " + (spell_number(number % 100) if number % 100 >= 10
                                                    else "oh " + spell_number(number % 100))
    rest = number % 1000
    return spell_number(number // 1000) + " thousand" + ("" if rest == 0 else " " + spell_number(rest))


def tokens(text: str) -> list[str]:
    """The words of ``text`` as a recognizer spells them: lowercase, apostrophes kept, numbers in words."""
    text = strip_emoji(text).lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"(\d+)\s*%", r"\1 percent", text).replace("&", " and ")
    result: list[str] = []
    for raw in re.findall(r"[a-z0-9]+(?:'[a-z]+)*", text):
        if raw in _ORDINALS:
            result.append(_ORDINALS[raw])
        elif raw.isdigit():
            result += spell_number(int(raw)).split() if len(raw) <= 4 else [spell_number(int(d)) for d in raw]
        elif re.fullmatch(r"\d+[a-z]+", raw):  # "24hrs", "5th"
            digits = re.match(r"\d+", raw).group(0)  # type: ignore[union-attr]
            result += spell_number(int(digits)).split() + [raw[len(digits):]]
        else:
            result.append(raw)
    return result


def sentences_of(text: str) -> list[str]:
    """Split prose into sentences (and on parentheses, which are asides said on their own)."""
    return [s for s in re.split(r"(?<=[.!?;:])\s+|\n+|[()]", text) if s.strip()]


# ---- regular expressions as phrasings ----

def expand(pattern: str, limit: int = MAX_EXPANSIONS) -> list[str]:
    """Sentences a command or phrase pattern matches: "(go )?back( one)?" → "back", "go back", "go back one".

    Handles the subset the matcher's patterns use (groups, alternatives, ``?``, ``+``, ``*`` and optional single
    characters); a pattern with anything else (lookarounds, classes) gives no sentences. At most ``limit`` are
    returned, spread over the alternatives so every word appears.
    """
    try:
        alternatives, end = _alternatives(pattern, 0)
    except ValueError:
        return []
    if end != len(pattern):
        return []
    texts = [" ".join(t.split()) for t in alternatives]
    unique = list(dict.fromkeys(t for t in texts if t))
    if len(unique) <= limit:
        return unique
    # Keep the shortest (the core phrase), then spread evenly: every alternative word shows up somewhere.
    unique.sort(key=len)
    step = len(unique) / limit
    return [unique[int(i * step)] for i in range(limit)]


_EXPANSION_CAP = 4096


def _alternatives(pattern: str, index: int) -> tuple[list[str], int]:
    """Parse alternatives up to a closing parenthesis or the end; return the expansions and where it stopped."""
    branches: list[str] = []
    current = [""]
    while index < len(pattern) and pattern[index] != ")":
        char = pattern[index]
        if char == "|":
            branches += current
            current = [""]
            index += 1
            continue
        if char == "(":
            if pattern.startswith("(?:", index):
                index += 2
            elif pattern.startswith("(?", index):
                raise ValueError("lookaround")
            inner, index = _alternatives(pattern, index + 1)
            if index >= len(pattern) or pattern[index] != ")":
                raise ValueError("unbalanced")
            index += 1
            pieces = inner
        elif char == "\\":
            if pattern[index + 1:index + 2] == "b":
                index += 2
                continue
            raise ValueError("escape")
        elif char in "[]{}.^$":
            raise ValueError("unsupported")
        else:
            pieces = [char]
            index += 1
        if index < len(pattern) and pattern[index] in "?*+":
            quantifier = pattern[index]
            index += 1
            if quantifier in "?*":
                pieces = ["", *pieces]
        current = [c + p for c in current for p in pieces]
        if len(current) > _EXPANSION_CAP:
            current = current[:_EXPANSION_CAP]
    branches += current
    return branches, index


# ---- the corpus ----

def _phrase(text: str, count: int, kind: str) -> Sentence | None:
    words = tokens(text)
    return Sentence(tuple(words), count, kind) if words else None


def _library_sentences(library: Library) -> Iterator[Sentence | None]:
    for article in library.articles:
        yield _phrase(article.title, HEADING_WEIGHT, "heading")
        if article.about:
            for part in re.split(r",|;| and ", article.about):
                yield _phrase(part, TEXT_WEIGHT, "text")
        for index, section in enumerate(article.sections):
            yield _phrase(section.heading, HEADING_WEIGHT, "heading")
            for question in section.questions:
                yield _phrase(question, QUESTION_WEIGHT, "question")
            for number, keyword in enumerate(section.keywords):
                yield _phrase(keyword, KEYWORD_WEIGHT, "keyword")
                frame = SLOT_FRAMES[(index + number) % len(SLOT_FRAMES)]
                yield _phrase(f"{frame} {keyword}", 1, "keyword")
            for paragraph in section.paragraphs:
                for sentence in sentences_of(paragraph):
                    yield _phrase(sentence, TEXT_WEIGHT, "text")


def _matcher_sentences(wake_phrase: str) -> Iterator[Sentence | None]:
    for frame in QUESTION_FRAMES:
        yield _phrase(frame, FRAME_WEIGHT, "frame")
    for text in SPOKEN_COMMANDS:
        yield _phrase(text, FRAME_WEIGHT, "command")
    for patterns in COMMANDS.values():
        for pattern in patterns:
            for text in expand(pattern):
                if "did nt" in text or "could nt" in text:  # the matcher's own spelling after it drops apostrophes
                    continue
                yield _phrase(text, COMMAND_WEIGHT, "command")
    for pattern, _concept in PHRASES:
        for text in expand(pattern, limit=6):
            yield _phrase(text, 1, "phrase")
    for word in sorted(SYNONYMS):
        yield _phrase(word, 1, "word")
    for text in OFF_TOPIC:
        yield _phrase(text, OFF_TOPIC_WEIGHT, "off-topic")
    if wake_phrase.strip():
        yield _phrase(wake_phrase, COMMAND_WEIGHT, "wake")
        for command in ("what can i ask", "read the whole article", "how long will it hurt"):
            yield _phrase(f"{wake_phrase} {command}", 1, "wake")


def build_corpus(library: Library, wake_phrase: str = WAKE_PHRASE) -> tuple[Sentence, ...]:
    """Every sentence the recognizer should expect, with its count; duplicates merged (counts added)."""
    merged: dict[tuple[str, ...], Sentence] = {}
    for sentence in [*_library_sentences(library), *_matcher_sentences(wake_phrase)]:
        if sentence is None:
            continue
        seen = merged.get(sentence.words)
        # The first kind wins: a word the article uses is not a bare lexicon word.
        merged[sentence.words] = Sentence(sentence.words, sentence.count + (seen.count if seen else 0),
                                          seen.kind if seen else sentence.kind)
    return tuple(merged.values())


def vocabulary(corpus: Iterable[Sentence]) -> list[str]:
    """The distinct words of a corpus, sorted."""
    return sorted({word for sentence in corpus for word in sentence.words})


def corpus_text(corpus: Iterable[Sentence]) -> str:
    """One line per sentence occurrence: the form ``pocketsphinx.lm.ArpaBoLM`` reads."""
    return "".join((" ".join(s.words) + "\n") * s.count for s in corpus)


def fingerprint(corpus: Iterable[Sentence], *extra: str) -> str:
    """A short hash of the corpus (and any build settings): the name of the cached model built from it."""
    digest = hashlib.sha256()
    for part in extra:
        digest.update(part.encode("utf-8") + b"\x00")
    digest.update(corpus_text(corpus).encode("utf-8"))
    return digest.hexdigest()[:16]
