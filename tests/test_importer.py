from pathlib import Path

import pytest
import yaml

from content.importer import SourceError, dump, import_file, import_source, read_source
from content.loader import from_yaml, load_article
from content.speakable import has_unspeakable
from tests.conftest import ARTICLE, SEED

FURNITURE = ("Close accordion", "Popular on the blog", "Trending in our community", "Read More", "Peanut",
             "In this article", "What do you think")


@pytest.fixture(scope="module")
def seed_article() -> dict:
    return import_source(read_source(SEED), "text", "back-pain-after-epidural", SEED.name)


def test_seed_sections_in_order(seed_article: dict) -> None:
    headings = [s["heading"] for s in seed_article["sections"]]
    assert headings == [
        "Back Pain After Epidural: Is It Normal?",
        "Can you get back pain from an epidural?",
        "How are epidural backaches caused?",
        "How common is back pain after epidurals?",
        "How can you relieve epidural back pain?",
        "Rest, rest, rest",
        "Pain killers and medicines",
        "Exercise",
        "Physical therapy",
        "How long does backache after an epidural last?",
        "Can epidurals cause long-term or chronic backache?",
        "Can an epidural damage your back?",
        "How can you tell your backache is from your epidural, and not something else?",
        "In short",
    ]
    parents = {s["heading"]: s.get("parent") for s in seed_article["sections"]}
    assert parents["Physical therapy"] == parents["Rest, rest, rest"] == "how-can-you-relieve-epidural-back-pain"
    assert parents["How long does backache after an epidural last?"] is None


def test_seed_has_nothing_unspeakable(seed_article: dict) -> None:
    text = dump(seed_article)
    body = "\n".join(s["text"] for s in seed_article["sections"])
    assert not has_unspeakable(body)
    for furniture in FURNITURE:
        assert furniture.lower() not in body.lower(), furniture
    assert body.count("Back Pain After Epidural") == 0  # the title is the heading, never repeated in the text
    assert "•" not in text


def test_seed_keeps_references_as_data(seed_article: dict) -> None:
    refs = {s["heading"]: s.get("references") for s in seed_article["sections"]}
    assert refs["Can you get back pain from an epidural?"] == [1, 2, 3]
    assert refs["Can epidurals cause long-term or chronic backache?"] == [5, 6]


def test_summary_drops_the_call_to_action(seed_article: dict) -> None:
    summary = seed_article["sections"][-1]
    assert summary["id"] == "summary"
    assert summary["text"].startswith("So, in short, epidurals can cause some temporary back pain initially.")
    assert summary["text"].rstrip().endswith("caused more long-lasting back pain...")


def test_import_is_deterministic_and_loads(tmp_path: Path) -> None:
    first, _ = import_file(SEED, tmp_path, "seed")
    once = first.read_text()
    second, notices = import_file(SEED, tmp_path, "seed")
    assert second.read_text() == once
    assert notices == []
    assert len(load_article(first).sections) == 14


def test_reimport_keeps_what_was_added_by_hand(tmp_path: Path) -> None:
    target = tmp_path / "back-pain-after-epidural.yaml"
    target.write_text(ARTICLE.read_text())
    before = yaml.safe_load(ARTICLE.read_text())
    _, notices = import_file(SEED, tmp_path, "back-pain-after-epidural")
    after = yaml.safe_load(target.read_text())
    assert after == before, notices


def test_reimport_reports_kept_text_and_can_replace_it(tmp_path: Path) -> None:
    path, _ = import_file(SEED, tmp_path, "seed")
    data = yaml.safe_load(path.read_text())
    data["sections"][3]["text"] = "My own words.\n"
    data["sections"][3]["questions"] = ["is this common"]
    data["sections"].append({"id": "extra", "heading": "My extra notes", "text": "Mine.\n"})
    path.write_text(dump(data))
    _, notices = import_file(SEED, tmp_path, "seed")
    kept = yaml.safe_load(path.read_text())
    assert kept["sections"][3]["text"] == "My own words.\n"
    assert kept["sections"][3]["questions"] == ["is this common"]
    assert kept["sections"][-1]["id"] == "extra"
    assert any("kept your edited text" in n for n in notices)
    assert any("'extra' is no longer in the source" in n for n in notices)
    _, notices = import_file(SEED, tmp_path, "seed", replace_text=True)
    replaced = yaml.safe_load(path.read_text())
    assert replaced["sections"][3]["text"].startswith("Short-term back pain is quite common")
    assert replaced["sections"][3]["questions"] == ["is this common"]


MARKDOWN = """\
# Sleeping with a newborn

A short intro [1] 😴.

## How much do newborns sleep?

Newborns sleep a lot, about 16 hours a day.

- First point of the list.
- Second point.

## Where should the baby sleep?

On their back, in their own cot.

Read more: our other guide
"""

HTML = """\
<html><head><title>x</title><script>var a = 1;</script></head><body>
<nav><a href="/">Home</a></nav>
<h1>Sleeping with a newborn</h1>
<p>A short intro &amp; more.</p>
<h2>How much do newborns sleep?</h2>
<p>Newborns sleep a lot.<br>Really.</p>
<h3>At night</h3><p>Longer stretches.</p>
<footer>Popular on the blog</footer>
</body></html>
"""


def test_markdown_import() -> None:
    article = import_source(MARKDOWN, "markdown", "sleep")
    assert [s["id"] for s in article["sections"]] == ["overview", "how-much-do-newborns-sleep",
                                                      "where-should-the-baby-sleep"]
    assert article["title"] == "Sleeping with a newborn"
    assert article["sections"][0]["text"] == "A short intro.\n"
    assert article["sections"][0]["references"] == [1]
    assert "Second point." in article["sections"][1]["text"]
    assert "Read more" not in dump(article)
    from_yaml(dump(article), "sleep.yaml")


def test_html_import() -> None:
    article = import_source(HTML, "html", "sleep")
    sections = article["sections"]
    assert [s["heading"] for s in sections] == ["Sleeping with a newborn", "How much do newborns sleep?", "At night"]
    assert sections[0]["text"] == "A short intro and more.\n"
    assert sections[2]["parent"] == "how-much-do-newborns-sleep"
    assert "var a" not in dump(article) and "Home" not in dump(article) and "Popular" not in dump(article)


@pytest.mark.parametrize(
    ("source", "kind", "words"),
    [
        ("<html><body><p>Only a paragraph.</p></body></html>", "html", "no headings"),
        ("Just text without any headings at all.", "markdown", "no headings"),
        ("Title\n\nJust one paragraph with a full stop.", "text", "no headings"),
        ("", "text", "no text"),
    ],
)
def test_sources_that_cannot_be_imported(source: str, kind: str, words: str) -> None:
    with pytest.raises(SourceError, match=words):
        import_source(source, kind, "x")


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        read_source(tmp_path / "missing.txt")
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(b"\xff\xd8\xff\x00\x00JFIF")
    with pytest.raises(SourceError, match="binary"):
        read_source(binary)
    with pytest.raises(SourceError, match="is a folder"):
        read_source(tmp_path)
