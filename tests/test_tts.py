"""The real voices: pyttsx3 (espeak-ng) and Piper's joe voice, transcribed back with PocketSphinx."""

import pytest

from voice.tts import PiperVoice, SystemVoice, VoiceError, VoiceSettings, canonical, load_voice

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
    vocabularies = [{"core", "exercises", "strengthening", "pelvic", "area", "abdomen"},
                    {"how", "long", "backache", "epidural", "last"},
                    {"over", "counter", "medication", "acetaminophen", "ibuprofen", "life", "savers"}]
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
    impatient = SystemVoice(VoiceSettings(), timeout_s=0.000001)
    with impatient, pytest.raises(VoiceError, match="did not answer"):
        impatient.say("This sentence takes longer than a microsecond.")
    assert system.say("The next sentence still works.").seconds > 0.5


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
