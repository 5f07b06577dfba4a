"""Property tests: no input makes the importer, the loader or the matcher raise anything but their own errors."""

from hypothesis import given, settings
from hypothesis import strategies as st

from content.dialogue import Dialogue
from content.importer import SourceError, import_source
from content.loader import ContentError, from_yaml
from content.speakable import has_unspeakable, speakable

TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=400)
LINES = st.lists(st.one_of(TEXT, st.sampled_from(["", "  • 💊 Pain killers", "Can you get it?", "[4]", "Close accordion",
                                                 "# Title", "## How long?", "<h2>x</h2>", "<p>y</p>", "- item"])),
                 max_size=30)


@settings(max_examples=150, deadline=None)
@given(lines=LINES, kind=st.sampled_from(["text", "markdown", "html"]))
def test_importer_never_crashes(lines: list[str], kind: str) -> None:
    try:
        article = import_source("\n".join(lines), kind, "fuzz")
    except SourceError:
        return
    for section in article["sections"]:
        assert not has_unspeakable(section["text"])


@settings(max_examples=200, deadline=None)
@given(text=TEXT)
def test_loader_never_crashes(text: str) -> None:
    try:
        from_yaml(text, "fuzz.yaml")
    except ContentError as error:
        assert "\n" not in str(error)


@settings(max_examples=300, deadline=None)
@given(question=TEXT)
def test_dialogue_never_crashes(library, question: str) -> None:
    reply = Dialogue(library).reply(question)
    assert reply.kind in ("answer", "urgent", "clarify", "not-covered", "command")
    assert 0.0 <= reply.confidence <= 1.0
    assert not has_unspeakable(reply.answer)


@settings(max_examples=200, deadline=None)
@given(text=TEXT)
def test_speakable_is_idempotent_and_clean(text: str) -> None:
    once = speakable(text)
    assert not has_unspeakable(once)
    assert speakable(once) == once
