import json
from pathlib import Path

from tests.conftest import SEED

CONTRACT = {"article", "section", "kind", "confidence", "title", "answer"}


def test_ask_prints_the_spoken_answer(cli) -> None:
    result = cli("ask", "how long will my back hurt after the epidural?")
    assert result.status == 0
    assert result.stdout.startswith("How long does backache after an epidural last?")
    assert "a few days" in result.stdout


def test_ask_json_contract(cli) -> None:
    result = cli("ask", "--json", "can I take ibuprofen for it")
    data = json.loads(result.stdout)
    assert CONTRACT <= data.keys()
    assert data["article"] == "back-pain-after-epidural"
    assert data["section"] == "painkillers"
    assert data["kind"] == "answer"
    assert 0 <= data["confidence"] <= 1
    assert data["title"] == "Pain killers and medicines"
    assert "ibuprofen" in data["answer"]


def test_ask_json_not_covered(cli) -> None:
    data = json.loads(cli("ask", "--json", "what's the weather like tomorrow").stdout)
    assert data["kind"] == "not-covered" and data["section"] is None
    assert "doesn't cover" in data["answer"]


def test_stdin_one_object_per_line_in_order_and_bad_lines_do_not_stop(cli) -> None:
    lines = [b"will this last forever", b"\xff\xfe\xfa not utf-8", b"", b"x" * 1_000_000, b"can I do yoga",
             b"\x00\x01binary"]
    result = cli("ask", "--json", stdin=b"\n".join(lines) + b"\n")
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(objects) == len(lines)
    assert objects[0]["section"] == "long-term"
    assert objects[1]["kind"] == "not-covered"
    assert objects[2]["kind"] == "not-covered"
    assert objects[3]["kind"] == "not-covered"
    assert objects[4]["section"] == "exercise"
    assert objects[5]["kind"] == "not-covered"
    assert result.status == 1
    assert "line 2 is not UTF-8 text" in result.stderr
    assert "line 6 holds binary data" in result.stderr
    assert "Traceback" not in result.stderr


def test_empty_question_is_a_usage_error(cli) -> None:
    result = cli("ask", "  ")
    assert result.status == 2
    assert result.stderr.count("\n") == 1 and "the question is empty" in result.stderr


def test_unknown_command_is_a_usage_error(cli) -> None:
    result = cli("fly")
    assert result.status == 2 and "invalid choice" in result.stderr and result.stderr.count("\n") == 1


def test_sections_lists_ids(cli) -> None:
    result = cli("sections")
    assert result.status == 0
    for section_id in ("overview", "physical-therapy", "tell-apart", "summary"):
        assert f" {section_id} " in result.stdout
    data = json.loads(cli("sections", "--json").stdout)
    assert data[0]["article"] == "back-pain-after-epidural"
    assert len(data[0]["sections"]) == 14


def test_import_then_ask_about_the_new_article(cli, tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    note = tmp_path / "baby-sleep.md"
    note.write_text("# Baby sleep\n\nIntro.\n\n## How long do newborns sleep?\n\nAbout sixteen hours a day.\n")
    result = cli("import", str(note), articles_dir=articles)
    assert result.status == 0, result.stderr
    assert (articles / "baby-sleep.yaml").exists()
    seed = cli("import", str(SEED), "--id", "back-pain-after-epidural", articles_dir=articles)
    assert seed.status == 0
    data = json.loads(cli("ask", "--json", "how many hours do newborns sleep", articles_dir=articles).stdout)
    assert (data["article"], data["section"]) == ("baby-sleep", "how-long-do-newborns-sleep")


def test_import_bad_input(cli, tmp_path: Path) -> None:
    missing = cli("import", str(tmp_path / "nope.txt"), articles_dir=tmp_path)
    assert missing.status == 1 and "no such file" in missing.stderr and missing.stderr.count("\n") == 1
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>no headings here</p></body></html>")
    result = cli("import", str(page), articles_dir=tmp_path)
    assert result.status == 1 and "no headings" in result.stderr
    assert not list(tmp_path.glob("*.yaml"))
    bad_id = cli("import", str(SEED), "--id", "Bad Id", articles_dir=tmp_path)
    assert bad_id.status == 1 and "--id 'Bad Id'" in bad_id.stderr


def test_broken_article_is_reported_and_others_answer(cli, tmp_path: Path) -> None:
    cli("import", str(SEED), "--id", "seed", articles_dir=tmp_path)
    (tmp_path / "broken.yaml").write_text("schema: 1\nid: broken\ntitle: x\nsections: 3\n")
    result = cli("ask", "--json", "can I do yoga", articles_dir=tmp_path)
    assert json.loads(result.stdout)["article"] == "seed"
    assert "broken.yaml:4: 'sections' must be a list" in result.stderr


def test_no_articles_at_all(cli, tmp_path: Path) -> None:
    result = cli("ask", "hello", articles_dir=tmp_path)
    assert result.status == 2 and "no articles could be loaded" in result.stderr


def test_text_questions_import_no_speech_or_audio_engine() -> None:
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    script = ("import sys, io, run\n"
              "run.main(['ask', '--json', 'can I take ibuprofen'], run.Environment(stdout=io.StringIO()))\n"
              "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
              "{'pocketsphinx', 'vosk', 'sounddevice', 'pyttsx3', 'piper', 'numpy', 'onnxruntime', 'soxr'})))\n")
    # The optional sentence model needs numpy (and nothing else here); without it nothing of this list is imported.
    env = {**os.environ, "EPIDURAL_EMBEDDING": "0"}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    assert result.stdout.strip() == ""
    env["EPIDURAL_EMBEDDING"] = "1"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    assert not [m for m in result.stdout.split() if m.split(".")[0] != "numpy"]
