"""The article as the assistant knows it: sections with speakable text and the words people use for them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Section:
    """One part of an article that can be read on its own."""

    id: str
    """Stable id, part of the public interface (JSON output, "read section X", bookmarks)."""

    heading: str
    """The heading as the article gives it, in speakable form."""

    paragraphs: tuple[str, ...]
    """The text, one speakable paragraph per item."""

    parent: str | None = None
    """Id of the section this one is a sub-topic of."""

    questions: tuple[str, ...] = ()
    """Questions in the words people use for this section (not the heading's words)."""

    keywords: tuple[str, ...] = ()
    """Single words or short phrases that point at this section."""

    references: tuple[int, ...] = ()
    """Numbers of the sources the section cites (the ``[4]`` markers of the source)."""

    @property
    def text(self) -> str:
        """All paragraphs as one string, blank lines between them."""
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class Warning:
    """A warning sign: when a question mentions it, the advice is said first, then the matching section."""

    id: str
    when: tuple[tuple[tuple[str, ...], ...], ...]
    """Alternatives; each is a tuple of word groups that must all occur; a group is a tuple of synonyms."""

    advice: str
    """What the article advises, said before anything else."""

    section: str
    """The section to read after the advice when the question itself matches none."""

    unless: tuple[str, ...] = ()
    """Phrases that cancel the sign: "will it still hurt next week" asks about the future, it reports nothing."""


@dataclass(frozen=True)
class Article:
    """One article: its sections in reading order and its warning signs."""

    id: str
    title: str
    sections: tuple[Section, ...]
    warnings: tuple[Warning, ...] = ()
    about: str | None = None
    """What the article covers, in a phrase: said when a question is outside it."""
    source: str | None = None
    path: Path | None = field(default=None, compare=False)

    def section(self, section_id: str) -> Section:
        """The section with this id; KeyError if there is none."""
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)

    def children(self, section_id: str) -> tuple[Section, ...]:
        """The sub-topics of a section, in reading order."""
        return tuple(s for s in self.sections if s.parent == section_id)
