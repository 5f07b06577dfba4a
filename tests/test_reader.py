"""The reader state machine, driven by hand: no clock, no device."""

import json
from pathlib import Path

import pytest

from voice.reader import Bookmark, Reader, Save, SetSpeed, Speak, StopAudio, data_dir, load_bookmark, save_bookmark


@pytest.fixture
def reader(library) -> Reader:
    return Reader(library.articles[0])


def speak(actions) -> Speak:  # type: ignore[no-untyped-def]
    return next(a for a in actions if isinstance(a, Speak))


def test_start_reads_the_first_section_from_its_heading(reader: Reader) -> None:
    actions = reader.handle("start")
    assert isinstance(actions[0], StopAudio)
    said = speak(actions)
    assert said.utterances[0].heading and said.utterances[0].section == "overview"
    assert all(u.section == "overview" for u in said.utterances)
    assert reader.playing


def test_sentences_advance_and_sections_follow(reader: Reader) -> None:
    reader.handle("start")
    for _ in range(len(reader.scripts[0]) - 1):
        reader.handle("sentence-done")
    actions = reader.handle("sentence-done")
    assert reader.section_id == "can-epidural-cause-back-pain"
    assert speak(actions).utterances[0].text == "Next: Can you get back pain from an epidural?"


def test_pause_then_resume_restarts_the_interrupted_sentence(reader: Reader) -> None:
    reader.handle("start")
    reader.handle("sentence-done")
    reader.handle("sentence-done")
    actions = reader.handle("pause")
    assert isinstance(actions[0], StopAudio) and not reader.playing
    assert any(isinstance(a, Save) and a.bookmark.sentence == 2 for a in actions)
    resumed = speak(reader.handle("resume"))
    assert resumed.utterances[0] == reader.scripts[0][2]


def test_next_previous_repeat(reader: Reader) -> None:
    reader.handle("start")
    reader.handle("next")
    reader.handle("next")
    assert reader.section_id == "causes"
    reader.handle("previous")
    assert reader.section_id == "can-epidural-cause-back-pain"
    for _ in range(3):
        reader.handle("sentence-done")
    reader.handle("previous")  # well into a section: back to its start
    assert reader.section_id == "can-epidural-cause-back-pain" and reader.sentence == 0
    reader.handle("sentence-done")
    repeated = speak(reader.handle("repeat"))
    assert repeated.utterances[0] == reader.scripts[reader.section_index][1]


def test_slower_and_faster_are_bounded_and_saved(reader: Reader) -> None:
    actions = reader.handle("slower")
    assert SetSpeed(0.85) in actions
    for _ in range(20):
        reader.handle("faster")
    assert reader.speed == 2.0
    for _ in range(20):
        reader.handle("slower")
    assert reader.speed == 0.5


def test_where_am_i(reader: Reader) -> None:
    reader.handle("start")
    reader.handle("next")
    said = speak(reader.handle("where"))
    assert said.utterances[0].text.startswith("You are in section 2 of 14: Can you get back pain from an epidural")


def test_next_at_the_end_says_so(reader: Reader) -> None:
    reader.handle("start")
    for _ in range(13):
        reader.handle("next")
    said = speak(reader.handle("next"))
    assert "end of the article" in said.utterances[0].text
    assert reader.finished and not reader.playing
    assert speak(reader.handle("start")).utterances[0].section == "overview"


def test_start_over(reader: Reader) -> None:
    reader.handle("start")
    reader.handle("next")
    assert speak(reader.handle("start-over")).utterances[0].section == "overview"


def test_resume_from_a_bookmark(library) -> None:
    article = library.articles[0]
    reader = Reader.resume_from(article, Bookmark(article.id, "duration", 2, 0.85))
    assert (reader.section_id, reader.sentence, reader.speed) == ("duration", 2, 0.85)
    said = speak(reader.handle("start"))
    assert said.utterances[0] == reader.scripts[reader.section_index][2]
    stale = Reader.resume_from(article, Bookmark(article.id, "a-section-since-removed", 5, 9.0))
    assert (stale.section_id, stale.speed) == ("overview", 2.0)
    other = Reader.resume_from(article, Bookmark("another-article", "duration", 2, 1.0))
    assert other.section_id == "overview"


def test_bookmark_round_trip_and_corruption(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "bookmark.json"
    assert load_bookmark(path) is None
    assert save_bookmark(path, Bookmark("a", "b", 3, 1.15))
    assert load_bookmark(path) == Bookmark("a", "b", 3, 1.15)
    notices: list[str] = []
    for garbage in ("{not json", "[]", json.dumps({"article": "a"}), "\xff"):
        path.write_text(garbage)
        assert load_bookmark(path, notices.append) is None
    assert len(notices) == 4 and "ignored the unreadable bookmark" in notices[0]


def test_a_failed_save_keeps_the_old_bookmark(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "bookmark.json"
    save_bookmark(path, Bookmark("a", "b", 1, 1.0))

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("content.store.os.fsync", full_disk)
    notices: list[str] = []
    assert not save_bookmark(path, Bookmark("a", "c", 9, 1.0), notices.append)
    assert load_bookmark(path) == Bookmark("a", "b", 1, 1.0)
    assert [p.name for p in tmp_path.iterdir()] == ["bookmark.json"]
    assert "No space left on device" in notices[0]


def test_data_dir_follows_xdg() -> None:
    assert data_dir({"XDG_DATA_HOME": "/x"}) == Path("/x/epidural-voice-guide")
    assert data_dir({"HOME": "/home/p"}) == Path("/home/p/.local/share/epidural-voice-guide")


@pytest.mark.parametrize(("events", "section", "sentence", "playing", "speed"), [
    (["start"], "overview", 0, True, 1.0),
    (["next"], "can-epidural-cause-back-pain", 0, True, 1.0),
    (["start", "sentence-done", "sentence-done"], "overview", 2, True, 1.0),
    (["start", "sentence-done", "pause"], "overview", 1, False, 1.0),
    (["start", "sentence-done", "pause", "sentence-done", "resume"], "overview", 1, True, 1.0),
    (["start", "sentence-done", "stop", "start"], "overview", 1, True, 1.0),
    (["start", "next", "previous"], "overview", 0, True, 1.0),
    (["start", "next", "sentence-done", "sentence-done", "previous"], "can-epidural-cause-back-pain", 0, True, 1.0),
    (["start", "previous"], "overview", 0, True, 1.0),
    (["start", "sentence-done", "repeat"], "overview", 1, True, 1.0),
    (["start", "next", "next", "start-over"], "overview", 0, True, 1.0),
    (["start", "sentence-done", "where"], "overview", 1, True, 1.0),
    (["where"], "overview", 0, False, 1.0),
    (["start", "slower", "slower"], "overview", 0, True, 0.7),
    (["start", "pause", "faster"], "overview", 0, False, 1.15),
])
def test_event_table(reader: Reader, events: list[str], section: str, sentence: int, playing: bool,
                     speed: float) -> None:
    for event in events:
        reader.handle(event)
    assert (reader.section_id, reader.sentence, reader.playing, reader.speed) == (section, sentence, playing, speed)


def test_every_event_answers_with_actions_and_saves_where_it_moves(reader: Reader) -> None:
    for event in ("start", "next", "previous", "repeat", "pause", "resume", "stop", "slower", "faster", "start-over"):
        actions = reader.handle(event)
        assert actions, event
        assert [a for a in actions if isinstance(a, Save)][-1].bookmark == reader.bookmark(), event
    with pytest.raises(ValueError, match="unknown reader event 'dance'"):
        reader.handle("dance")


def test_reading_to_the_end_says_so_and_starts_again_next_time(reader: Reader) -> None:
    reader.handle("start")
    actions: list = []
    while reader.playing:
        actions = reader.handle("sentence-done")
    said = speak(actions)
    assert [u.text for u in said.utterances] == ["That was the end of the article."]
    assert reader.finished and Save(Bookmark(reader.article.id, "overview", 0, 1.0)) in actions
    assert reader.handle("sentence-done") == []  # the announcement is not a sentence of the article
    assert speak(reader.handle("resume")).utterances[0].section == "overview"
