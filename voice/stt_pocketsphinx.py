"""PocketSphinx 5 behind :class:`voice.stt.Transcriber`: the embedded default, with the US-English acoustic model its
wheel ships and the domain language model of :mod:`voice.langmodel`.

Out-of-domain speech falls into the language model's background of common English words, so it comes out as words
the matcher does not know rather than as the nearest in-domain sentence. Only the first, streaming search pass runs:
the second (flat-lexicon) pass and the lattice search cost 70-700 ms at the end of an utterance in noise for no
measured gain, and the final transcript must follow the last chunk within 150 ms. Without the lattice there are no
word posteriors, so words carry confidence 1.0.
"""

from __future__ import annotations

import logging
from pathlib import Path

from voice.audio import RATE_HZ, Audio
from voice.langmodel import LanguageModel, model_dir
from voice.noise import NoiseFilter
from voice.stt import RecognizerError, Transcriber, Transcript, Word

_LOGGER = logging.getLogger(__name__)

FRAMES_PER_SECOND = 100
SETTINGS: dict[str, object] = {
    "fwdflat": False,
    "bestpath": False,
}
"""Decoder settings over PocketSphinx's defaults (see the module's docstring)."""
NOISE_FLOOR_RMS = 30
"""A faint hiss (about -61 dBFS) added to everything PocketSphinx hears. Recordings and virtual devices that are
digitally silent between and around words threw its channel normalisation off: measured on 40 questions in three
voices in quiet, 76% right with 27% word errors as they were, 88% and 20% with this floor (10: 85%, 100: 81%);
espeak-ng's voice gained most. A real microphone's own noise is louder than this, so there it changes nothing."""
_FILLERS = frozenset({"<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]", "[noise]", "[speech]"})


class PocketSphinxTranscriber(Transcriber):
    """PocketSphinx over a domain language model; one utterance at a time."""

    name = "pocketsphinx"

    def __init__(self, model: LanguageModel, settings: dict[str, object] | None = None,
                 noise_filter: NoiseFilter | None = None) -> None:
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
        self._lattice = bool(config["bestpath"])
        self._filter = noise_filter
        self._started = False
        self._partial = ""
        self._hiss = _Hiss(NOISE_FLOOR_RMS)

    def start(self) -> None:
        if self._started:
            self._decoder.end_utt()
        self._decoder.start_utt()
        self._started = True
        self._partial = ""
        if self._filter is not None:
            self._filter.reset()

    def accept(self, chunk: Audio) -> Transcript | None:
        if not self._started:
            self.start()
        if chunk.rate_hz != RATE_HZ or chunk.channels != 1:
            raise RecognizerError(f"PocketSphinx takes {RATE_HZ} Hz mono audio, got {chunk.rate_hz} Hz with "
                                  f"{chunk.channels} channels; read files with voice.wav.read_wav")
        if self._filter is not None:
            chunk = self._filter.process(chunk)
        if not chunk.pcm:
            return None
        self._decoder.process_raw(self._hiss.add(chunk.pcm), False, False)
        hypothesis = self._decoder.hyp()
        text = " ".join(w for w in (hypothesis.hypstr.split() if hypothesis else []) if w not in _FILLERS)
        if text and text != self._partial:
            self._partial = text
            return Transcript(text, is_final=False)
        return None

    def finish(self) -> Transcript:
        if not self._started:
            return Transcript("")
        if self._filter is not None:
            tail = self._filter.flush()
            if tail.pcm:
                self._decoder.process_raw(self._hiss.add(tail.pcm), False, False)
        self._decoder.end_utt()
        self._started = False
        words = []
        for segment in self._decoder.seg() or ():  # None when nothing but silence was heard
            text = _word(segment.word)
            if text is None:
                continue
            # The wrapper gives the lattice posterior as a probability; there is none without the lattice.
            confidence = min(1.0, max(0.0, segment.prob)) if self._lattice else 1.0
            words.append(Word(text, confidence, segment.start_frame / FRAMES_PER_SECOND,
                              (segment.end_frame + 1) / FRAMES_PER_SECOND))
        return Transcript(" ".join(w.text for w in words), tuple(words), is_final=True)

    def adapt(self, audio: Audio) -> None:
        """Learn the channel (the cepstral mean: microphone, room, voice) from a recording, without decoding it.

        A live stream learns it from the audio that came before; a recording decoded on its own has nothing
        before it, and its first words would be heard through the model's default channel (measured: "how long
        will my back hurt" lost its "how" that way).
        """
        if self._filter is not None:
            self._filter.reset()
            audio = self._filter.process(audio) + self._filter.flush()
        if self._started:
            self._decoder.end_utt()
        self._decoder.start_utt()
        self._decoder.process_raw(self._hiss.add(audio.pcm), True, True)  # no search; the whole utterance sets the mean
        self._decoder.end_utt()
        self._started = False

    def transcribe(self, audio: Audio, chunk_seconds: float = 0.1) -> Transcript:
        """A whole recording: learn its channel first, then stream it in chunks."""
        self.adapt(audio)
        return super().transcribe(audio, chunk_seconds)

    def close(self) -> None:
        if self._started:
            self._decoder.end_utt()
            self._started = False


def _word(token: str) -> str | None:
    """The word without its pronunciation variant ("hurt(2)"), or None for silence and fillers."""
    if token in _FILLERS or token.startswith("["):
        return None
    return token.split("(", 1)[0].lower()


class _Hiss:
    """Adds white noise of a fixed RMS to 16-bit PCM (reproducible: the same stream always gets the same noise)."""

    def __init__(self, rms: float, seed: int = 0) -> None:
        import numpy as np

        self._np = np
        self._rng = np.random.default_rng(seed)
        self.rms = rms

    def add(self, pcm: bytes) -> bytes:
        np = self._np
        samples = np.frombuffer(pcm[:len(pcm) - len(pcm) % 2], dtype="<i2").astype(np.float32)
        samples += self._rng.standard_normal(len(samples), dtype=np.float32) * self.rms
        return np.clip(np.rint(samples), -32768, 32767).astype("<i2").tobytes()
