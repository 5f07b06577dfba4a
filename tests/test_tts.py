"""The real voices: pyttsx3 (espeak-ng) and Piper's joe voice, transcribed back with PocketSphinx."""

import os
import signal
from array import array

import pytest

from voice.audio import Audio, silence
from voice.tts import FallbackVoice, PiperVoice, SystemVoice, VoiceError, VoiceSettings, canonical, load_voice, trimmed

SENTENCES = [
    ("Soreness at the injection site usually only sticks around for a few days.", {"injection", "few", "days"}),
    ("Over-the-counter medication, like acetaminophen and ibuprofen, are little life savers.",
     {"acetaminophen", "ibuprofen"}),
    ("Core exercises are a good idea for strengthening your pelvic area and abdomen.", {"core", "exercises"}),
]


@pytest.fixture(scope="module")
def system():
    with SystemVoice(VoiceSettings()) as voice:
        yield voice


@pytest.fixture(scope="module")
def piper():
    with PiperVoice(VoiceSettings()) as voice:
        yield voice


def test_system_voice_sentence_after_sentence(system, transcribe) -> None:
    # pyttsx3 2.99 lost or swapped every other sentence when one engine was reused; each must be its own. espeak-ng
    # is hard for PocketSphinx to transcribe word for word, so each transcript must point at its own sentence.
    texts = ["Core exercises are a good idea for strengthening your pelvic area and abdomen.",
             "How long does backache after an epidural last?",
             "Over-the-counter medication, like acetaminophen and ibuprofen, are little life savers."]
    vocabularies = [set(text.lower().replace(",", "").replace(".", "").replace("-", " ").split()) for text in texts]
    for index in [0, 1, 2, 2, 1, 0]:
        audio = system.say(texts[index])
        assert audio.rate_hz == 22050 and 1.5 < audio.seconds < 12
        heard = set(transcribe(audio).split())
        overlaps = [len(heard & words) for words in vocabularies]
        assert overlaps.index(max(overlaps)) == index and overlaps.count(max(overlaps)) == 1, (texts[index], heard)


def test_piper_voice_is_transcribed_back(piper, transcribe) -> None:
    for text, words in SENTENCES:
        said = set(transcribe(piper.say(text)).split())
        assert len(words & said) >= len(words) - 1, (text, said)


def test_speed_changes_duration(piper) -> None:
    normal = piper.say("How long does backache after an epidural last?").seconds
    piper.settings = VoiceSettings(speed=1.5)
    try:
        fast = piper.say("How long does backache after an epidural last?").seconds
    finally:
        piper.settings = VoiceSettings()
    assert fast < normal * 0.8


def test_a_hung_sentence_fails_alone(system) -> None:
    # pyttsx3's run loop hanging (issues #126, #22), made real: the worker process is frozen
    with SystemVoice(VoiceSettings(), timeout_s=1.0) as voice:
        hung = voice._worker.process
        os.kill(hung.pid, signal.SIGSTOP)
        with pytest.raises(VoiceError, match="did not answer within 1 s; the next sentence gets a fresh voice"):
            voice.say("This sentence never comes.")
        assert hung.wait() == -signal.SIGKILL and voice._worker.process is not hung
        assert voice.say("The next sentence still works.").seconds > 0.5
    assert system.reusable  # espeak-ng on Linux: one worker for every sentence
    worker = system._worker.process
    system.say("One.")
    system.say("Two.")
    assert system._worker.process is worker


def test_nothing_unspeakable_is_sent(system) -> None:
    assert system.say("💊 [4] •").seconds < 0.3  # the guard leaves nothing but a breath


def test_voice_names() -> None:
    assert canonical("pyttsx3") == "system" and canonical("Piper") == "piper"
    with pytest.raises(VoiceError, match="unknown voice 'robot'; choose one of: system, piper"):
        canonical("robot")


def test_missing_voice_falls_back_with_a_notice(monkeypatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "piper" else real(name, *a))
    notices: list[str] = []
    with load_voice("piper", notice=notices.append) as voice:
        assert voice.name == "system"
    assert notices and "using the system voice instead" in notices[0]


def loudness(audio: Audio) -> float:
    samples = array("h", audio.pcm)
    return (sum(s * s for s in samples) / len(samples)) ** 0.5


@pytest.mark.parametrize("name", ["system", "piper"])
def test_volume_setting(name: str, system, piper) -> None:
    voice = system if name == "system" else piper
    full = voice.say("Rest, rest, rest.")
    voice.settings = VoiceSettings(volume=0.5)
    try:
        half = voice.say("Rest, rest, rest.")
    finally:
        voice.settings = VoiceSettings()
    assert 0.4 < loudness(half) / loudness(full) < 0.6


def test_the_voices_own_silence_is_trimmed(system, piper) -> None:
    tone = Audio(array("h", [3000, -3000] * 2205).tobytes(), 22050)
    padded = silence(0.4, 22050) + tone + silence(0.5, 22050)
    assert abs(trimmed(padded).seconds - (tone.seconds + 0.06)) < 0.001
    assert trimmed(silence(1.0, 22050)).seconds == 0
    for voice, own_silence_s in ((system, 0.2), (piper, 0.05)):
        raw, said = voice.synthesize("Yes."), voice.say("Yes.")
        assert said.seconds < raw.seconds - own_silence_s and said.seconds > 0.2
        assert trimmed(said) == said


def test_a_corrupt_or_missing_piper_model_is_a_voice_error(tmp_path) -> None:
    broken = tmp_path / "broken.onnx"
    with pytest.raises(VoiceError, match="is missing; reinstall"):
        PiperVoice(VoiceSettings(), model=broken)
    broken.write_bytes(b"not a model")
    broken.with_name("broken.onnx.json").write_text("{}")
    with pytest.raises(VoiceError, match="broken.onnx does not load"):
        PiperVoice(VoiceSettings(), model=broken)


def test_one_worker_per_sentence_where_pyttsx3_cannot_be_reused() -> None:
    # SAPI5 and NSSpeechSynthesizer workers say they are not reusable; this runs that path on espeak-ng
    from voice.tts import _Worker

    with SystemVoice(VoiceSettings()) as voice:
        voice.reusable, voice._spare = False, _Worker()
        seen = set()
        for text in ("One.", "Two.", "Three."):
            seen.add(voice._worker.process.pid)
            assert voice.say(text).seconds > 0.2
        assert len(seen) == 3 and voice._spare is not None


def test_a_voice_that_hangs_mid_session_hands_over_to_the_other(piper) -> None:
    notices: list[str] = []
    with FallbackVoice(SystemVoice(VoiceSettings(), timeout_s=1.0), lambda settings: piper, notices.append) as voice:
        first = voice.say("The first sentence.")
        os.kill(voice._voice._worker.process.pid, signal.SIGSTOP)  # type: ignore[attr-defined]
        second = voice.say("The second sentence still comes.")
        third = voice.say("And the third.")
        assert voice._voice is piper
    assert len(notices) == 1 and "did not answer within 1 s" in notices[0] and "switching to the piper voice" in notices[0]
    assert second.seconds > 0.5 and third.seconds > 0.3
    assert first.rate_hz == second.rate_hz == third.rate_hz


def test_when_both_voices_fail_the_error_says_so(system) -> None:
    def broken(settings: VoiceSettings) -> SystemVoice:
        raise VoiceError("the piper voice is not installed")

    inner = SystemVoice(VoiceSettings(), timeout_s=1.0)
    with FallbackVoice(inner, broken) as voice:
        os.kill(inner._worker.process.pid, signal.SIGSTOP)
        with pytest.raises(VoiceError, match="piper voice is not installed"):
            voice.say("Nobody can say this.")
