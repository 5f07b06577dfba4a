from pathlib import Path

import pytest

from content.loader import ARTICLES_DIR, ContentError, from_yaml, load_library

GOOD = """\
schema: 1
id: tiny
title: A tiny article
sections:
  - id: overview
    heading: A tiny article
    text: |
      First paragraph. [2]

      Second paragraph 🙏.
  - id: child
    heading: A child
    parent: overview
    text: Child text.
    questions: [what about the child]
warnings:
  - id: numb
    when: [[numb|tingling], [weak, leg|legs]]
    advice: Call your doctor.
    section: child
"""


def test_loads_a_good_article() -> None:
    article = from_yaml(GOOD, "tiny.yaml")
    assert [s.id for s in article.sections] == ["overview", "child"]
    assert article.section("overview").paragraphs == ("First paragraph.", "Second paragraph.")
    assert article.section("child").parent == "overview"
    assert article.children("overview")[0].id == "child"
    assert article.warnings[0].when == ((("numb", "tingling"),), (("weak",), ("leg", "legs")))


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (("schema: 1", "schema: 2"), 1, "schema must be 1"),
        (("id: tiny", "id: Tiny Article"), 2, "lowercase letters and digits"),
        (("    parent: overview", "    parent: nowhere"), 13, "parent 'nowhere' is not an earlier section"),
        (("  - id: child", "  - id: overview"), 11, "used twice"),
        (("    text: Child text.", "    text: ''"), 14, "must not be empty"),
        (("    questions: [what about the child]", "    questions: what about the child"), 15, "must be a list"),
        (("    heading: A child", "    headline: A child"), 11, "'heading' is missing"),
        (("    section: child", "    section: elsewhere"), 20, "section 'elsewhere' is not in the article"),
        (("title: A tiny article", "title: [unclosed"), 4, "not valid YAML"),
        (("    advice: Call your doctor.", "    advice: Call your doctor.\n    colour: red"), 20, "unknown key 'colour'"),
    ],
)
def test_broken_articles_name_file_line_and_problem(change: tuple[str, str], line: int, words: str) -> None:
    broken = GOOD.replace(*change)
    assert broken != GOOD
    with pytest.raises(ContentError) as caught:
        from_yaml(broken, "tiny.yaml")
    message = str(caught.value)
    assert message.startswith(f"tiny.yaml:{line}: "), message
    assert words in message
    assert "\n" not in message


def test_empty_file() -> None:
    with pytest.raises(ContentError, match="tiny.yaml: the file is empty"):
        from_yaml("", "tiny.yaml")


def test_one_broken_article_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD.replace("id: tiny", "id: other").replace("schema: 1", "schema: x"))
    (tmp_path / "c.yaml").write_bytes(b"\xff\xfe\x00 binary")
    library = load_library(sorted(tmp_path.glob("*.yaml")))
    assert [a.id for a in library.articles] == ["tiny"]
    assert len(library.errors) == 2
    assert "b.yaml:1: schema must be 1" in str(library.errors[0])
    assert "c.yaml: not UTF-8" in str(library.errors[1])


def test_every_shipped_article_loads() -> None:
    paths = sorted(ARTICLES_DIR.glob("*.yaml"))
    assert paths
    library = load_library(paths)
    assert not library.errors
    assert len(library.articles) == len(paths)
