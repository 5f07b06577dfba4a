#!/usr/bin/env python3
"""The assistant's command line: parse arguments, wire the parts, print, exit. Nothing else lives here.

Text commands import only ``content`` (pure Python), so ``ask`` answers quickly from a cold start.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from content.dialogue import Dialogue, Reply
    from content.loader import Library

PROG = "run.py"
ARTICLES_DIR = Path(__file__).resolve().parent / "content" / "articles"
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


@dataclass
class Environment:
    """What a command may touch: its streams and folders. Tests pass their own."""

    stdin: IO[bytes] = field(default_factory=lambda: sys.stdin.buffer)
    stdout: IO[str] = field(default_factory=lambda: sys.stdout)
    stderr: IO[str] = field(default_factory=lambda: sys.stderr)
    articles_dir: Path = ARTICLES_DIR
    config_file: Path | None = None
    """The settings file (None: $XDG_CONFIG_HOME/epidural-voice-guide/config.yaml)."""
    settings: dict[str, Any] = field(default_factory=dict)
    """The effective settings, each with where it came from (voice.config.Value), once main() has read them."""
    settings_problems: list[Exception] = field(default_factory=list)

    def error(self, message: str) -> None:
        print(f"{PROG}: {message}", file=self.stderr, flush=True)


class UsageError(Exception):
    """Bad arguments; the message says what to type instead."""


class _Parser(argparse.ArgumentParser):
    """Turns argparse's complaints into UsageError, so main() prints one line instead of exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see: python {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="An offline voice guide to an article: ask it questions, or have it read.")
    parser.add_argument("--content", type=Path, metavar="DIR", help="folder of article YAML files (default: content/articles)")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="the settings file (default: ~/.config/epidural-voice-guide/config.yaml, made on first run)")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    ask = commands.add_parser("ask", help="answer one question, or one per line of standard input")
    ask.add_argument("question", nargs="*", help="the question; none: read questions from standard input")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("--out", type=Path, metavar="FILE.wav", help="also write the spoken answer to a WAV file")
    ask.add_argument("--wav", nargs="+", type=Path, metavar="FILE",
                     help="answer spoken questions in WAV files (8-96 kHz, mono or stereo, 16-bit or float), in order")
    ask.add_argument("--engine", choices=("vosk", "pocketsphinx"),
                     help="speech recognizer for --wav (default: vosk if an English Vosk model is installed, "
                          "else pocketsphinx)")
    _add_voice_options(ask)

    sections = commands.add_parser("sections", help="list the articles and their section ids")
    sections.add_argument("--json", action="store_true", help="print JSON")

    imp = commands.add_parser("import", help="import an article (plain text, Markdown or HTML) into content/")
    imp.add_argument("file", type=Path, help="the article's file")
    imp.add_argument("--id", help="the article's id (default: from the file name)")
    imp.add_argument("--replace-text", action="store_true",
                     help="take the source's text even where the YAML's text was edited by hand")

    commands.add_parser("chat", help="type questions and read the answers (the default without a microphone)")

    read = commands.add_parser("read", help="read the whole article aloud, with keyboard control")
    read.add_argument("--out", type=Path, metavar="FILE.wav",
                      help="write the article to a WAV file instead, with FILE.json beside it (section start times)")
    read.add_argument("--article", help="the article's id (default: the first)")
    read.add_argument("--output-device", help="speaker: its index or part of its name (see: python run.py devices)")
    read.add_argument("--listen", action="store_true",
                      help="voice control: say the wake phrase or hold space, then next, go back, pause, a question...")
    read.add_argument("--wake-phrase", default="hey jarvis", metavar="PHRASE",
                      help="with --listen (default: hey jarvis)")
    read.add_argument("--no-wake", action="store_true", help="with --listen: push-to-talk (space) only")
    read.add_argument("--input-device", help="with --listen: microphone, its index or part of its name")
    read.add_argument("--engine", choices=("vosk", "pocketsphinx"), help="with --listen: speech recognizer")
    _add_voice_options(read)
    _add_sound_options(read)

    listen = commands.add_parser("listen", help="hands-free: say the wake phrase, then a question; hear the answer "
                                                "(the default when there is a microphone)")
    listen.add_argument("--wake-phrase", default="hey jarvis", metavar="PHRASE",
                        help='what starts a question (default: "hey jarvis"; trained models: hey jarvis, okay nabu, '
                             "alexa, hey mycroft, hey rhasspy; any other phrase is spotted by the recognizer)")
    listen.add_argument("--no-wake", action="store_true", help="no wake phrase: every utterance is a question")
    listen.add_argument("--input-device", help="microphone: its index or part of its name (see: python run.py devices)")
    listen.add_argument("--output-device", help="speaker: its index or part of its name (see: python run.py devices)")
    listen.add_argument("--engine", choices=("vosk", "pocketsphinx"),
                        help="speech recognizer (default: as for ask --wav)")
    _add_voice_options(listen)
    _add_sound_options(listen)

    ptt = commands.add_parser("ptt", help="push-to-talk: hold space to ask a question aloud, hear the answer")
    ptt.add_argument("--window", action="store_true", help="a desktop window with a large hold-to-talk button")
    ptt.add_argument("--input-device", help="microphone: its index or part of its name (see: python run.py devices)")
    ptt.add_argument("--output-device", help="speaker: its index or part of its name (see: python run.py devices)")
    ptt.add_argument("--engine", choices=("vosk", "pocketsphinx"), help="speech recognizer (default: as for ask --wav)")
    _add_voice_options(ptt)
    _add_sound_options(ptt)

    commands.add_parser("devices", help="list the audio devices (for --input-device and --output-device)")
    commands.add_parser("config", help="show the settings in effect and where each comes from (file or default)")
    service = commands.add_parser("service", help="start hands-free mode on boot (a systemd user service)")
    service.add_argument("action", choices=("install", "remove", "show"),
                         help="install and enable it, remove it, or show the unit file it writes")
    commands.add_parser("doctor", help="check the content, settings, voices, recognizer, models and devices; "
                                       "say what is wrong and the command that fixes it")

    models = commands.add_parser("models", help="list the speech models and which are installed; download one")
    _add_models_options(models, default=None)
    actions = models.add_subparsers(dest="action", parser_class=_Parser)
    _add_models_options(actions.add_parser("list", help="list the known models and which are installed (the default)"))
    download = actions.add_parser("download", help="download a model, check its size and SHA-256, unpack it")
    download.add_argument("name", help="the model's name (see: python run.py models)")
    _add_models_options(download)

    bench = commands.add_parser("benchmark", help="measure accuracy and speed, print a table")
    bench.add_argument("what", choices=["matcher", "tts", "speech", "vad", "wake", "latency", "soak"], help="what to measure")
    bench.add_argument("options", nargs=argparse.REMAINDER,
                       help="the benchmark's own options, e.g. speech --quick (see: benchmark speech --help)")
    return parser


def _add_models_options(parser: argparse.ArgumentParser, default: object = argparse.SUPPRESS) -> None:
    # On `models` and on each of its actions, so they go before or after the action; SUPPRESS keeps an action's
    # absent option from overwriting the value given before it.
    parser.add_argument("--dir", type=Path, metavar="DIR", default=default,
                        help="the models folder (default: models/, or $ASSISTANT_MODELS_DIR)")
    parser.add_argument("--manifest", type=Path, metavar="FILE", default=default,
                        help="another manifest of models (default: models/manifest.yaml)")


def _add_voice_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--voice", default="system",
                        help="system (pyttsx3: espeak-ng on Linux), or piper (a natural voice; pip install '.[piper]')")
    parser.add_argument("--rate", type=float, metavar="SPEED",
                        help="speaking speed: 1.0 normal, 0.8 slower, 1.25 faster (0.5-2; read: default the saved speed)")
    parser.add_argument("--volume", type=float, default=1.0, metavar="LEVEL",
                        help="loudness of the voice: 1.0 full, 0.5 half (0-1)")


def _add_sound_options(parser: argparse.ArgumentParser) -> None:
    """--quiet-night, for the commands that listen and speak aloud (listen, ptt, read); see _sound_volume."""
    parser.add_argument("--quiet-night", action="store_true",
                        help="for a dark room at night: the listening sounds and the voice at a third of their "
                             "level, and the voice a little slower (unless --rate is given)")


def _sound_volume(args: argparse.Namespace) -> float:
    """The volume of the listening and done sounds; with --quiet-night it also turns the voice down and slows it
    (args.volume, args.rate). Call it before _voice_loader."""
    from voice.sounds import NORMAL, QUIET_NIGHT

    if not getattr(args, "quiet_night", False):
        return NORMAL.sound_volume
    args.volume = min(args.volume, QUIET_NIGHT.voice_volume)
    if args.rate is None:
        args.rate = QUIET_NIGHT.speed
    return QUIET_NIGHT.sound_volume


def _voice(args: argparse.Namespace, env: Environment):  # type: ignore[no-untyped-def]
    return _voice_loader(args, env)()


def _voice_loader(args: argparse.Namespace, env: Environment):  # type: ignore[no-untyped-def]
    """Check the voice options now (a UsageError), load the voice when called."""
    from voice.tts import VoiceSettings, load_voice

    if args.rate is not None and not 0.5 <= args.rate <= 2.0:
        raise UsageError(f"--rate {args.rate:g} is out of range; give a speed from 0.5 to 2, 1.0 being normal")
    if not 0.0 <= args.volume <= 1.0:
        raise UsageError(f"--volume {args.volume:g} is out of range; give a level from 0 to 1, 1.0 being full")
    _check_voice_name(args.voice)
    settings = VoiceSettings(speed=1.0 if args.rate is None else args.rate, volume=args.volume)
    return lambda: load_voice(args.voice, settings, notice=env.error)


def _check_voice_name(name: str) -> None:
    from voice.tts import VoiceError, canonical

    try:
        canonical(name)
    except VoiceError as error:
        raise UsageError(str(error)) from None


def _load(env: Environment) -> Library:
    from content.loader import load_library

    library = load_library(sorted(env.articles_dir.glob("*.yaml")))
    for error in library.errors:
        env.error(f"skipped a broken article: {error}")
    if not library.articles:
        raise UsageError(f"no articles could be loaded from {env.articles_dir}; add one with: python {PROG} import FILE")
    return library


def _print_reply(reply: Reply, as_json: bool, env: Environment) -> None:
    if as_json:
        print(json.dumps(reply.to_json(), ensure_ascii=False), file=env.stdout, flush=True)
    else:
        print(reply.answer, file=env.stdout, flush=True)


def _lines(env: Environment) -> Iterator[tuple[int, str | None, str | None]]:
    """Yield (line number, text or None, error or None) for each line of standard input."""
    for number, raw in enumerate(iter(env.stdin.readline, b""), start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield number, None, f"line {number} is not UTF-8 text; skipped it"
            continue
        if "\x00" in text:
            yield number, None, f"line {number} holds binary data, not a question; skipped it"
            continue
        yield number, text.rstrip("\r\n"), None


def cmd_ask(args: argparse.Namespace, env: Environment) -> int:
    from content.dialogue import Dialogue, Reply

    if args.out is not None and not args.question:
        raise UsageError("--out needs the question on the command line: python run.py ask \"QUESTION\" --out FILE.wav")
    if args.out is not None or args.voice != "system":
        _check_voice_name(args.voice)
    if args.wav:
        if args.question or args.out is not None:
            raise UsageError("give either a question or --wav FILE..., not both (and --out only with a typed question)")
        library = _load(env)
        return _ask_wav(args.wav, args.engine, args.json, library, Dialogue(library), env)
    dialogue = Dialogue(_load(env))
    if args.question:
        question = " ".join(args.question)
        if not question.strip():
            raise UsageError('the question is empty; type one, for example: python run.py ask "how long will it hurt?"')
        reply = dialogue.reply(question)
        _print_reply(reply, args.json, env)
        if args.out is not None:
            return _render_answer(reply.answer, reply.section, args, env)
        return EXIT_OK
    status = EXIT_OK
    for _number, text, problem in _lines(env):
        if problem is not None:
            env.error(problem)
            status = EXIT_ERROR
            _print_reply(Reply(kind="not-covered", answer="I couldn't read that line as text."), args.json, env)
            continue
        _print_reply(dialogue.reply(text or ""), args.json, env)
    return status


def _ask_wav(paths: list[Path], engine: str | None, as_json: bool, library: Library, dialogue: Dialogue,
             env: Environment) -> int:
    """Answer the question spoken in each WAV file, in order; a file that cannot be read gets a one-line error."""
    from content.dialogue import Reply
    from voice.stt import RecognizerError, load_transcriber
    from voice.wav import WavError, read_wav

    try:
        transcriber = load_transcriber(engine, library)
    except RecognizerError as error:
        env.error(str(error))
        failed = Reply(kind="not-covered", answer="I can't listen: the speech recognizer did not load.")
        for path in paths if as_json else ():  # still one object per file, for scripts that count them
            print(json.dumps({**failed.to_json(), "file": str(path), "transcript": "", "error": str(error)},
                             ensure_ascii=False), file=env.stdout, flush=True)
        return EXIT_ERROR
    status = EXIT_OK
    for path in paths:
        try:
            text = transcriber.transcribe(read_wav(path)).text
        except (WavError, RecognizerError) as error:
            env.error(str(error))
            status = EXIT_ERROR
            reply = Reply(kind="not-covered", answer="I couldn't hear a question in that file.")
            extra = {"file": str(path), "transcript": "", "error": str(error)}
        else:
            reply = dialogue.reply(text)
            extra = {"file": str(path), "transcript": text}
        if as_json:
            print(json.dumps({**reply.to_json(), **extra}, ensure_ascii=False), file=env.stdout, flush=True)
        else:
            print(reply.answer, file=env.stdout, flush=True)
    transcriber.close()
    return status


def _render_answer(answer: str, section: str | None, args: argparse.Namespace, env: Environment) -> int:
    from content.speech import answer_script
    from voice.render import RenderError, check_target, render, write_wav
    from voice.tts import VoiceError

    try:
        check_target(args.out)
        with _voice(args, env) as voice:
            audio, _ = render(answer_script(answer, section), voice)
        write_wav(args.out, audio)
    except (RenderError, VoiceError) as error:
        env.error(str(error))
        return EXIT_ERROR
    return EXIT_OK


def cmd_read(args: argparse.Namespace, env: Environment) -> int:
    library = _load(env)
    try:
        article = library.article(args.article) if args.article else library.articles[0]
    except KeyError:
        raise UsageError(f"no article '{args.article}'; see: python {PROG} sections") from None
    if args.out is not None:
        return _render_article(article, args, env)
    sound_volume = _sound_volume(args)
    if args.listen:
        from voice.read_live import ReadSetup, read_by_voice

        setup = ReadSetup(None if args.no_wake else args.wake_phrase, args.input_device, args.output_device,
                          args.engine, sound_volume)
        return read_by_voice(article, setup, library, _voice_loader(args, env), env.stdin, env.stdout, env.error,
                             speed=args.rate)
    from voice.control import read_aloud

    return read_aloud(article, _voice_loader(args, env), args.output_device, env.stdin, env.stdout, env.error,
                      speed=args.rate)


def _render_article(article, args: argparse.Namespace, env: Environment) -> int:  # type: ignore[no-untyped-def]
    from content.speech import article_script
    from voice.render import RenderError, check_target, render, write_index, write_wav
    from voice.tts import VoiceError

    if args.out.suffix.lower() != ".wav":
        raise UsageError(f"--out {args.out} should end in .wav")
    try:
        check_target(args.out)
        check_target(args.out.with_suffix(".json"))
        with _voice(args, env) as voice:
            audio, marks = render(article_script(article), voice)
        write_wav(args.out, audio)
        write_index(args.out.with_suffix(".json"), marks)
    except (RenderError, VoiceError) as error:
        env.error(str(error))
        return EXIT_ERROR
    print(f"wrote {args.out} ({audio.seconds / 60:.1f} min, {len(marks)} sections) and "
          f"{args.out.with_suffix('.json')}", file=env.stdout)
    return EXIT_OK


def cmd_listen(args: argparse.Namespace, env: Environment) -> int:
    from voice.live import ListenSetup, listen

    setup = ListenSetup(args.wake_phrase, not args.no_wake, args.input_device, args.output_device, args.engine,
                        _sound_volume(args))
    loader = _voice_loader(args, env)
    return listen(setup, _load(env), loader, env.stdout, env.error)


def _default_command(argv: list[str] | None, env: Environment) -> str:
    """Plain `run.py`: hands-free when there is a microphone, else the typed chat (said in one line)."""
    from voice.microphone import has_microphone

    if has_microphone():
        return "listen"
    env.error("no microphone found, so here is the typed chat instead (plug one in for hands-free)")
    return "chat"


def cmd_ptt(args: argparse.Namespace, env: Environment) -> int:
    from voice.ptt import Setup, talk_in_terminal

    setup = Setup(args.input_device, args.output_device, args.engine, _sound_volume(args))
    loader = _voice_loader(args, env)
    library = _load(env)
    if args.window:
        from voice.window import talk_in_window

        return talk_in_window(setup, library, loader, env.error)
    return talk_in_terminal(setup, library, loader, env.stdin, env.stdout, env.error)


def cmd_config(args: argparse.Namespace, env: Environment) -> int:
    """The effective settings: defaults < the settings file (command-line options then win, per command)."""
    print(f"settings file: {env.config_file}", file=env.stdout)
    width = max(len(name) for name in env.settings)
    for name, value in env.settings.items():
        shown = "null" if value.value is None else json.dumps(value.value).strip('"')
        print(f"  {name:<{width}}  {shown:<14} {value.source}", file=env.stdout)
    for problem in env.settings_problems:
        env.error(str(problem))
    return EXIT_ERROR if env.settings_problems else EXIT_OK


def cmd_doctor(args: argparse.Namespace, env: Environment) -> int:
    import logging

    from voice.doctor import FAIL, examine

    logging.getLogger().addHandler(logging.NullHandler())  # what the checks log, the report says
    failed = 0
    for finding in examine(env.articles_dir, env.settings, env.config_file, env.settings_problems):
        failed += finding.status == FAIL
        print(f"{finding.status:<4}  {finding.name}: {finding.detail}", file=env.stdout, flush=True)
        if finding.fix:
            print(f"      fix: {finding.fix}", file=env.stdout, flush=True)
    print("all good" if not failed else f"{failed} problem(s) found", file=env.stdout)
    return EXIT_ERROR if failed else EXIT_OK


def cmd_service(args: argparse.Namespace, env: Environment) -> int:
    from voice.service import ServiceError, install, remove, unit

    if args.action == "show":
        print(unit(), end="", file=env.stdout)
        return EXIT_OK
    try:
        lines = install() if args.action == "install" else remove()
    except ServiceError as error:
        env.error(str(error))
        return EXIT_ERROR
    for line in lines:
        print(line, file=env.stdout)
    return EXIT_OK


def cmd_devices(args: argparse.Namespace, env: Environment) -> int:
    from voice.playback import PlaybackError, list_devices

    try:
        lines = list_devices()
    except PlaybackError as error:
        env.error(str(error))
        return EXIT_ERROR
    print("\n".join(lines) if lines else "no audio devices found", file=env.stdout)
    return EXIT_OK


def cmd_chat(args: argparse.Namespace, env: Environment) -> int:
    from content.dialogue import Dialogue

    from voice.firststart import DISCLAIMER, disclaimer_due, remember_disclaimer

    dialogue = Dialogue(_load(env))
    if disclaimer_due():
        print(DISCLAIMER, file=env.stdout, flush=True)
        remember_disclaimer()
    print('Ask a question about the article (or "what can I ask"). Ctrl-D or "bye" ends.', file=env.stdout, flush=True)
    for _number, text, problem in _lines(env):
        if problem is not None:
            env.error(problem)
            continue
        if not (text or "").strip():
            continue
        reply = dialogue.reply(text or "")
        print(reply.answer, file=env.stdout, flush=True)
        if reply.command == "stop" and (text or "").strip().lower().rstrip(".!") in ("bye", "goodbye", "quit", "exit"):
            break
    return EXIT_OK


def cmd_sections(args: argparse.Namespace, env: Environment) -> int:
    library = _load(env)
    if args.json:
        data = [{"article": a.id, "title": a.title,
                 "sections": [{"id": s.id, "heading": s.heading, "parent": s.parent} for s in a.sections]}
                for a in library.articles]
        print(json.dumps(data, ensure_ascii=False, indent=2), file=env.stdout)
        return EXIT_OK
    for article in library.articles:
        print(f"{article.id}  {article.title}", file=env.stdout)
        for section in article.sections:
            indent = "    " if section.parent else "  "
            print(f"{indent}{section.id:<{34 - len(indent)}}{section.heading}", file=env.stdout)
    return EXIT_OK


def cmd_import(args: argparse.Namespace, env: Environment) -> int:
    from content.importer import SourceError, import_file
    from content.loader import ContentError, load_article

    try:
        target, notices = import_file(args.file, env.articles_dir, args.id, args.replace_text)
    except SourceError as error:
        env.error(f"cannot import {args.file}: {error}" if not str(error).startswith(str(args.file)) else str(error))
        return EXIT_ERROR
    for notice in notices:
        print(f"note: {notice}", file=env.stdout)
    try:
        article = load_article(target)
    except ContentError as error:  # the merge kept a hand edit that breaks the schema
        env.error(f"imported, but the result does not load: {error}; fix the file by hand")
        return EXIT_ERROR
    hint = "" if any(s.questions for s in article.sections) else (
        "; add the questions people ask to each section (questions:) to improve matching")
    print(f"imported {len(article.sections)} sections into {target} (article id: {article.id}){hint}", file=env.stdout)
    return EXIT_OK


def cmd_models(args: argparse.Namespace, env: Environment) -> int:
    from models import ModelError, download_command, load_manifest, model_spec, models_dir, repair_command, survey

    try:
        manifest = load_manifest(args.manifest)
        folder = args.dir or models_dir()
        if args.action == "download":
            return _download_model(model_spec(args.name, manifest), folder, env)
        statuses = survey(folder, manifest)
    except ModelError as error:
        env.error(str(error))
        return EXIT_ERROR
    print(f"models folder: {folder}", file=env.stdout)
    for status in statuses:
        spec = status.spec
        name = spec.name if spec else status.path.name
        about = f"{spec.language:<6} {spec.kind:<5} {spec.size / 1e6:6.1f} MB" if spec else "(not in the manifest)"
        if status.installed:
            state = f"installed in {status.path}"
        elif status.problem == "not installed":
            state = f"not installed; download it with: {download_command(name)}"
        else:
            state = f"incomplete ({status.problem}); reinstall it with: {repair_command(status.path, manifest)}"
        print(f"  {name:<30} {about}  {state}", file=env.stdout)
        if spec and spec.note:
            print(f"  {'':<30} {spec.note}", file=env.stdout)
    return EXIT_OK


def _download_model(spec, folder: Path, env: Environment) -> int:  # type: ignore[no-untyped-def]
    from urllib.parse import urlsplit

    from models import model_problem
    from models.download import ProgressBar, download_model

    target = folder / spec.folder
    if model_problem(target) is None:
        print(f"{spec.name} is already installed in {target}", file=env.stdout)
        return EXIT_OK
    print(f"downloading {spec.name} ({spec.size / 1e6:.1f} MB) from {urlsplit(spec.url).netloc}", file=env.stderr,
          flush=True)
    bar = ProgressBar(env.stderr, spec.name)
    try:
        path = download_model(spec, folder, bar)
    finally:
        bar.close()
    print(f"installed {spec.name} in {path} (size and SHA-256 checked)", file=env.stdout)
    return EXIT_OK


def cmd_benchmark(args: argparse.Namespace, env: Environment) -> int:
    import importlib

    if args.what in ("speech", "vad", "wake", "latency", "soak"):
        return importlib.import_module(f"benchmarks.{args.what}").main(env.stdout, args.options)
    if args.options:
        raise UsageError(f"benchmark {args.what} takes no options")
    return importlib.import_module(f"benchmarks.{args.what}").main(env.stdout)


COMMANDS = {"ask": cmd_ask, "chat": cmd_chat, "read": cmd_read, "listen": cmd_listen, "ptt": cmd_ptt, "config": cmd_config, "doctor": cmd_doctor, "service": cmd_service, "devices": cmd_devices, "sections": cmd_sections, "import": cmd_import,
            "benchmark": cmd_benchmark, "models": cmd_models}


def main(argv: list[str] | None = None, env: Environment | None = None) -> int:
    env = env or Environment()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        defaults = _settings(argv, env)
        args = _parse(argv, defaults)
        if args.command not in ("config", "doctor"):  # these two report the problems themselves
            for problem in env.settings_problems:
                env.error(str(problem))
        if args.content is not None:
            env.articles_dir = args.content
        if args.command is None:  # plain run.py: the listen command's defaults
            args = _parse([*argv, _default_command(argv, env)], defaults)
        return COMMANDS[args.command](args, env)
    except UsageError as error:
        env.error(str(error))
        return EXIT_USAGE


def _settings(argv: list[str], env: Environment) -> dict[str, object]:
    """Read the settings file (created, documented, on first run) into env; the option defaults it gives."""
    from voice.config import config_path, ensure_file, load, option_defaults

    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--config", type=Path)
    given = early.parse_known_args(argv)[0].config
    env.config_file = given or env.config_file or config_path()
    if given is None:
        ensure_file(env.config_file)
    env.settings, env.settings_problems = load(env.config_file)
    return option_defaults(env.settings)


def _parse(argv: list[str], defaults: dict[str, object]) -> argparse.Namespace:
    """Parse with the settings file's values as the defaults of the options they belong to."""
    parser = build_parser()
    for group in parser._actions:
        if isinstance(group, argparse._SubParsersAction):
            for command in group.choices.values():
                known = {action.dest for action in command._actions}
                command.set_defaults(**{dest: value for dest, value in defaults.items() if dest in known})
    return parser.parse_args(argv)


if __name__ == "__main__":
    import signal

    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(encoding="utf-8", errors="replace")  # type: ignore[union-attr]
    # SIGTERM (systemd stopping the service, a shutdown) takes the same clean way out as Ctrl-C: every `with` and
    # `finally` runs, devices close, and files are only ever replaced whole (content.store.write_atomically).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        sys.exit(EXIT_OK)
