"""End of speech: the real detectors over the project's spoken WAVs, silence and noise; no clock anywhere."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import ROOT
from voice.audio import Audio, silence
from voice.vad import (DETECTORS, Dropped, Ended, EndpointSettings, Endpointer, Heard, Started, TooLong, VadError,
                       load_detector)
from voice.wav import read_wav

AUDIO = ROOT / "tests" / "data" / "audio"


def feed(endpointer: Endpointer, audio: Audio, chunk_s: float = 0.03) -> list[object]:
    step = int(chunk_s * 16000) * 2
    events: list[object] = []
    for start in range(0, len(audio.pcm), step):
        events += endpointer.process(Audio(audio.pcm[start:start + step]))
    return events


def noise(seconds: float, level: float, seed: int = 1) -> Audio:
    rng = np.random.default_rng(seed)
    return Audio((rng.standard_normal(int(seconds * 16000)) * level).clip(-32768, 32767).astype("<i2").tobytes())


def spoken(audio: Audio) -> Audio:
    """The audio from its first to its last loud 10 ms."""
    samples = np.frombuffer(audio.pcm, dtype="<i2")
    loud = np.nonzero(np.abs(samples[: len(samples) // 160 * 160].reshape(-1, 160)).max(axis=1) > 500)[0]
    return Audio(samples[loud[0] * 160:(loud[-1] + 1) * 160].tobytes())


@pytest.mark.parametrize("name", DETECTORS)
def test_each_detector_finds_one_question(name: str) -> None:
    question = read_wav(AUDIO / "how-long-will-my-back-hurt.joe.wav")
    events = feed(Endpointer(load_detector(name), EndpointSettings(silence_s=0.75)), question + silence(1.5))
    kinds = [type(e) for e in events if not isinstance(e, Heard)]
    assert kinds == [Started, Ended], events


def test_the_utterance_is_the_question_with_pre_roll_and_heard_adds_up_to_it() -> None:
    question = read_wav(AUDIO / "can-i-take-ibuprofen-for-the-pain.joe.wav")
    events = feed(Endpointer(load_detector()), silence(1.0) + question + silence(1.0))
    started = next(e for e in events if isinstance(e, Started))
    ended = next(e for e in events if isinstance(e, Ended))
    heard = b"".join(e.audio.pcm for e in events if isinstance(e, Heard))
    assert heard == ended.audio.pcm
    # the file has 0.4 s of room before the speech; with 1 s of silence in front the speech starts near 1.4 s
    assert 1.2 < started.at_s < 1.7
    assert ended.at_s - ended.speech_end_s == pytest.approx(0.6, abs=0.04)
    assert ended.audio.seconds > question.seconds - 0.8 + 0.3  # the speech, the pre-roll, the trailing silence


def test_a_400_ms_pause_does_not_end_the_question() -> None:
    first = read_wav(AUDIO / "how-long-will-my-back-hurt.joe.wav")
    second = read_wav(AUDIO / "can-i-take-ibuprofen-for-the-pain.joe.wav")
    # without the files' own room sound at the ends, the gap is the 0.4 s pause alone
    speech = spoken(first) + silence(0.4) + spoken(second)
    events = feed(Endpointer(load_detector()), speech + silence(1.0))
    assert sum(isinstance(e, Ended) for e in events) == 1


def test_silence_and_steady_noise_start_nothing() -> None:
    endpointer = Endpointer(load_detector())
    assert feed(endpointer, silence(5.0)) == []
    assert feed(endpointer, noise(10.0, 300)) == []


def test_too_long_cuts_at_the_maximum() -> None:
    question = read_wav(AUDIO / "is-it-normal-to-have-back-pain-after-an-epidural.joe.wav")
    events = feed(Endpointer(load_detector(), EndpointSettings(max_s=2.0)), question + silence(1.0))
    too_long = [e for e in events if isinstance(e, TooLong)]
    assert len(too_long) == 1 and too_long[0].audio.seconds == pytest.approx(2.0, abs=0.05)


def test_a_click_is_dropped() -> None:
    click = noise(0.06, 8000)
    events = feed(Endpointer(load_detector("webrtc")), silence(0.5) + click + silence(1.0))
    assert not any(isinstance(e, Ended) for e in events)
    assert all(isinstance(e, (Started, Heard, Dropped)) for e in events)


def test_reset_forgets_a_half_heard_utterance() -> None:
    question = read_wav(AUDIO / "how-long-will-my-back-hurt.joe.wav")
    endpointer = Endpointer(load_detector())
    feed(endpointer, Audio(question.pcm[: len(question.pcm) // 2]))
    assert endpointer.in_speech
    endpointer.reset()
    assert not endpointer.in_speech and endpointer.silence_s == 0.0
    assert feed(endpointer, silence(2.0)) == []


def test_chunk_size_does_not_matter() -> None:
    question = read_wav(AUDIO / "what-can-i-ask.joe.wav") + silence(1.0)
    ends = []
    for chunk_s in (0.01, 0.03, 0.1, 0.25):
        events = feed(Endpointer(load_detector()), question, chunk_s)
        ends.append([round(e.at_s, 3) for e in events if isinstance(e, Ended)])
    assert ends[0] == ends[1] == ends[2] == ends[3] and len(ends[0]) == 1


def test_an_unknown_detector_says_which_exist() -> None:
    with pytest.raises(VadError, match="choose one of webrtc, micro, silero"):
        load_detector("nope")

