"""Voice benchmark: load time, time to the first audio of an answer, real-time factor, whole-article render.

    python run.py benchmark tts

First audio is what the player waits for before the first sound: the synthesis of an answer's first utterance
(the text planner splits a long first sentence at a comma for this). The whole article is rendered as
``run.py read --out`` renders it, pauses included.
"""

from __future__ import annotations

import statistics
import time
from typing import IO

QUESTIONS = ("how long will my back hurt?", "can I take ibuprofen?", "will this last forever?", "should I see a physio?",
             "why does my back hurt after the epidural?")
GOAL_MS = {"system": 150, "piper": 300}
"""The issue's goal for the first audio of an answer on the 2-core machine."""


def main(out: IO[str]) -> int:
    from content.dialogue import Dialogue
    from content.loader import load_library
    from content.speech import answer_script, article_script
    from voice.render import render
    from voice.tts import PiperVoice, SystemVoice, Voice, VoiceError, VoiceSettings

    library = load_library()
    dialogue = Dialogue(library)
    answers = [answer_script(dialogue.reply(q).answer) for q in QUESTIONS]
    rows = []
    for name, kind in (("system", SystemVoice), ("piper", PiperVoice)):
        started = time.perf_counter()
        try:
            voice: Voice = kind(VoiceSettings())
        except VoiceError as error:
            rows.append((name, f"unavailable: {error}", "", "", "", "", ""))
            continue
        load_s = time.perf_counter() - started
        with voice:
            firsts = []
            for script in answers:
                started = time.perf_counter()
                voice.say(script[0].text)
                firsts.append(time.perf_counter() - started)
            started = time.perf_counter()
            audio, _ = render(article_script(library.articles[0]), voice)
            render_s = time.perf_counter() - started
        rows.append((name, f"{load_s:.2f} s", f"{statistics.median(firsts) * 1000:.0f} ms",
                     f"{max(firsts) * 1000:.0f} ms", f"≤ {GOAL_MS[name]} ms", f"{render_s / audio.seconds:.3f}",
                     f"{render_s:.1f} s for {audio.seconds / 60:.1f} min"))
    header = ("voice", "load", "first audio (median)", "first audio (max)", "goal", "real-time factor",
              "whole article")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths)), file=out)
    print("-|-".join("-" * w for w in widths), file=out)
    for row in rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(row, widths)), file=out)
    print(f"\nfirst audio: synthesis of an answer's first utterance ({len(QUESTIONS)} answers); real-time factor: "
          "synthesis time / audio length over the whole article", file=out)
    return 0
