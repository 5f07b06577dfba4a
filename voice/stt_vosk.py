"""Vosk behind :class:`voice.stt.Transcriber`, with a model folder from :mod:`models`.

The folder is checked before Vosk sees it and always passed as a path: given a name, ``vosk.Model`` goes to the
network and calls ``sys.exit`` when that fails; given a broken folder it fails with a bare ``Exception``. Both become a
:class:`RecognizerError` whose one line names the command that fixes it.

Small Vosk models (a lookahead graph, ``graph/HCLr.fst`` + ``graph/Gr.fst``) take a runtime phrase list, from which
Vosk estimates a bigram language model: a phrase given twice counts twice. The list is the content's corpus
(:func:`corpus_phrases`) plus ``[unk]``, the small English models' word for anything else, so speech outside the
article comes out as unknown words rather than as the nearest article phrase. Unknown words are left out of the
transcript's text and kept in its words. Big models (a static ``HCLG.fst``) cannot take a list and use their own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voice.audio import RATE_HZ, Audio
from voice.stt import RecognizerError, Transcriber, Transcript, Word

if TYPE_CHECKING:
    from content.loader import Library

_LOGGER = logging.getLogger(__name__)

UNKNOWN_WORD = "[unk]"
"""What small Vosk models (the English ones among them) call a word outside the phrase list."""
UNKNOWN_REPEAT = 10
"""How many times ``[unk]`` is added to the phrase list: its weight against the phrases. Not tuned yet: no English
Vosk model can be downloaded where this was written."""
MIN_WORD_CONFIDENCE = 0.0
"""Words below this confidence are left out of the transcript's text (kept in its words)."""
VOSK_LOG_LEVEL = -2
"""Kaldi's verbosity: -2 hides its info and warnings (unknown phrase words are reported through logging instead) and
keeps errors, which appear only for a model damaged in a way the file check cannot see."""


class VoskTranscriber(Transcriber):
    """Vosk over one model folder; one utterance at a time, optionally restricted to a phrase list."""

    name = "vosk"

    def __init__(self, model_dir: str | Path, phrases: Sequence[str] | None = None, use_phrases: bool = True,
                 min_confidence: float = MIN_WORD_CONFIDENCE) -> None:
        from models import ModelError, check_model, repair_command

        path = Path(model_dir).expanduser().resolve()
        try:
            check_model(path)
        except ModelError as error:
            raise RecognizerError(str(error)) from None
        try:
            import vosk
        except ImportError:
            raise RecognizerError("Vosk is not installed; install it with: pip install vosk") from None
        vosk.SetLogLevel(VOSK_LOG_LEVEL)
        self._vosk: Any = vosk
        try:
            self._model = vosk.Model(str(path))
        except Exception:  # vosk raises a bare Exception("Failed to create a model")
            raise RecognizerError(f"Vosk could not load the model in {path}; reinstall it with: "
                                  f"{repair_command(path)}") from None
        self.model_dir = path
        self.lookahead = (path / "graph" / "HCLr.fst").is_file()
        """True for a small model, which takes a runtime phrase list."""
        self.phrases: tuple[str, ...] = ()
        """The phrase list the recognizer runs with (empty: the model's own language model)."""
        self.unknown_words: tuple[str, ...] = ()
        """Words of the given phrases that the model does not know, so left out of them."""
        self._min_confidence = min_confidence
        self._recognizer: Any = None
        self._fed_frames = 0
        self._base_frames = 0
        self._open = False
        self._segments: list[tuple[Word, ...]] = []
        self._partial = ""
        self.use_phrases(phrases if use_phrases else None)

    def use_phrases(self, phrases: Sequence[str] | None) -> None:
        """Restrict recognition to ``phrases`` (plus unknown words), or lift the restriction with None.

        Starts a new recognizer, so an utterance under way is dropped. A model with a static graph cannot take a
        phrase list and uses its own language model (the log says so).
        """
        grammar: list[str] = []
        unknown: tuple[str, ...] = ()
        if phrases and not self.lookahead:
            _LOGGER.info("the Vosk model %s has a static graph and cannot take a phrase list; using its own "
                         "language model", self.model_dir.name)
        elif phrases:
            grammar, unknown = phrase_list(phrases, self._knows)
            if unknown:
                _LOGGER.info("the Vosk model does not know %d words of the phrase list (left out): %s%s",
                             len(unknown), ", ".join(unknown[:12]), "..." if len(unknown) > 12 else "")
            if not grammar:
                _LOGGER.info("the Vosk model knows none of the phrase list's words; using its own language model")
            elif UNKNOWN_WORD not in grammar:
                _LOGGER.info("the Vosk model has no %s word: speech outside the phrase list will come out as the "
                             "nearest phrase", UNKNOWN_WORD)
        try:
            if grammar:
                recognizer = self._vosk.KaldiRecognizer(self._model, RATE_HZ, json.dumps(grammar, ensure_ascii=False))
            else:
                recognizer = self._vosk.KaldiRecognizer(self._model, RATE_HZ)
        except Exception:  # a bare Exception("Failed to create a recognizer")
            raise RecognizerError(f"Vosk could not start a recognizer with the model in {self.model_dir}") from None
        recognizer.SetWords(True)
        self._recognizer = recognizer
        self.phrases = tuple(grammar)
        self.unknown_words = unknown
        self._fed_frames = 0
        self._open = False
        self.start()

    def _knows(self, word: str) -> bool:
        return self._model.vosk_model_find_word(word) >= 0

    def start(self) -> None:
        if self._open:
            # Vosk counts word times from its first sample ever; finishing the abandoned utterance (rather than
            # Reset(), which loses count) keeps that clock in step with ours.
            self._recognizer.FinalResult()
            self._open = False
        self._base_frames = self._fed_frames
        self._segments = []
        self._partial = ""

    def accept(self, chunk: Audio) -> Transcript | None:
        if chunk.rate_hz != RATE_HZ or chunk.channels != 1:
            raise RecognizerError(f"Vosk takes {RATE_HZ} Hz mono audio, got {chunk.rate_hz} Hz with "
                                  f"{chunk.channels} channels; read files with voice.wav.read_wav")
        if self._recognizer is None:
            raise RecognizerError("this Vosk recognizer was closed; load a new one")
        if not chunk.pcm:
            return None
        self._open = True
        self._fed_frames += chunk.frames
        if self._recognizer.AcceptWaveform(chunk.pcm):
            # Vosk found a pause and closed a segment; the utterance goes on until finish().
            self._segments.append(self._words(json.loads(self._recognizer.Result())))
            partial = ""
        else:
            partial = json.loads(self._recognizer.PartialResult()).get("partial", "")
        done = transcript([w for segment in self._segments for w in segment], self._min_confidence).text.split()
        text = " ".join(done + [w for w in partial.lower().split() if w != UNKNOWN_WORD])
        if text and text != self._partial:
            self._partial = text
            return Transcript(text, is_final=False)
        return None

    def finish(self) -> Transcript:
        if self._open:
            self._segments.append(self._words(json.loads(self._recognizer.FinalResult())))
            self._open = False
        words = tuple(w for segment in self._segments for w in segment)
        self.start()  # the next chunk begins a new utterance, with or without a start()
        return transcript(words, self._min_confidence)

    def _words(self, result: dict[str, Any]) -> tuple[Word, ...]:
        """The words of one Vosk result, timed from the start of the utterance."""
        return words_of(result, self._base_frames / RATE_HZ)

    def close(self) -> None:
        self._recognizer = None
        self._model = None
        self._open = False


def words_of(result: dict[str, Any], offset_seconds: float = 0.0) -> tuple[Word, ...]:
    """The words of a Vosk result (``{"result": [{"word", "conf", "start", "end"}], "text"}``), lowercase.

    Times are made relative to ``offset_seconds``. A result without word details (``SetWords`` off) gives the words
    of its text with confidence 1.
    """
    details = result.get("result")
    if not details:
        return tuple(Word(text, 1.0) for text in str(result.get("text", "")).lower().split())
    return tuple(Word(str(item["word"]).lower(), min(1.0, max(0.0, float(item.get("conf", 1.0)))),
                      round(max(0.0, float(item.get("start", 0.0)) - offset_seconds), 3),
                      round(max(0.0, float(item.get("end", 0.0)) - offset_seconds), 3))
                 for item in details)


def transcript(words: Sequence[Word], min_confidence: float = MIN_WORD_CONFIDENCE) -> Transcript:
    """The final transcript of ``words``: its text leaves out unknown words and those below ``min_confidence``."""
    kept = [w.text for w in words if w.text != UNKNOWN_WORD and w.confidence >= min_confidence]
    return Transcript(" ".join(kept), tuple(words), is_final=True)


def phrase_list(phrases: Iterable[str], knows: Callable[[str], bool]) -> tuple[list[str], tuple[str, ...]]:
    """The phrase list for Vosk, and the words of ``phrases`` that ``knows`` rejects (sorted, each once).

    Unknown words are left out of their phrases (Vosk would drop them too, with a warning per occurrence on stderr;
    here the log says it once). ``[unk]`` is added UNKNOWN_REPEAT times when the model knows it, so that speech
    outside the phrases has somewhere to go. No known word at all gives an empty list: no restriction.
    """
    kept: list[str] = []
    unknown: set[str] = set()
    verdicts: dict[str, bool] = {}
    for phrase in phrases:
        words = []
        for word in phrase.lower().split():
            if word not in verdicts:
                verdicts[word] = bool(knows(word))
            if verdicts[word]:
                words.append(word)
            else:
                unknown.add(word)
        if words:
            kept.append(" ".join(words))
    if kept and knows(UNKNOWN_WORD):
        kept += [UNKNOWN_WORD] * UNKNOWN_REPEAT
    return kept, tuple(sorted(unknown))


def corpus_phrases(library: Library, wake_phrase: str | None = None) -> list[str]:
    """The phrase list for a library: every corpus sentence, repeated as often as it counts."""
    from content.corpus import WAKE_PHRASE, build_corpus

    corpus = build_corpus(library, WAKE_PHRASE if wake_phrase is None else wake_phrase)
    return [" ".join(sentence.words) for sentence in corpus for _ in range(sentence.count)]


def load_vosk_transcriber(library: Library, wake_phrase: str | None = None, model_dir: str | Path | None = None,
                          use_phrases: bool = True) -> VoskTranscriber:
    """A Vosk recognizer for the library: the given model folder, else the installed English one."""
    from models import DEFAULT_VOSK_MODEL, ModelError, check_model, installed_vosk_model, models_dir

    if model_dir is None:
        found = installed_vosk_model("en")
        if found is None:
            try:  # says whether the default model is missing or broken, and the command that fixes it
                check_model(models_dir() / DEFAULT_VOSK_MODEL)
            except ModelError as error:
                raise RecognizerError(f"no usable English Vosk model: {error}") from None
            raise RecognizerError(f"no usable English Vosk model in {models_dir()}")  # unreachable in practice
        model_dir = found
    return VoskTranscriber(model_dir, corpus_phrases(library, wake_phrase), use_phrases=use_phrases)
