"""The wake phrase: the real detectors over spoken WAVs (tests/data/live, tests/data/audio)."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from voice.audio import Audio, silence
from voice.wake import ENGINES, KeyphraseDetector, WakeError, load_wake_detector, normalise
from voice.wav import read_wav

LIVE = ROOT / "tests" / "data" / "live"
AUDIO = ROOT / "tests" / "data" / "audio"


def wakes(detector, audio: Audio) -> int:  # type: ignore[no-untyped-def]
    count = 0
    for start in range(0, len(audio.pcm), 960):
        if detector.process(Audio(audio.pcm[start:start + 960])):
            count += 1
            detector.reset()
    return count


@pytest.mark.parametrize("engine", ["open", "keyphrase"])
def test_hey_jarvis_wakes_once(engine: str) -> None:
    detector = load_wake_detector("hey jarvis", engine)
    assert wakes(detector, read_wav(LIVE / "hey-jarvis-how-long-will-my-back-hurt.joe.wav") + silence(0.5)) == 1


def test_the_default_is_the_trained_model_and_it_hears_other_voices() -> None:
    detector = load_wake_detector()
    assert (detector.engine, detector.phrase) == ("open", "hey jarvis")
    assert wakes(detector, read_wav(LIVE / "hey-jarvis.festival-slt.wav") + silence(0.5)) == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_questions_without_the_phrase_do_not_wake(engine: str) -> None:
    detector = load_wake_detector("hey jarvis", engine)
    for path in sorted(AUDIO.glob("*.wav")):
        assert wakes(detector, read_wav(path)) == 0, path.name


def test_any_phrase_is_spotted_by_the_recognizer() -> None:
    detector = load_wake_detector("Hello, Guide!")
    assert isinstance(detector, KeyphraseDetector) and detector.phrase == "hello guide"


def test_a_phrase_it_cannot_pronounce_is_one_clear_error() -> None:
    with pytest.raises(WakeError, match="cannot pronounce xqzzv"):
        load_wake_detector("hey xqzzv")
    with pytest.raises(WakeError, match="--no-wake"):
        load_wake_detector("  ?! ")


def test_phrases_are_normalised() -> None:
    assert normalise("Hey, Jarvis!") == "hey jarvis"
    assert load_wake_detector("OK Nabu").engine == "open"
