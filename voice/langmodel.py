"""The recognizer's domain language model: built from the articles, cached by a hash of what it was built from.

``build_language_model(library)`` returns the paths of a trigram model and a pronunciation dictionary for
PocketSphinx. They live in the user's cache folder (``$XDG_CACHE_HOME/epidural-voice-guide/langmodel/HASH/``), keyed
by a hash of the corpus (``content.corpus``) and of the build settings, so editing or importing an article gives a
new model on the next start, with no manual step; an unchanged library loads the cached one in milliseconds.

The model is the article's own language (its questions, headings, keywords, text, the commands, the wake phrase,
question frames) plus a background of the most common English words, each counted once. The background is what
out-of-domain speech falls into: "what is the weather like" comes out as itself, words the matcher does not know,
instead of as the nearest in-domain sentence.

Words missing from PocketSphinx's dictionary (article words such as "postpartum") get a pronunciation from
:func:`pronounce`: the dictionary's own pieces (suffixes, compounds), and letter-to-sound rules for what is left.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from content.corpus import WAKE_PHRASE, Sentence, build_corpus, corpus_text, fingerprint
from content.loader import Library

_LOGGER = logging.getLogger(__name__)

APP_NAME = "epidural-voice-guide"
BUILD_VERSION = "3"
"""Changed whenever the way a model is built changes, so old cached models are not reused."""
BACKGROUND_WORDS = 3000
"""How many of the most common English words (by the general model's unigram probability) are added."""
BACKGROUND_COUNT = 1
"""The count each background word gets: one sighting, against the several of every in-domain word."""
DISCOUNT_MASS = 0.5
"""ArpaBoLM's fixed back-off mass."""
LM_FILE, DICT_FILE, CORPUS_FILE = "domain.lm.bin", "domain.dict", "corpus.txt"


class LanguageModelError(Exception):
    """The language model cannot be built; the message says why and what to do."""


@dataclass(frozen=True)
class LanguageModel:
    """A built model: files PocketSphinx loads."""

    lm_path: Path
    dict_path: Path
    key: str
    """The hash it is cached under."""

    built: bool = False
    """True when this call built it (False: it came from the cache)."""


def cache_dir() -> Path:
    """Where built models are kept: ``$XDG_CACHE_HOME`` (default ``~/.cache``) / the app / langmodel."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / APP_NAME / "langmodel"


def model_dir() -> Path:
    """PocketSphinx's US-English model folder (acoustic model, dictionary, general language model)."""
    try:
        from pocketsphinx import get_model_path
    except ImportError:
        raise LanguageModelError("PocketSphinx is not installed; install it with: pip install pocketsphinx") from None
    return Path(get_model_path()) / "en-us"


def build_language_model(library: Library, wake_phrase: str = WAKE_PHRASE, folder: Path | None = None) -> LanguageModel:
    """The cached model for this library, built first if it is not there yet (or was left half-built)."""
    corpus = build_corpus(library, wake_phrase)
    key = fingerprint(corpus, BUILD_VERSION, str(BACKGROUND_WORDS), str(BACKGROUND_COUNT), str(DISCOUNT_MASS))
    root = folder or cache_dir()
    target = root / key
    if (target / LM_FILE).is_file() and (target / DICT_FILE).is_file():
        return LanguageModel(target / LM_FILE, target / DICT_FILE, key)
    try:
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
    except OSError as error:
        raise LanguageModelError(f"cannot write the language model to {root}: {error.strerror or error}; "
                                 "set XDG_CACHE_HOME to a writable folder") from None
    try:
        _build(corpus, staging)
        try:
            staging.rename(target)  # atomic: a model is either complete or absent
        except OSError:
            if not (target / LM_FILE).is_file():  # not a concurrent build that finished first
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _LOGGER.info("built the language model %s (%d sentences)", key, len(corpus))
    return LanguageModel(target / LM_FILE, target / DICT_FILE, key, built=True)


def _build(corpus: tuple[Sentence, ...], folder: Path) -> None:
    from pocketsphinx import Config, LogMath, NGramModel
    from pocketsphinx.lm import ArpaBoLM

    dictionary = load_dictionary()
    # A bare lexicon word that no dictionary knows and no sentence uses is likely a misspelling ("ibuprofin"):
    # the matcher reads it, the recognizer should never say it.
    used = {w for s in corpus if s.kind != "word" for w in s.words}
    corpus = tuple(s for s in corpus if s.kind != "word" or s.words[0] in dictionary or s.words[0] in used)
    text = corpus_text(corpus)
    lm = ArpaBoLM(text=text, add_start=True, discount_mass=DISCOUNT_MASS)
    domain = set(lm.grams_1)
    for word in background_words(BACKGROUND_WORDS):
        if word not in domain:
            lm.grams_1[word] = BACKGROUND_COUNT
    lm.compute()
    (folder / CORPUS_FILE).write_text(text, encoding="utf-8")
    arpa = folder / "domain.arpa"
    with open(arpa, "w", encoding="utf-8") as file:
        lm.write(file)
    config = Config()
    config["loglevel"] = "ERROR"
    model = NGramModel(config, LogMath(), str(arpa))
    model.write(str(folder / LM_FILE), NGramModel.str_to_type("bin"))
    arpa.unlink()
    lines = []
    for word in sorted(w for w in lm.grams_1 if w not in ("<s>", "</s>")):
        for number, phones in enumerate(dictionary.get(word) or [pronounce(word, dictionary)]):
            lines.append(f"{word}{'' if number == 0 else f'({number + 1})'} {phones}\n")
    (folder / DICT_FILE).write_text("".join(lines), encoding="utf-8")


@lru_cache(maxsize=1)
def load_dictionary() -> dict[str, list[str]]:
    """PocketSphinx's CMU dictionary: word → its pronunciations (space-separated ARPAbet phones)."""
    result: dict[str, list[str]] = {}
    with open(model_dir() / "cmudict-en-us.dict", encoding="utf-8") as file:
        for line in file:
            word, _, phones = line.strip().partition(" ")
            result.setdefault(re.sub(r"\(\d+\)$", "", word), []).append(phones.strip())
    return result


def background_words(count: int) -> list[str]:
    """The ``count`` most likely words of PocketSphinx's general English model."""
    from pocketsphinx import Config, LogMath, NGramModel

    config = Config()
    config["loglevel"] = "ERROR"
    general = NGramModel(config, LogMath(), str(model_dir() / "en-us.lm.bin"))
    words = [w for w in load_dictionary() if re.fullmatch(r"[a-z]+(?:'[a-z]+)?", w)]
    words.sort(key=lambda w: -general.prob([w]))
    return words[:count]


# ---- pronunciations for words the dictionary lacks ----

_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("ness", "N AH S"), ("less", "L AH S"), ("ment", "M AH N T"), ("ings", "IH NG Z"), ("ing", "IH NG"),
    ("ists", "IH S T S"), ("ist", "IH S T"), ("ers", "ER Z"), ("er", "ER"), ("ly", "L IY"), ("ed", "D"),
    ("es", "Z"), ("s", "Z"), ("y", "IY"),
)
_VOICELESS = {"P", "T", "K", "F", "TH"}
_SIBILANT = {"S", "Z", "SH", "ZH", "CH", "JH"}
# Letter-to-sound for what no dictionary piece covers: longest spelling first.
_LETTERS: tuple[tuple[str, str], ...] = (
    ("tion", "SH AH N"), ("sion", "ZH AH N"), ("ough", "AO"), ("augh", "AO"), ("eigh", "EY"), ("igh", "AY"),
    ("tch", "CH"), ("dge", "JH"), ("sch", "S K"), ("ph", "F"), ("th", "TH"), ("sh", "SH"), ("ch", "CH"), ("ck", "K"),
    ("ng", "NG"), ("qu", "K W"), ("wh", "W"), ("wr", "R"), ("kn", "N"), ("gh", "G"), ("ee", "IY"), ("ea", "IY"),
    ("oo", "UW"), ("ou", "AW"), ("ow", "OW"), ("oi", "OY"), ("oy", "OY"), ("ai", "EY"), ("ay", "EY"), ("au", "AO"),
    ("aw", "AO"), ("ei", "EY"), ("ey", "IY"), ("ie", "IY"), ("ue", "UW"), ("ew", "UW"), ("ar", "AA R"), ("er", "ER"),
    ("ir", "ER"), ("ur", "ER"), ("or", "AO R"), ("ce", "S IY"), ("ci", "S IH"), ("cy", "S IY"), ("ge", "JH IY"),
    ("gi", "JH IH"), ("a", "AE"), ("b", "B"), ("c", "K"), ("d", "D"), ("e", "EH"), ("f", "F"), ("g", "G"), ("h", "HH"),
    ("i", "IH"), ("j", "JH"), ("k", "K"), ("l", "L"), ("m", "M"), ("n", "N"), ("o", "AA"), ("p", "P"), ("q", "K"),
    ("r", "R"), ("s", "S"), ("t", "T"), ("u", "AH"), ("v", "V"), ("w", "W"), ("x", "K S"), ("y", "IY"), ("z", "Z"),
)
_SPELLINGS: tuple[tuple[str, str], ...] = (
    (r"is(e|ed|es|ing|ation)$", r"iz\1"), (r"ys(e|ed|es|ing)$", r"yz\1"), (r"our(s?)$", r"or\1"), (r"ae", "e"),
    (r"oe", "e"), (r"tre$", "ter"), (r"ll(ed|ing)$", r"l\1"),
)
_LETTER_NAMES = dict(zip("abcdefghijklmnopqrstuvwxyz", (
    "EY", "B IY", "S IY", "D IY", "IY", "EH F", "JH IY", "EY CH", "AY", "JH EY", "K EY", "EH L", "EH M", "EH N", "OW",
    "P IY", "K Y UW", "AA R", "EH S", "T IY", "Y UW", "V IY", "D AH B AH L Y UW", "EH K S", "W AY", "Z IY")))
_MIN_PIECE = 3
"""Shortest dictionary word used as a piece of a compound: shorter ones ("a", "in") match almost anywhere."""


def pronounce(word: str, dictionary: dict[str, list[str]]) -> str:
    """A pronunciation for a word the dictionary lacks: its stem plus a suffix, dictionary pieces, or letters."""
    word = word.lower().replace("'", "")
    if word in dictionary:
        return dictionary[word][0]
    for british, american in _SPELLINGS:  # the dictionary is American: "paralysed" is there as "paralyzed"
        variant = re.sub(british, american, word)
        if variant != word and variant in dictionary:
            return dictionary[variant][0]
    if len(word) <= 4 and not re.search(r"[aeiouy]", word):  # "gp", "nhs": said letter by letter
        return " ".join(_LETTER_NAMES[c] for c in word if c in _LETTER_NAMES) or "SIL"
    for suffix, phones in _SUFFIXES:
        stem = word[:-len(suffix)]
        if word.endswith(suffix) and len(stem) >= _MIN_PIECE:
            for candidate in (stem, stem + "e", stem[:-1] if len(stem) > 3 and stem[-1] == stem[-2] else None):
                if candidate and candidate in dictionary:
                    base = dictionary[candidate][0]
                    return f"{base} {_agree(base, suffix, phones)}"
    return _compound(word, dictionary)


def _agree(base: str, suffix: str, phones: str) -> str:
    """Plural and past endings sound different after different sounds: "pains" Z, "cramps" S, "eases" IH Z."""
    last = base.split()[-1]
    if suffix in ("s", "es"):
        return "IH Z" if last in _SIBILANT else "S" if last in _VOICELESS else "Z"
    if suffix == "ed":
        return "IH D" if last in ("T", "D") else "T" if last in _VOICELESS | {"S", "SH", "CH"} else "D"
    return phones


def _compound(word: str, dictionary: dict[str, list[str]]) -> str:
    """The fewest pieces that spell the word: dictionary words of three letters or more, else single letter rules."""
    best: list[tuple[int, list[str]] | None] = [None] * (len(word) + 1)
    best[0] = (0, [])
    for end in range(1, len(word) + 1):
        for start in range(end):
            if best[start] is None:
                continue
            piece = word[start:end]
            cost_so_far, phones = best[start]  # type: ignore[misc]
            if len(piece) >= _MIN_PIECE and piece in dictionary:
                option = (cost_so_far + 1, phones + [dictionary[piece][0]])
            else:
                rule = next((p for s, p in _LETTERS if s == piece), None)
                if rule is None:
                    continue
                option = (cost_so_far + 3, phones + [rule])  # a letter rule costs more than a dictionary piece
            if best[end] is None or option[0] < best[end][0]:  # type: ignore[index]
                best[end] = option
    return " ".join(best[-1][1]) if best[-1] else "SIL"  # type: ignore[index]
