from content.speech import SECTION_PAUSE_S, answer_script, article_script, sentences
from content.speakable import has_unspeakable


def test_sentences() -> None:
    assert sentences("Yep, you can. This is rare! Is it? (More on this later.) Fine...") == [
        "Yep, you can.", "This is rare!", "Is it?", "(More on this later.)", "Fine..."]
    assert sentences("Like acetaminophen & ibuprofen (e.g., Advil).") == [
        "Like acetaminophen and ibuprofen (for example, Advil)."]


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
            assert not has_unspeakable(utterance.text), utterance
            assert "accordion" not in utterance.text.lower() and "peanut" not in utterance.text.lower()


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
