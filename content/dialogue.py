"""From what the user said to what the assistant says: a small state machine over the matcher.

Pure: fed with text, it answers with a :class:`Reply`; it keeps only what the next turn needs (the section
last read, a pending "did you mean" choice). The live modes read ``Reply.answer`` aloud; ``ask`` prints it.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

from content.article import Article, Section
from content.loader import Library
from content.matching import (CLARIFY_BELOW, CLARIFY_MARGIN, MIN_CONFIDENCE, Match, Matcher, command, plain_text,
                              warning_signs)

if TYPE_CHECKING:
    from content.embedding import FusedMatcher

_LOGGER = logging.getLogger(__name__)

KINDS = ("answer", "urgent", "clarify", "not-covered", "command")
URGENT_KEEP_MATCH = 0.75
"""A warning sign reads the warning's own section (where the article gives the advice) unless the question matches
another section this well."""
MAX_QUESTION_CHARS = 1000
"""Longer input is not a spoken question; only its start is matched."""


@dataclass(frozen=True)
class Reply:
    """What the assistant answers to one utterance."""

    kind: str
    """One of KINDS."""

    answer: str
    """The exact text it speaks."""

    article: str | None = None
    section: str | None = None
    """The id of the section it reads now, or None when it reads none."""

    title: str | None = None
    """The heading of that section, or None."""

    confidence: float = 0.0
    """How sure the matcher is, 0-1 (1 for a recognised command)."""

    command: str | None = None
    """The command, for kind "command"."""

    warnings: tuple[str, ...] = ()
    """Ids of the warning signs the question mentions."""

    question: str = ""

    def to_json(self) -> dict[str, object]:
        """The public JSON shape: the contract fields first."""
        data = asdict(self)
        data["warnings"] = list(self.warnings)
        first = ("article", "section", "kind", "confidence", "title", "answer")
        return {**{k: data[k] for k in first}, **{k: v for k, v in data.items() if k not in first}}


def section_answer(section: Section) -> str:
    """A section as spoken in answer to a question: its heading, then its text."""
    heading = section.heading if section.heading.endswith(("?", ".", "!")) else section.heading + "."
    return f"{heading} {' '.join(section.paragraphs)}"


def _topic_list(headings: list[str]) -> str:
    spoken = [h.rstrip("?.!") for h in headings]
    if len(spoken) > 1:
        spoken[-1] = "and " + spoken[-1]
    return "; ".join(spoken)


EMBEDDING_VARIABLE = "EPIDURAL_EMBEDDING"
"""0 / off / no / false: match with the lexical matcher alone even when the sentence model is installed."""


def sentence_model_wanted() -> bool:
    """True if the optional sentence model is installed and not turned off — found without importing anything."""
    if os.environ.get(EMBEDDING_VARIABLE, "").strip().lower() in ("0", "off", "no", "false"):
        return False
    return all(importlib.util.find_spec(name) is not None for name in ("tokenizers", "all_minilm_l6_v2"))


def build_matcher(library: Library, understanding: bool | None = None) -> Matcher | FusedMatcher:
    """The lexical matcher, with the sentence model's second opinion when ``understanding`` is True, or None and
    the model is installed and not turned off. The model's code is imported only then; if it cannot load, the
    lexical matcher answers alone (True: the error is raised instead)."""
    matcher = Matcher(library.articles)
    if understanding is False or (understanding is None and not sentence_model_wanted()):
        return matcher
    from content.embedding import EmbeddingUnavailable, FusedMatcher

    try:
        return FusedMatcher(matcher)
    except EmbeddingUnavailable as error:
        if understanding:
            raise
        _LOGGER.warning("matching without the sentence model: %s", error)
        return matcher


@dataclass
class Dialogue:
    """Answers questions and commands about the articles of a library, remembering the last section read."""

    library: Library
    understanding: bool | None = None
    """Whether the sentence model gives a second opinion: None when it is installed (see build_matcher)."""
    matcher: Matcher | FusedMatcher = field(init=False)
    current: tuple[str, str] | None = None
    """(article id, section id) read last."""
    last: Reply | None = None
    choices: tuple[Match, ...] = ()

    def __post_init__(self) -> None:
        self.matcher = build_matcher(self.library, self.understanding)

    # -- helpers over the library --

    def _article(self, article_id: str) -> Article:
        return self.library.article(article_id)

    def _reading_order(self) -> list[tuple[Article, Section]]:
        return [(a, s) for a in self.library.articles for s in a.sections]

    def _read(self, article: Article, section: Section, kind: str, confidence: float, prefix: str = "",
              command_name: str | None = None, question: str = "", warnings: tuple[str, ...] = ()) -> Reply:
        text = section_answer(section)
        children = article.children(section.id)
        if children and kind in ("answer", "urgent"):
            text += (f" It covers {_topic_list([c.heading for c in children])}. "
                     "Say \"more\" to hear them all, or ask about one.")
        self.current = (article.id, section.id)
        return Reply(kind=kind, answer=(prefix + " " + text).strip(), article=article.id, section=section.id,
                     title=section.heading, confidence=confidence, command=command_name, question=question,
                     warnings=warnings)

    def topics(self) -> str:
        parts = []
        for article in self.library.articles:
            headings = [s.heading for s in article.sections if s.parent is None and s.id not in ("overview", "summary")]
            topics = _topic_list([h[:1].lower() + h[1:] for h in headings])
            parts.append(f"You can ask me things like: {topics}.")
        if not parts:
            return "There are no articles yet. Add one with the import command."
        return " ".join(parts) + " Or say \"read the whole article\"."

    def not_covered(self, question: str, confidence: float) -> Reply:
        about = "; ".join(a.about or a.title.rstrip("?.!").lower() for a in self.library.articles)
        answer = (f"Sorry, the article doesn't cover that. It covers {about}." if about
                  else "Sorry, there are no articles to answer from yet.")
        return Reply(kind="not-covered", answer=answer, confidence=confidence, question=question)

    # -- the turn --

    def reply(self, text: str) -> Reply:
        """Answer one utterance (a typed line or a transcript)."""
        question = " ".join(text.split())[:MAX_QUESTION_CHARS]
        if not plain_text(question):
            return Reply(kind="not-covered", answer="I didn't catch a question. Ask me about the article, or say "
                         "\"what can I ask\".", question=question)
        reply = self._reply(question)
        self.last = reply
        return reply

    def _reply(self, question: str) -> Reply:
        if self.choices:
            chosen = self._choose(question)
            self.choices = ()
            if chosen is not None:
                article = self._article(chosen.article)
                return self._read(article, article.section(chosen.section), "answer", chosen.confidence,
                                  question=question)
        name = command(question)
        if name is not None:
            return self._command(name, question)
        return self._question(question)

    def _choose(self, question: str) -> Match | None:
        """The answer to "did you mean A or B": "the first", "the second one"; anything else is a new question."""
        plain = plain_text(question)
        if len(plain.split()) > 4:
            return None
        ordinal = re.search(r"\b(first|1st|former|second|2nd|latter|last)\b", plain)
        if ordinal is None:
            return None
        return self.choices[0] if ordinal.group(1) in ("first", "1st", "former") else self.choices[-1]

    def _question(self, question: str) -> Reply:
        ranking = self.matcher.rank(question)
        best = ranking.best
        signs = tuple(w for a in self.library.articles for w in warning_signs(question, a.warnings))
        warning_ids = tuple(w.id for w in signs)
        if signs:
            warning = signs[0]
            article = next(a for a in self.library.articles if warning in a.warnings)
            advice = " ".join(dict.fromkeys(w.advice for w in signs))
            if best is not None and best.confidence >= URGENT_KEEP_MATCH:
                article = self._article(best.article)
                section = article.section(best.section)
                confidence = best.confidence
            else:
                section = article.section(warning.section)
                confidence = max(best.confidence if best else 0.0, MIN_CONFIDENCE)
            return self._read(article, section, "urgent", confidence, prefix=advice, question=question,
                              warnings=warning_ids)
        if best is None or best.confidence < MIN_CONFIDENCE or ranking.off_topic > best.confidence:
            return self.not_covered(question, best.confidence if best else 0.0)
        second = ranking.matches[1] if len(ranking.matches) > 1 else None
        if (second is not None and best.confidence < CLARIFY_BELOW and best.confidence - second.confidence < CLARIFY_MARGIN
                and not self._related(best, second)):
            return self._clarify(question, best, second)
        article = self._article(best.article)
        return self._read(article, article.section(best.section), "answer", best.confidence, question=question)

    def _related(self, first: Match, second: Match) -> bool:
        if first.article != second.article:
            return False
        article = self._article(first.article)
        a, b = article.section(first.section), article.section(second.section)
        return a.parent == b.id or b.parent == a.id

    def _clarify(self, question: str, first: Match, second: Match) -> Reply:
        self.choices = (first, second)
        a = self._article(first.article).section(first.section).heading.rstrip("?.!")
        b = self._article(second.article).section(second.section).heading.rstrip("?.!")
        return Reply(kind="clarify", answer=f"Did you mean: {a}? Or: {b}?", confidence=first.confidence,
                     question=question)

    def _command(self, name: str, question: str) -> Reply:
        order = self._reading_order()
        position = next((i for i, (a, s) in enumerate(order) if (a.id, s.id) == self.current), None)

        def read_at(index: int, prefix: str = "") -> Reply:
            article, section = order[index]
            return self._read(article, section, "command", 1.0, prefix=prefix, command_name=name, question=question)

        def say(answer: str) -> Reply:
            return Reply(kind="command", answer=answer, confidence=1.0, command=name, question=question)

        if not order:
            return say("There are no articles yet. Add one with the import command.")
        if name == "topics":
            return say(self.topics())
        if name == "read":
            return read_at(0, prefix=f"{order[0][0].title}.")
        if name in ("next", "more"):
            if position is None:
                return read_at(0)
            if position + 1 >= len(order):
                return say("That was the end of the article. Say \"read the whole article\" to start again.")
            return read_at(position + 1)
        if name == "previous":
            if position is None or position == 0:
                return read_at(0, prefix="This is the beginning.") if position == 0 else say(
                    "There is nothing before this. Say \"read the whole article\" to start.")
            return read_at(position - 1)
        if name in ("repeat", "resume"):
            if self.last is not None:
                return replace(self.last, kind="command", command=name, question=question, confidence=1.0)
            return say("There is nothing to repeat yet. Ask me a question, or say \"what can I ask\".")
        return say({"pause": "Paused. Say \"resume\" to carry on.", "stop": "Okay, I've stopped.",
                    "slower": "Okay, slower.", "faster": "Okay, faster."}[name])
