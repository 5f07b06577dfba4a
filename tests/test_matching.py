"""Tiny input → result tables for the matcher's parts, over the shipped article."""

import pytest

from content.dialogue import Dialogue
from content.matching import Matcher, command, plain_text, terms, warning_signs


@pytest.fixture(scope="module")
def matcher(library) -> Matcher:
    return Matcher(library.articles)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("my back hurts", "my back is sore"),
        ("my back aches", "back pain"),
        ("ibuprofen", "painkillers"),
        ("paracetamol", "medicine"),
        ("acetaminophen", "pain killers"),
        ("physio", "physical therapy"),
        ("forever", "permanent"),
        ("years", "chronic"),
        ("can't move", "can not move"),
        ("um so like how long uh", "how long"),
    ],
)
def test_synonyms_and_filler_give_the_same_terms(a: str, b: str) -> None:
    assert terms(a) == terms(b)


@pytest.mark.parametrize(
    ("slip", "section"),
    [
        ("can I take ibuprofin", "painkillers"),
        ("epidermal back pain how long", "duration"),
        ("should I see a phisiotherapist", "physical-therapy"),
        ("is it permanant", "long-term"),
    ],
)
def test_small_slips_still_match(matcher: Matcher, slip: str, section: str) -> None:
    assert matcher.rank(slip).best.section == section


def test_plain_text_spells_out_contractions() -> None:
    assert plain_text("I can’t — won't it's") == "i can not will not it is"


@pytest.mark.parametrize(
    ("utterance", "name"),
    [
        ("what can I ask", "topics"), ("read the whole article", "read"), ("next", "next"),
        ("um, go back", "previous"), ("previous", "previous"), ("say that again", "repeat"),
        ("tell me more", "more"), ("hold on", "pause"), ("pause", "pause"), ("carry on", "resume"),
        ("resume", "resume"), ("stop", "stop"), ("that's enough", "stop"), ("slow down please", "slower"),
        ("faster", "faster"), ("pasue", "pause"), ("start from the very beginning please", "read"),
    ],
)
def test_commands(utterance: str, name: str) -> None:
    assert command(utterance) == name


@pytest.mark.parametrize(
    "question",
    ["how do I stop the pain", "will resting help me stop hurting", "what else can cause back pain", "read about yoga?",
     "can I go back to the gym", "when will it stop", "my back pain won't stop", "how do I make it stop",
     "I want it to stop", "are there any moves to strengthen my tummy and back"],
)
def test_questions_that_contain_command_words_are_not_commands(question: str) -> None:
    assert command(question) is None


@pytest.mark.parametrize(
    ("question", "warning"),
    [
        ("my legs feel numb", "numbness"),
        ("I have pins and needles in my foot", "numbness"),
        ("my legs are weak since the birth", "leg-weakness"),
        ("I can't move my legs properly", "leg-weakness"),
        ("the pain is unbearable", "severe-pain"),
        ("my back is getting worse", "severe-pain"),
        ("it's been three weeks and my back still hurts", "lasting-pain"),
    ],
)
def test_warning_signs(library, question: str, warning: str) -> None:
    found = [w.id for w in warning_signs(question, library.articles[0].warnings)]
    assert warning in found


@pytest.mark.parametrize("question", ["how long will my back hurt", "can I take ibuprofen", "is back pain common"])
def test_no_warning_in_ordinary_questions(library, question: str) -> None:
    assert warning_signs(question, library.articles[0].warnings) == []


def test_urgent_reply_says_doctor_first_then_the_section(library) -> None:
    reply = Dialogue(library).reply("my legs have gone numb since the epidural, is that normal?")
    assert reply.kind == "urgent"
    assert reply.answer.startswith("The article says")
    assert "doctor" in reply.answer.split(".")[0] + reply.answer.split(".")[1]
    assert reply.section in ("causes", "damage", "tell-apart", "can-epidural-cause-back-pain")
    section = library.articles[0].section(reply.section)
    assert section.paragraphs[0] in reply.answer


def test_idioms_are_not_topics(matcher: Matcher) -> None:
    assert "rest" not in matcher.terms("what's the weather like for the rest of the week")
    assert "rest" in matcher.terms("should I rest my back")


def test_clarify_then_choose(library) -> None:
    dialogue = Dialogue(library)
    dialogue.choices = tuple(dialogue.matcher.rank("how long will it last").matches[:2])
    first, second = dialogue.choices
    assert dialogue.reply("the second one").section == second.section
    dialogue.choices = (first, second)
    assert dialogue.reply("the first").section == first.section
    dialogue.choices = (first, second)
    assert dialogue.reply("can I do yoga").section == "exercise"  # a new question, not a choice
