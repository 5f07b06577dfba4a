"""The matcher on the project's own question sets, through the dialogue, as `ask --json` answers them."""

import pytest

from benchmarks.matcher import QUESTION_SETS, command_accuracy, evaluate, load_set
from content.dialogue import Dialogue, sentence_model_wanted
from content.speakable import has_unspeakable
from tests.conftest import ROOT

SECTION_IDS = {"overview", "can-epidural-cause-back-pain", "causes", "how-common", "relief", "rest", "painkillers",
               "exercise", "physical-therapy", "duration", "long-term", "damage", "tell-apart", "summary"}
FURNITURE = ("close accordion", "popular on the blog", "trending in our community", "read more", "peanut")
PRESENT = [name for name in QUESTION_SETS if (ROOT / "tests" / "data" / name).exists()]


def test_the_question_set_is_big_enough_and_valid() -> None:
    items = load_set("questions.yaml")
    in_scope = [i for i in items if i["accept"]]
    assert len(in_scope) >= 200
    assert len(items) - len(in_scope) >= 30
    assert sum(1 for i in items if i.get("urgent")) >= 10
    for item in items:
        assert set(item["accept"]) <= SECTION_IDS, item
    assert {s for i in in_scope for s in i["accept"]} == SECTION_IDS


FLOORS = {
    # set: (right section, out-of-scope declined, warning signs answered urgently)
    "questions.yaml": (0.96, 0.95, 0.92),
    "questions_independent.yaml": (0.95, 0.92, 0.95),
    "questions_holdout.yaml": (0.93, 0.95, 0.90),
    "questions_blind.yaml": (0.90, 0.88, 0.92),
    "questions_blind2.yaml": (0.95, 0.95, 0.92),
    # Held out (85.4% / 85.7% / 87.5% on its first run): a floor against regressions, not a target.
    "questions_blind3.yaml": (0.85, 0.85, 0.90),
    # Held out entirely (86.6% / 93.5% / 87.5% on its first run, the matcher untouched since).
    "questions_blind4.yaml": (0.85, 0.90, 0.85),
}


FUSED_FLOORS = {
    # The lexical matcher with the sentence model's second opinion (content/embedding.py), when it is installed.
    # Its weights were chosen on the first two sets only; measured: 98.0/100/92.9, 97.0/98.0/100, 95.0/97.0/92.3,
    # 94.7/89.3/94.4, 97.2/98.3/94.1, 90.0/89.3/93.8.
    "questions.yaml": (0.97, 0.95, 0.92),
    "questions_independent.yaml": (0.96, 0.94, 0.95),
    "questions_holdout.yaml": (0.94, 0.95, 0.90),
    "questions_blind.yaml": (0.93, 0.88, 0.92),
    "questions_blind2.yaml": (0.96, 0.95, 0.92),
    "questions_blind3.yaml": (0.89, 0.87, 0.90),
    # Held out from both: 91.7% / 93.5% / 87.5% on its first run with the sentence model (86.6% without).
    "questions_blind4.yaml": (0.90, 0.90, 0.85),
}


def _check(scores, floors: tuple[float, float, float]) -> None:  # type: ignore[no-untyped-def]
    misses = "\n".join(map(str, scores.misses))
    right, declined, urgent = floors
    assert scores.right_rate >= right, misses
    assert scores.declined_rate >= declined, misses
    assert scores.urgent_rate >= urgent, misses


@pytest.mark.parametrize("name", PRESENT)
def test_accuracy(library, name: str) -> None:
    """The lexical matcher alone, whether or not the sentence model is installed."""
    _check(evaluate(load_set(name), Dialogue(library, understanding=False).reply), FLOORS[name])


@pytest.mark.skipif(not sentence_model_wanted(), reason="the sentence model is not installed (or is turned off)")
@pytest.mark.parametrize("name", [n for n in PRESENT if n in FUSED_FLOORS])
def test_accuracy_with_the_sentence_model(library, name: str) -> None:
    _check(evaluate(load_set(name), Dialogue(library, understanding=True).reply), FUSED_FLOORS[name])


def test_commands() -> None:
    right, total, wrong = command_accuracy(load_set("commands.yaml"))
    assert right / total >= 0.95, wrong


def test_no_answer_holds_anything_unspeakable(library) -> None:
    dialogue = Dialogue(library)
    utterances = [i["q"] for i in load_set("questions.yaml")] + ["what can I ask", "read the whole article"]
    utterances += ["next"] * 16
    for utterance in utterances:
        answer = dialogue.reply(utterance).answer
        assert not has_unspeakable(answer), (utterance, answer)
        assert not any(f in answer.lower() for f in FURNITURE), (utterance, answer)
