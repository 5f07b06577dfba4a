"""Import an article from plain text, Markdown or HTML into the YAML schema of :mod:`content.loader`.

The source is reduced to blocks (heading, paragraph, list item); what must never be spoken — emoji, reference
markers, bullets, the repeated title, "Read more" links, an app's call to action, a table of contents, page
furniture — is dropped; question-style headings and bulleted sub-topics become sections. The output is
deterministic, and re-importing into an existing file keeps what was added to it by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from content.speakable import references, speakable, strip_bullet, strip_emoji

QUESTION_WORDS = ("can", "how", "what", "why", "when", "is", "are", "does", "do", "should", "will", "where",
                  "which", "who", "could", "would", "has", "have")
FURNITURE = ("close accordion", "open accordion", "popular on the blog", "trending in our community", "share",
             "share this article", "advertisement", "related articles", "related posts", "you may also like",
             "back to top", "skip to content", "subscribe", "sign up", "log in", "menu", "comments",
             "leave a comment", "print", "tweet", "pin it", "facebook", "twitter", "pinterest", "email")
_READ_MORE_RE = re.compile(r"^(read more|read next|related|see also|further reading|you might also like)\b", re.I)
_CALL_TO_ACTION_RE = re.compile(
    r"\b(download (the|our)|get the app|sign up|join (us|the conversation|our)|hopping on|hop on"
    r"|in the app|on the app|follow us|subscribe to)\b", re.I)
_CONTENTS_RE = re.compile(r"^(in this article|table of contents|contents|on this page|jump to)\b", re.I)
_SUMMARY_RE = re.compile(r"^(so,? )?(in short|in summary|to sum up|in conclusion|the bottom line|overall,)\b", re.I)
_TERMINAL = ".!?,;:\"')"
MAX_HEADING_WORDS = 15
MAX_TOPIC_WORDS = 8


class SourceError(Exception):
    """The source cannot be turned into an article; the message says why and what to do."""


@dataclass
class Block:
    kind: str  # "heading", "para" or "item"
    text: str
    level: int = 0
    marked: bool = False  # led by a bullet or an emoji in the source: a sub-topic when short


@dataclass
class Draft:
    heading: str
    level: int
    paragraphs: list[str] = field(default_factory=list)
    references: list[int] = field(default_factory=list)
    section_id: str = ""
    parent: str | None = None


def slugify(text: str, max_words: int = 8) -> str:
    """Lowercase words joined by hyphens: an id."""
    words = re.findall(r"[a-z0-9]+", speakable(text).lower().replace("'", ""))
    return "-".join(words[:max_words]) or "article"


def _clean(text: str) -> str:
    return " ".join(strip_emoji(text).split())


# ---- reading sources into blocks ----

def _text_blocks(source: str) -> list[Block]:
    blocks: list[Block] = []
    for raw in source.splitlines():
        if not raw.strip():
            continue
        stripped = strip_bullet(raw.replace("\u00a0", " "))
        bulleted = stripped != raw.replace("\u00a0", " ")
        first = stripped.strip()[:1]
        emoji_led = bool(first) and strip_emoji(first) == "" and first not in "\"'"
        blocks.append(Block("item" if bulleted else "para", stripped.strip(), marked=bulleted or emoji_led))
    return blocks


class _HtmlBlocks(HTMLParser):
    SKIP = {"script", "style", "nav", "header", "footer", "aside", "form", "button", "noscript", "svg", "template",
            "head", "select"}
    BLOCK = {"h1": 1, "h2": 2, "h3": 3, "h4": 3, "h5": 3, "h6": 3, "p": 0, "li": 0, "blockquote": 0, "dd": 0,
             "dt": 0, "td": 0, "pre": 0, "div": 0}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._skip = 0
        self._stack: list[str] = []
        self._parts: list[str] = []

    def _flush(self) -> None:
        text = " ".join("".join(self._parts).split())
        self._parts = []
        if not text or not self._stack:
            return
        tag = self._stack[-1]
        if tag.startswith("h") and tag[1:].isdigit():
            self.blocks.append(Block("heading", text, level=self.BLOCK[tag]))
        else:
            self.blocks.append(Block("item" if tag == "li" else "para", text, marked=tag == "li"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skip += 1
        elif tag == "br":
            self._parts.append(" ")
        elif tag in self.BLOCK and not self._skip:
            self._flush()
            self._stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self.BLOCK and not self._skip:
            self._flush()
            if tag in self._stack:
                while self._stack and self._stack.pop() != tag:
                    pass

    def handle_data(self, data: str) -> None:
        if not self._skip:
            if not self._stack:
                self._stack.append("p")
            self._parts.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def _html_blocks(source: str) -> list[Block]:
    parser = _HtmlBlocks()
    parser.feed(source)
    parser.close()
    if not any(b.kind == "heading" for b in parser.blocks):
        raise SourceError("the HTML has no headings (h1-h6); give the article headings or import it as plain text")
    return parser.blocks


def _markdown_blocks(source: str) -> list[Block]:
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").render(source)
    if "<h" not in html:
        raise SourceError("the Markdown has no headings (lines starting with #); add headings and import again")
    return _html_blocks(html)


def read_blocks(source: str, kind: str) -> list[Block]:
    """Blocks from a source of kind "text", "markdown" or "html"."""
    if kind == "html":
        return _html_blocks(source)
    if kind == "markdown":
        return _markdown_blocks(source)
    return _text_blocks(source)


def guess_kind(path: Path, source: str) -> str:
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm", ".xhtml"):
        return "html"
    if suffix in (".md", ".markdown", ".mdown"):
        return "markdown"
    if re.search(r"<(html|body|h1|h2|p)\b", source[:4000], re.I):
        return "html"
    return "text"


# ---- from blocks to sections ----

def _is_furniture(text: str) -> bool:
    plain = _clean(text).strip(" .:!").lower()
    return plain in FURNITURE or bool(_READ_MORE_RE.match(plain))


def _is_question_heading(text: str) -> bool:
    plain = _clean(text)
    words = plain.split()
    return (plain.endswith("?") and not plain.endswith("??") and 3 <= len(words) <= MAX_HEADING_WORDS
            and words[0].lower() in QUESTION_WORDS and '"' not in plain and "\u201c" not in plain)


def _is_topic(block: Block) -> bool:
    plain = _clean(block.text)
    return (0 < len(plain.split()) <= MAX_TOPIC_WORDS and plain[-1] not in _TERMINAL and plain[0].isupper())


def _drop_unspoken(blocks: list[Block], title: str) -> list[Block]:
    kept: list[Block] = []
    in_contents = False
    for block in blocks:
        plain = _clean(block.text)
        if not plain or _is_furniture(plain) or plain.lower() == title.lower():
            continue
        if _CONTENTS_RE.match(plain) and len(plain.split()) <= 5:
            in_contents = True
            continue
        if in_contents and block.kind == "item":
            continue
        in_contents = False
        if _CALL_TO_ACTION_RE.search(plain):
            # An invitation to give an opinion just before a call to action belongs to it.
            if kept and kept[-1].kind == "para" and _clean(kept[-1].text).endswith("?") and len(kept[-1].text.split()) <= 6:
                kept.pop()
            continue
        kept.append(block)
    return kept


def _sections(blocks: list[Block], title: str) -> list[Draft]:
    drafts = [Draft(title, 1, section_id="overview")]
    for block in blocks:
        current = drafts[-1]
        plain = _clean(block.text)
        if block.kind == "heading" and block.level <= 1 and current.section_id == "overview" and not current.paragraphs:
            continue  # the title again
        if block.kind == "heading":
            drafts.append(Draft(plain, max(2, block.level)))
        elif block.kind == "para" and _is_question_heading(plain):
            drafts.append(Draft(plain, 2))
        elif block.marked and _is_topic(block):
            level = 3 if current.level >= 2 and current.section_id != "overview" else 2
            drafts.append(Draft(plain, level))
        elif block.kind == "para" and _SUMMARY_RE.match(plain) and current.section_id != "summary":
            drafts.append(Draft("In short", 2, section_id="summary"))
            drafts[-1].paragraphs.append(block.text)
        else:
            current.paragraphs.append(block.text)
    parent_id: str | None = None
    used: set[str] = set()
    for draft in drafts:
        text = " ".join(draft.paragraphs)
        draft.references = references(text)
        draft.paragraphs = [p for p in (speakable(p) for p in draft.paragraphs) if p]
        if not draft.section_id:
            draft.section_id = slugify(draft.heading)
        base, n = draft.section_id, 2
        while draft.section_id in used:
            draft.section_id, n = f"{base}-{n}", n + 1
        used.add(draft.section_id)
        if draft.level == 2:
            parent_id = draft.section_id
        elif draft.level >= 3:
            draft.parent = parent_id
    return [d for d in drafts if d.paragraphs]


def import_source(source: str, kind: str, article_id: str, source_name: str | None = None) -> dict[str, Any]:
    """The article as a YAML-ready dict; SourceError if it has no text or no headings."""
    blocks = read_blocks(source, kind)
    title_block = next((b for b in blocks if b.kind == "heading" and b.level == 1), None)
    if title_block is None:
        title_block = next((b for b in blocks if _clean(b.text)), None)
    if title_block is None:
        raise SourceError("the file has no text to import")
    title = _clean(title_block.text)
    drafts = _sections(_drop_unspoken(blocks, title), title)
    if len(drafts) < 2:
        raise SourceError("found no headings to split the article into sections; mark headings (a question on its "
                           "own line, a Markdown '#' or an HTML <h2>) and import again")
    sections: list[dict[str, Any]] = []
    for draft in drafts:
        section: dict[str, Any] = {"id": draft.section_id, "heading": speakable(draft.heading)}
        if draft.parent:
            section["parent"] = draft.parent
        section["text"] = "\n\n".join(draft.paragraphs) + "\n"
        if draft.references:
            section["references"] = draft.references
        sections.append(section)
    article: dict[str, Any] = {"schema": 1, "id": article_id, "title": speakable(title)}
    if source_name:
        article["source"] = source_name
    article["sections"] = sections
    return article


# ---- merging into an existing file, and writing ----

HAND_FIELDS = ("parent", "questions", "keywords")


def _key(heading: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", heading.lower()))


def merge(imported: dict[str, Any], existing: dict[str, Any], replace_text: bool = False) -> tuple[dict[str, Any], list[str]]:
    """Carry what was added by hand to ``existing`` into ``imported``; returns the article and notices."""
    notices: list[str] = []
    old_sections = {_key(s.get("heading", "")): s for s in existing.get("sections", []) if isinstance(s, dict)}
    matched: set[str] = set()
    merged_sections = []
    for section in imported["sections"]:
        old = old_sections.get(_key(section["heading"]))
        if old is None:
            merged_sections.append(section)
            continue
        matched.add(_key(section["heading"]))
        new = dict(section)
        new["id"] = old.get("id", section["id"])
        for name in HAND_FIELDS:
            if name in old:
                new[name] = old[name]
        if old.get("text") and old["text"].strip() != section["text"].strip():
            if replace_text:
                notices.append(f"section '{new['id']}': replaced your edited text with the source's")
            else:
                new["text"] = old["text"]
                notices.append(f"section '{new['id']}': kept your edited text (--replace-text takes the source's)")
        merged_sections.append({k: new[k] for k in ("id", "heading", "parent", "text", "references", "questions",
                                                    "keywords") if k in new})
    for key, old in old_sections.items():
        if key not in matched:
            merged_sections.append(old)
            notices.append(f"section '{old.get('id')}' is no longer in the source; kept it as it was")
    article = {**imported, **{k: existing[k] for k in ("id", "title", "about", "warnings") if k in existing}}
    article["sections"] = merged_sections
    order = ("schema", "id", "title", "about", "source", "sections", "warnings")
    return {k: article[k] for k in order if k in article}, notices


class _Dumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    short = all(isinstance(v, (str, int)) and len(str(v)) <= 40 for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=short and bool(value))


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)


def dump(article: dict[str, Any]) -> str:
    """Deterministic YAML for an article dict."""
    return yaml.dump(article, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def read_source(path: Path) -> str:
    """The source file as text; SourceError with what to do if it is missing, unreadable or binary."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise SourceError(f"{path}: is a folder; give the article's file") from None
    except OSError as error:
        raise SourceError(f"{path}: cannot be read ({error.strerror or error})") from None
    if b"\x00" in data[:8192]:
        raise SourceError(f"{path}: looks like a binary file; give plain text, Markdown or HTML")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SourceError(f"{path}: not readable as text; save it as UTF-8")  # pragma: no cover - cp1252 takes most


def import_file(path: Path, articles_dir: Path, article_id: str | None = None,
                replace_text: bool = False) -> tuple[Path, list[str]]:
    """Import ``path`` into ``articles_dir/ID.yaml``; returns the written file and notices for the user."""
    from content.loader import ID_RE
    from content.store import write_atomically

    source = read_source(path)
    if article_id is not None and not ID_RE.match(article_id):
        raise SourceError(f"--id '{article_id}' must be lowercase letters and digits joined by hyphens")
    article_id = article_id or slugify(path.stem)
    article = import_source(source, guess_kind(path, source), article_id, path.name)
    target = articles_dir / f"{article_id}.yaml"
    notices: list[str] = []
    if target.exists():
        try:
            existing = yaml.safe_load(target.read_text(encoding="utf-8"))
        except (yaml.YAMLError, OSError, UnicodeDecodeError):
            raise SourceError(f"{target} exists and cannot be read as YAML; fix or move it, then import again") from None
        if not isinstance(existing, dict):
            raise SourceError(f"{target} exists and is not an article; fix or move it, then import again")
        article, notices = merge(article, existing, replace_text)
    text = dump(article)
    try:
        write_atomically(target, text, make_parents=True)
    except OSError as error:
        raise SourceError(f"cannot write {target} ({error.strerror or error}); check the folder's space and permissions") from None
    return target, notices
