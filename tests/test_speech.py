import re

from content.speech import SECTION_PAUSE_S, answer_script, article_script, for_voice, sentences
from content.speakable import has_unspeakable
from tests.conftest import SEED

UNSAID = re.compile(r"[*_#<>|~^{}\[\]\\`=•]|https?:|www\.")
"""What a voice must never be given: markup it would read out ("asterisk", "hash"), markers, bullets, links."""


def test_sentences() -> None:
    assert sentences("Yep, you can. This is rare! Is it? (More on this later.) Fine...") == [
        "Yep, you can.", "This is rare!", "Is it?", "(More on this later.)", "Fine..."]
    assert sentences("Like acetaminophen & ibuprofen (e.g., Advil).") == [
        "Like acetaminophen and ibuprofen (for example, Advil)."]
    assert sentences("Dr. Smith says rest. Mrs. Jones agrees. Is it 1.5 days?") == [
        "Dr. Smith says rest.", "Mrs. Jones agrees.", "Is it 1.5 days?"]


def test_article_script_announces_headings_and_pauses(library) -> None:
    article = library.articles[0]
    script = article_script(article)
    headings = [u for u in script if u.heading]
    assert len(headings) == len(article.sections)
    assert headings[0].text == article.sections[0].heading
    assert headings[1].text == "Next: Can you get back pain from an epidural?"
    assert headings[6].text == "Next: Pain killers and medicines."
    ends = [i for i in range(len(script) - 1) if script[i].section != script[i + 1].section]
    assert all(script[i].pause_s == SECTION_PAUSE_S for i in ends)
    assert [u.section for u in script if u.heading] == [s.id for s in article.sections]


def test_nothing_unspeakable_reaches_a_voice(library) -> None:
    for article in library.articles:
        for utterance in article_script(article):
            said = for_voice(utterance.text)
            assert not has_unspeakable(said) and not UNSAID.search(said), utterance
            for furniture in ("accordion", "peanut", "popular on the blog", "read more", "download"):
                assert furniture not in said.lower(), utterance


def test_the_guard_on_the_raw_scraped_article() -> None:
    # Whatever reaches a voice passes for_voice: even the scraped page, emoji fragments and all, comes out clean.
    raw = SEED.read_text(encoding="utf-8")
    assert has_unspeakable(raw)
    for line in raw.splitlines():
        said = for_voice(line)
        assert not has_unspeakable(said) and not UNSAID.search(said), (line, said)


def test_symbols_abbreviations_markup_and_drug_names() -> None:
    assert for_voice("Rest & relax, e.g. a nap.") == "Rest and relax, for example, a nap."
    assert for_voice("**Rest** 👏 [4] • see https://example.com/x <b>now</b>") == "Rest see now"
    assert for_voice("Acetaminophen, ibuprofen or cortisone after Epidurals?") == (
        "a seeta minnofen, ibuprofen or cortisone after eppa-durals?")
    assert for_voice("💊 [4] •") == ""


def test_answer_script_keeps_the_paragraph_pause() -> None:
    script = answer_script("One. Two.\n\nThree.")
    assert [u.text for u in script] == ["One.", "Two.", "Three."]
    assert script[1].pause_s > script[0].pause_s


def test_a_long_first_sentence_is_split_at_a_comma_for_a_quick_start() -> None:
    script = answer_script("Well, the epidural itself is an injection that goes into the spine, into the epidural space. "
                           "Two.")
    assert [u.text for u in script] == ["Well, the epidural itself is an injection that goes into the spine,",
                                        "into the epidural space.", "Two."]
    assert [u.text for u in answer_script("Short, and sweet. Two.")] == ["Short, and sweet.", "Two."]
