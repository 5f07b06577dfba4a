"""PocketSphinx 5 behind :class:`voice.stt.Transcriber`: the embedded default, with the US-English acoustic model its
wheel ships and the domain language model of :mod:`voice.langmodel`.

Out-of-domain words are kept out of the transcript two ways: the language model has a background of common English
words for such speech to fall into, and a word whose posterior probability (from the lattice) is low is dropped.
"""

from __future__ import annotations

import logging
from pathlib import Path

from voice.audio import RATE_HZ, Audio
from voice.langmodel import LanguageModel, model_dir
from voice.stt import RecognizerError, Transcriber, Transcript, Word

_LOGGER = logging.getLogger(__name__)

FRAMES_PER_SECOND = 100
MIN_WORD_POSTERIOR = 0.0
"""Words below this posterior probability are left out of the transcript."""
SETTINGS: dict[str, object] = {
    "lw": 6.5,
    "bestpath": True,
}
"""Decoder settings over PocketSphinx's defaults."""
_FILLERS = frozenset({"<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]", "[noise]", "[speech]"})


class PocketSphinxTranscriber(Transcriber):
    """PocketSphinx over a domain language model; one utterance at a time."""

    name = "pocketsphinx"

    def __init__(self, model: LanguageModel, settings: dict[str, object] | None = None,
                 min_posterior: float = MIN_WORD_POSTERIOR) -> None:
        try:
            from pocketsphinx import Config, Decoder
        except ImportError:
            raise RecognizerError("PocketSphinx is not installed; install it with: pip install pocketsphinx") from None
        config = Config()
        config["hmm"] = str(model_dir() / "en-us")
        config["lm"] = str(model.lm_path)
        config["dict"] = str(model.dict_path)
        config["loglevel"] = "ERROR"
        for key, value in {**SETTINGS, **(settings or {})}.items():
            config[key] = value
        try:
            self._decoder = Decoder(config)
        except (RuntimeError, ValueError) as error:
            raise RecognizerError(f"PocketSphinx could not load its model ({error}); "
                                  f"delete {Path(model.lm_path).parent} to rebuild it") from None
        self._logmath = self._decoder.logmath
        self._min_posterior = min_posterior
        self._started = False
        self._partial = ""

    def start(self) -> None:
        if self._started:
            self._decoder.end_utt()
        self._decoder.start_utt()
        self._started = True
        self._partial = ""

    def accept(self, chunk: Audio) -> Transcript | None:
        if not self._started:
            self.start()
        if chunk.rate_hz != RATE_HZ or chunk.channels != 1:
            raise RecognizerError(f"PocketSphinx takes {RATE_HZ} Hz mono audio, got {chunk.rate_hz} Hz with "
                                  f"{chunk.channels} channels; read files with voice.wav.read_wav")
        if not chunk.pcm:
            return None
        self._decoder.process_raw(chunk.pcm, False, False)
        hypothesis = self._decoder.hyp()
        text = " ".join(w for w in (hypothesis.hypstr.split() if hypothesis else []) if w not in _FILLERS)
        if text and text != self._partial:
            self._partial = text
            return Transcript(text, is_final=False)
        return None

    def finish(self) -> Transcript:
        if not self._started:
            return Transcript("")
        self._decoder.end_utt()
        self._started = False
        words = []
        for segment in self._decoder.seg():
            text = _word(segment.word)
            if text is None:
                continue
            posterior = min(1.0, self._logmath.exp(segment.prob))
            words.append(Word(text, posterior, segment.start_frame / FRAMES_PER_SECOND,
                              (segment.end_frame + 1) / FRAMES_PER_SECOND))
        kept = [w for w in words if w.confidence >= self._min_posterior]
        return Transcript(" ".join(w.text for w in kept), tuple(words), is_final=True)

    def close(self) -> None:
        if self._started:
            self._decoder.end_utt()
            self._started = False


def _word(token: str) -> str | None:
    """The word without its pronunciation variant ("hurt(2)"), or None for silence and fillers."""
    if token in _FILLERS or token.startswith("["):
        return None
    return token.split("(", 1)[0].lower()
