"""Load articles from YAML, checking the schema and naming the file and line of anything wrong.

The schema (version 1) — one file per article, ``content/articles/ID.yaml``::

    schema: 1                      # required, the schema version
    id: back-pain-after-epidural   # required, lowercase words joined by hyphens
    title: Back pain after epidural: is it normal?   # required, said when the article is introduced
    source: back-pain-after-epidural.txt             # optional, the file it was imported from
    about: what causes it, how to ease it, ...       # optional, what it covers; said when a question is not covered
    sections:                      # required, in reading order, at least one
      - id: overview               # required, unique in the article, lowercase-with-hyphens
        heading: ...               # required, the heading as read aloud (the merge key on re-import)
        text: |                    # required, speakable paragraphs separated by a blank line
          ...
        parent: relief             # optional, id of an earlier section this is a sub-topic of
        questions: [...]           # optional, questions in users' own words
        keywords: [...]            # optional, words and short phrases that point here
        references: [4]            # optional, citation numbers from the source
    warnings:                      # optional, warning signs
      - id: numbness               # required, unique
        when:                      # required: alternatives; each a list of word groups that must all occur,
          - [numb|tingling]        #   a group being synonyms separated by "|"
          - [weak|weakness, leg|legs]
        advice: ...                # required, the article's advice, said first
        section: damage            # required, read after the advice if the question matches no section
        unless: [next week|will it still]   # optional, phrases that cancel the sign (separated by "|")

Text is passed through :func:`content.speakable.speakable` on load, so nothing unspeakable reaches a voice
even after a careless hand edit.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import yaml

from content.article import Article, Section, Warning
from content.speakable import speakable

_LOGGER = logging.getLogger(__name__)

SCHEMA_VERSION = 1
ARTICLES_DIR = Path(__file__).parent / "articles"
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class ContentError(Exception):
    """An article that cannot be loaded; ``str()`` is one line: file, line, what is wrong."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        self.source = source
        self.line = line
        self.message = message
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Library:
    """Every article that loaded, and one error per article that did not."""

    articles: tuple[Article, ...]
    errors: tuple[ContentError, ...] = ()

    def article(self, article_id: str) -> Article:
        for article in self.articles:
            if article.id == article_id:
                return article
        raise KeyError(article_id)


class _Reader:
    """Walks a composed YAML node tree, raising ContentError with the node's line."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, node: yaml.Node, message: str) -> ContentError:
        return ContentError(self.source, node.start_mark.line + 1, message)

    def mapping(self, node: yaml.Node, what: str) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping of keys to values")
        result: dict[str, yaml.Node] = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                raise self.fail(key, f"{what}: keys must be plain words")
            if key.value in result:
                raise self.fail(key, f"{what}: '{key.value}' is given twice")
            result[key.value] = value
        return result

    def keys(self, fields: dict[str, yaml.Node], node: yaml.Node, what: str, required: set[str], allowed: set[str]) -> None:
        for name in sorted(required - fields.keys()):
            raise self.fail(node, f"{what}: '{name}' is missing")
        for name, value in fields.items():
            if name not in allowed:
                raise self.fail(value, f"{what}: unknown key '{name}' (allowed: {', '.join(sorted(allowed))})")

    def string(self, node: yaml.Node, what: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or node.tag.endswith(":null"):
            raise self.fail(node, f"{what} must be text")
        value = str(node.value).strip()
        if not value:
            raise self.fail(node, f"{what} must not be empty")
        return value

    def identifier(self, node: yaml.Node, what: str) -> str:
        value = self.string(node, what)
        if not ID_RE.match(value):
            raise self.fail(node, f"{what} '{value}' must be lowercase letters and digits joined by hyphens")
        return value

    def strings(self, node: yaml.Node, what: str) -> tuple[str, ...]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"{what} must be a list")
        return tuple(self.string(item, f"{what} item") for item in node.value)

    def integers(self, node: yaml.Node, what: str) -> tuple[int, ...]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"{what} must be a list of numbers")
        numbers = []
        for item in node.value:
            if not isinstance(item, yaml.ScalarNode) or not item.value.isdigit():
                raise self.fail(item, f"{what} must be a list of whole numbers")
            numbers.append(int(item.value))
        return tuple(numbers)


def _section(reader: _Reader, node: yaml.Node, index: int) -> Section:
    what = f"section {index + 1}"
    fields = reader.mapping(node, what)
    reader.keys(fields, node, what, {"id", "heading", "text"},
                {"id", "heading", "text", "parent", "questions", "keywords", "references"})
    section_id = reader.identifier(fields["id"], f"{what} id")
    what = f"section '{section_id}'"
    paragraphs = tuple(
        speakable(" ".join(p.split())) for p in re.split(r"\n\s*\n", reader.string(fields["text"], f"{what} text"))
    )
    parent = fields.get("parent")
    return Section(
        id=section_id,
        heading=speakable(reader.string(fields["heading"], f"{what} heading")),
        paragraphs=tuple(p for p in paragraphs if p),
        parent=None if parent is None or parent.tag.endswith("null") else reader.identifier(parent, f"{what} parent"),
        questions=reader.strings(fields["questions"], f"{what} questions") if "questions" in fields else (),
        keywords=reader.strings(fields["keywords"], f"{what} keywords") if "keywords" in fields else (),
        references=reader.integers(fields["references"], f"{what} references") if "references" in fields else (),
    )


def _warning(reader: _Reader, node: yaml.Node, index: int) -> Warning:
    what = f"warning {index + 1}"
    fields = reader.mapping(node, what)
    reader.keys(fields, node, what, {"id", "when", "advice", "section"}, {"id", "when", "advice", "section", "unless"})
    warning_id = reader.identifier(fields["id"], f"{what} id")
    what = f"warning '{warning_id}'"
    when = fields["when"]
    if not isinstance(when, yaml.SequenceNode) or not when.value:
        raise reader.fail(when, f"{what} 'when' must be a list of alternatives, each a list of word groups")
    alternatives = []
    for alternative in when.value:
        groups = reader.strings(alternative, f"{what} 'when' alternative")
        if not groups:
            raise reader.fail(alternative, f"{what}: an alternative in 'when' is empty")
        alternatives.append(tuple(tuple(w.strip().lower() for w in g.split("|") if w.strip()) for g in groups))
    return Warning(
        id=warning_id,
        when=tuple(alternatives),
        advice=speakable(" ".join(reader.string(fields["advice"], f"{what} advice").split())),
        section=reader.identifier(fields["section"], f"{what} section"),
        unless=tuple(w.strip().lower() for g in reader.strings(fields["unless"], f"{what} unless") for w in g.split("|")
                     if w.strip()) if "unless" in fields else (),
    )


def from_yaml(stream: IO[str] | str, source: str = "<string>", path: Path | None = None) -> Article:
    """Load one article from YAML text; raises ContentError naming ``source``, the line and the problem."""
    reader = _Reader(source)
    try:
        root = yaml.compose(stream)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = " ".join((error.problem or error.context or "not valid YAML").split())
        raise ContentError(source, mark.line + 1 if mark else None, f"not valid YAML: {problem}") from None
    except yaml.YAMLError as error:
        raise ContentError(source, None, f"not valid YAML: {' '.join(str(error).split())}") from None
    if root is None:
        raise ContentError(source, None, "the file is empty")
    fields = reader.mapping(root, "the article")
    reader.keys(fields, root, "the article", {"schema", "id", "title", "sections"},
                {"schema", "id", "title", "about", "source", "sections", "warnings"})
    if fields["schema"].value != str(SCHEMA_VERSION):
        raise reader.fail(fields["schema"], f"schema must be {SCHEMA_VERSION} (got {fields['schema'].value!r})")
    sections_node = fields["sections"]
    if not isinstance(sections_node, yaml.SequenceNode) or not sections_node.value:
        raise reader.fail(sections_node, "'sections' must be a list with at least one section")
    sections = tuple(_section(reader, node, i) for i, node in enumerate(sections_node.value))
    seen: set[str] = set()
    for node, section in zip(sections_node.value, sections):
        if section.id in seen:
            raise reader.fail(node, f"section id '{section.id}' is used twice")
        if section.parent is not None and section.parent not in seen:
            raise reader.fail(reader.mapping(node, "section")["parent"],
                              f"section '{section.id}': parent '{section.parent}' is not an earlier section")
        if not section.paragraphs:
            raise reader.fail(node, f"section '{section.id}' has no speakable text")
        seen.add(section.id)
    warnings: tuple[Warning, ...] = ()
    if "warnings" in fields:
        warnings_node = fields["warnings"]
        if not isinstance(warnings_node, yaml.SequenceNode):
            raise reader.fail(warnings_node, "'warnings' must be a list")
        warnings = tuple(_warning(reader, node, i) for i, node in enumerate(warnings_node.value))
        for node, warning in zip(warnings_node.value, warnings):
            if warning.section not in seen:
                raise reader.fail(reader.mapping(node, "warning")["section"],
                                  f"warning '{warning.id}': section '{warning.section}' is not in the article")
    return Article(
        id=reader.identifier(fields["id"], "the article id"),
        title=speakable(reader.string(fields["title"], "the title")),
        sections=sections,
        warnings=warnings,
        about=speakable(reader.string(fields["about"], "about")) if "about" in fields else None,
        source=reader.string(fields["source"], "source") if "source" in fields else None,
        path=path,
    )


def load_article(path: Path) -> Article:
    """Load one YAML file; unreadable or undecodable files become ContentError too."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ContentError(str(path), None, "not UTF-8 text; save it as UTF-8") from None
    except OSError as error:
        raise ContentError(str(path), None, f"cannot be read ({error.strerror or error})") from None
    return from_yaml(text, str(path), path)


def load_library(paths: Iterable[Path] | None = None) -> Library:
    """Load every article (default: ``content/articles/*.yaml``); a broken one is reported, the others load."""
    if paths is None:
        paths = sorted(ARTICLES_DIR.glob("*.yaml"))
    articles: list[Article] = []
    errors: list[ContentError] = []
    for path in paths:
        try:
            article = load_article(path)
        except ContentError as error:
            _LOGGER.warning("%s", error)
            errors.append(error)
            continue
        if any(a.id == article.id for a in articles):
            errors.append(ContentError(str(path), None, f"article id '{article.id}' is already used by another file"))
            continue
        articles.append(article)
    return Library(tuple(articles), tuple(errors))
