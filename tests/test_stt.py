"""The PocketSphinx recognizer on real audio, its domain language model, and the corpus it is built from."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from content.corpus import WAKE_PHRASE, build_corpus, expand, spell_number, tokens, vocabulary
from content.loader import Library
from voice.audio import Audio, silence
from voice.langmodel import build_language_model, load_dictionary, pronounce
from voice.stt import Transcriber, Transcript, load_transcriber
from voice.stt_pocketsphinx import PocketSphinxTranscriber
from voice.wav import read_wav

AUDIO = Path(__file__).resolve().parent / "data" / "audio"


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Models are built in a private cache folder, never the user's."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(folder))
        yield folder


@pytest.fixture(scope="module")
def transcriber(library: Library, cache: Path) -> Iterator[Transcriber]:
    recognizer = load_transcriber("pocketsphinx", library)
    yield recognizer
    recognizer.close()


# ---- the corpus (pure) ----

def test_the_corpus_holds_the_article_the_commands_and_the_wake_phrase(library: Library) -> None:
    corpus = build_corpus(library)
    sentences = {" ".join(s.words) for s in corpus}
    words = set(vocabulary(corpus))
    assert "how long does backache after an epidural last" in sentences  # a heading
    assert "can i take ibuprofen for it" in sentences  # a section's question
    assert "go back" in sentences and "read the whole article" in sentences  # commands
    assert WAKE_PHRASE in sentences
    assert {"acetaminophen", "physical", "therapy", "yoga", "pelvis"} <= words
    questions = [s for s in corpus if s.kind == "question"]
    texts = [s for s in corpus if s.kind == "text"]
    assert min(s.count for s in questions) > max(s.count for s in texts if len(s.words) > 3)


def test_a_wake_phrase_can_be_changed(library: Library) -> None:
    sentences = {" ".join(s.words) for s in build_corpus(library, wake_phrase="okay nabu")}
    assert "okay nabu" in sentences and WAKE_PHRASE not in sentences


@pytest.mark.parametrize(("pattern", "expected"), [
    ("(go )?back( one)?", {"back", "go back", "back one", "go back one"}),
    ("never ?mind", {"nevermind", "never mind"}),
    ("shh+", {"shh"}),
    (r"^((?!how )\w+ )", set()),  # lookarounds and classes are not phrasings
])
def test_command_patterns_become_phrasings(pattern: str, expected: set[str]) -> None:
    assert set(expand(pattern)) == expected


def test_expansions_are_capped_but_keep_every_word() -> None:
    phrasings = expand("(read|play)( me| out)? (the )?(whole|entire|full|complete) (article|thing|text)", limit=12)
    assert len(phrasings) == 12
    assert {"whole", "entire", "full", "complete", "article", "thing", "text"} <= {w for p in phrasings for w in p.split()}


def test_tokens_spell_numbers_as_they_are_said() -> None:
    assert tokens("In 2019, 24% of women (1 in 3) said it's fine") == [
        "in", "twenty", "nineteen", "twenty", "four", "percent", "of", "women", "one", "in", "three", "said", "it's",
        "fine"]
    assert spell_number(105) == "one hundred and five"


# ---- the language model ----

def test_words_the_dictionary_lacks_get_a_pronunciation() -> None:
    dictionary = load_dictionary()
    assert "postpartum" not in dictionary and "epidurals" not in dictionary
    assert pronounce("epidurals", dictionary) == dictionary["epidural"][0] + " Z"
    assert pronounce("paralysed", dictionary) == dictionary["paralyzed"][0]
    assert pronounce("postpartum", dictionary).startswith("P OW S T")
    assert pronounce("gp", dictionary) == "JH IY P IY"


def test_the_model_is_cached_and_rebuilt_when_the_content_changes(library: Library, tmp_path: Path) -> None:
    first = build_language_model(library, folder=tmp_path)
    again = build_language_model(library, folder=tmp_path)
    assert first.built and not again.built and again.key == first.key
    article = library.articles[0]
    extra = dataclasses.replace(article.sections[-1], id="sciatica", heading="Is it sciatica?",
                                questions=("could this be sciatica",))
    changed = Library((dataclasses.replace(article, sections=article.sections + (extra,)),))
    rebuilt = build_language_model(changed, folder=tmp_path)
    assert rebuilt.built and rebuilt.key != first.key
    assert "\nsciatica " in rebuilt.dict_path.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.key, rebuilt.key])  # no half-built folders


# ---- the recognizer on real audio ----

def test_a_clear_question_is_transcribed_word_for_word(transcriber: Transcriber) -> None:
    transcript = transcriber.transcribe(read_wav(AUDIO / "how-long-will-my-back-hurt.joe.wav"))
    assert transcript.is_final
    assert transcript.text == "how long will my back hurt"
    assert [w.text for w in transcript.words] == transcript.text.split()
    starts = [w.start for w in transcript.words]
    assert starts == sorted(starts) and 0.0 < starts[0] and transcript.words[-1].end < 3.0


def test_partial_transcripts_appear_while_the_audio_streams(transcriber: Transcriber) -> None:
    audio = read_wav(AUDIO / "can-i-take-ibuprofen-for-the-pain.joe.wav")
    step = 1600 * 2  # 100 ms chunks, as a microphone delivers them
    transcriber.start()
    partials: list[Transcript] = []
    for offset in range(0, len(audio.pcm), step):
        result = transcriber.accept(Audio(audio.pcm[offset:offset + step]))
        if result is not None:
            partials.append(result)
    final = transcriber.finish()
    assert partials and not any(p.is_final for p in partials)
    assert len({p.text for p in partials}) > 1  # it grows as the words arrive
    assert "ibuprofen" in final.text and final.is_final


def test_each_utterance_starts_afresh(transcriber: Transcriber) -> None:
    transcriber.start()
    transcriber.accept(read_wav(AUDIO / "what-can-i-ask.joe.wav"))
    transcriber.start()  # abandons the first
    transcriber.accept(read_wav(AUDIO / "how-long-will-my-back-hurt.festival-slt.wav"))
    assert "ask" not in transcriber.finish().text


def test_silence_gives_an_empty_transcript(transcriber: Transcriber) -> None:
    assert transcriber.transcribe(silence(1.5)).text == ""


def test_a_pocketsphinx_transcriber_from_the_model_directly(library: Library, tmp_path: Path) -> None:
    recognizer = PocketSphinxTranscriber(build_language_model(library, folder=tmp_path))
    assert recognizer.name == "pocketsphinx"
    assert "ibuprofen" in recognizer.transcribe(read_wav(AUDIO / "can-i-take-ibuprofen-for-the-pain.festival-kal.wav")).text
    recognizer.close()


# ---- noise suppression (an option, measured in the speech benchmark) ----

def test_noise_suppression_streams_in_any_chunk_size_and_keeps_the_words(library: Library, tmp_path: Path) -> None:
    import numpy as np

    from voice.noise import NoiseFilter

    audio = read_wav(AUDIO / "how-long-will-my-back-hurt.joe.pink-20.wav")
    whole = NoiseFilter()
    expected = whole.process(audio) + whole.flush()
    chunked = NoiseFilter()
    pieces = [chunked.process(Audio(audio.pcm[i:i + 1234])) for i in range(0, len(audio.pcm), 1234)]
    result = Audio(b"".join(p.pcm for p in pieces)) + chunked.flush()
    assert result.pcm == expected.pcm and len(result.pcm) == len(audio.pcm)
    lead_in = slice(0, 4000)  # the 0.4 s of fan noise before the question
    before = np.abs(np.frombuffer(audio.pcm, dtype="<i2")[lead_in].astype(float)).mean()
    after = np.abs(np.frombuffer(result.pcm, dtype="<i2")[lead_in][1600:].astype(float)).mean()
    assert after < before / 2
    recognizer = load_transcriber("pocketsphinx", library, noise_suppression=True)
    assert "ibuprofen" in recognizer.transcribe(read_wav(AUDIO / "can-i-take-ibuprofen-for-the-pain.joe.wav")).text
