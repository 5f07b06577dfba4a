"""The wake phrase: a trained wake-word model when one exists for the phrase, else keyword spotting.

``load_wake_detector(phrase)`` returns a ``WakeDetector``: feed it 16 kHz mono chunks of any length with
``process(chunk)``, which answers True once the phrase has been heard (then call ``reset()`` before listening for the
next one).

- ``micro``: microWakeWord models (``pymicro-wakeword``: hey jarvis, okay nabu, alexa, hey mycroft; TFLite, 50-80 KB
  each, with the TensorFlow Lite C library in the wheel).
- ``open``: openWakeWord models (``pyopen-wakeword``: the same four and hey rhasspy, with its mel and embedding
  models).
- ``keyphrase``: PocketSphinx keyword spotting with its US-English acoustic model: any phrase whose words it can
  pronounce, with no training, at the cost of many more misses and false wakes (measured:
  ``python run.py benchmark wake``; the table is in the README).

Engine packages are imported only when a detector is built.
"""

from __future__ import annotations

import re
from typing import Any

from voice.audio import Audio

DEFAULT_PHRASE = "hey jarvis"
ENGINES = ("micro", "open", "keyphrase")
DEFAULT_ENGINE = "open"
"""The engine for phrases with a trained model; chosen by the wake benchmark (README)."""
MODELS = {
    # phrase as said -> the model's name in the packages
    "hey jarvis": "hey_jarvis", "okay nabu": "okay_nabu", "ok nabu": "okay_nabu", "alexa": "alexa",
    "hey mycroft": "hey_mycroft", "hey rhasspy": "hey_rhasspy",
}
OPEN_ONLY = frozenset({"hey_rhasspy"})
OPEN_THRESHOLD = 0.5
KEYPHRASE_THRESHOLD = 1e-20
"""PocketSphinx's keyword-spotting threshold: lower finds more and wakes falsely more (see the benchmark)."""


class WakeError(Exception):
    """The wake phrase cannot be listened for; the message says what to do."""


def normalise(phrase: str) -> str:
    return " ".join(re.sub(r"[^a-z' ]", " ", phrase.lower()).split())


class WakeDetector:
    """Listens for one phrase."""

    phrase: str
    engine: str

    def process(self, chunk: Audio) -> bool:
        """Feed 16 kHz mono audio; True when the phrase was heard in it."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget the audio so far (after a wake, or after the assistant spoke)."""
        raise NotImplementedError


class MicroWakeDetector(WakeDetector):
    engine = "micro"

    def __init__(self, model: str, phrase: str) -> None:
        try:
            from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures, Model
        except ImportError:
            raise WakeError("pymicro-wakeword is missing: pip install pymicro-wakeword") from None
        self.phrase = phrase
        self._model = MicroWakeWord.from_builtin(Model(model))
        self._features = MicroWakeWordFeatures()

    def process(self, chunk: Audio) -> bool:
        heard = False
        for features in self._features.process_streaming(chunk.pcm):
            if self._model.process_streaming(features):
                heard = True
        return heard

    def reset(self) -> None:
        self._model.reset()
        self._features.reset()


class OpenWakeDetector(WakeDetector):
    engine = "open"

    def __init__(self, model: str, phrase: str, threshold: float = OPEN_THRESHOLD) -> None:
        try:
            from pyopen_wakeword import Model, OpenWakeWord, OpenWakeWordFeatures
        except ImportError:
            raise WakeError("pyopen-wakeword is missing: pip install pyopen-wakeword") from None
        self.phrase = phrase
        self.threshold = threshold
        self._model = OpenWakeWord.from_builtin(Model(model))
        self._features = OpenWakeWordFeatures.from_builtin()

    def process(self, chunk: Audio) -> bool:
        heard = False
        for embeddings in self._features.process_streaming(chunk.pcm):
            for probability in self._model.process_streaming(embeddings):
                if probability > self.threshold:
                    heard = True
        return heard

    def reset(self) -> None:
        self._model.reset()
        self._features.reset()


class KeyphraseDetector(WakeDetector):
    """PocketSphinx keyword spotting: any phrase its dictionary (or letter-to-sound) can pronounce."""

    engine = "keyphrase"

    def __init__(self, phrase: str, threshold: float = KEYPHRASE_THRESHOLD) -> None:
        try:
            from pocketsphinx import Decoder
        except ImportError:
            raise WakeError("PocketSphinx is not installed; install it with: pip install pocketsphinx") from None

        self.phrase = phrase
        try:  # the wheel's own US-English model and full dictionary; keyphrase replaces the language model
            self._decoder: Any = Decoder(keyphrase=phrase, kws_threshold=threshold, loglevel="ERROR")
        except (RuntimeError, ValueError) as error:
            raise WakeError(f"cannot listen for '{phrase}' ({error}); choose a phrase of common English words "
                            "with --wake-phrase") from None
        unknown = [w for w in phrase.split() if self._decoder.lookup_word(w) is None]
        if unknown:
            raise WakeError(f"the recognizer cannot pronounce {', '.join(unknown)} in the wake phrase; choose a "
                            "phrase of common English words with --wake-phrase")
        self._decoder.start_utt()

    def process(self, chunk: Audio) -> bool:
        self._decoder.process_raw(chunk.pcm, False, False)
        if self._decoder.hyp() is None:
            return False
        self.reset()
        return True

    def reset(self) -> None:
        self._decoder.end_utt()
        self._decoder.start_utt()


def load_wake_detector(phrase: str = DEFAULT_PHRASE, engine: str | None = None) -> WakeDetector:
    """A detector for ``phrase``: the trained model when one exists (``engine`` chooses which), else keywords."""
    said = normalise(phrase)
    if not said:
        raise WakeError("the wake phrase is empty; give one with --wake-phrase, or use --no-wake")
    model = MODELS.get(said)
    if engine is None:
        engine = DEFAULT_ENGINE if model else "keyphrase"
        if model in OPEN_ONLY:
            engine = "open"
    if engine == "keyphrase":
        return KeyphraseDetector(said)
    if model is None:
        raise WakeError(f"there is no trained model for '{phrase}'; the models are: "
                        f"{', '.join(sorted(set(MODELS) - {'ok nabu'}))}")
    if engine == "micro" and model not in OPEN_ONLY:
        return MicroWakeDetector(model, said)
    if engine in ("micro", "open"):
        return OpenWakeDetector(model, said)
    raise WakeError(f"unknown wake engine '{engine}'; choose one of {', '.join(ENGINES)}")

