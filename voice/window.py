"""`run.py ptt --window`: a small desktop window with a large "hold to talk" button and the same space key.

Tk runs in the main thread; the audio (voice.ptt.PushToTalk) in a thread of its own, joined on the way out. The
other threads never touch Tk: what they show goes through a queue that the window reads every POLL_MS.

Under X11 a held key repeats as release+press pairs arriving together, so a release only counts when no press
follows within RELEASE_DEBOUNCE_MS. Without a display (over SSH, on a Pi with no desktop) it says so in one line and
points at the terminal push-to-talk.
"""

from __future__ import annotations

import queue
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from content.loader import Library
    from voice.ptt import Setup
    from voice.tts import Voice

POLL_MS = 50
"""How often the window takes what the other threads want shown."""
RELEASE_DEBOUNCE_MS = 60
"""A space release followed by a press within this is X's auto-repeat, not the key coming up."""
TITLE = "Back pain after an epidural: ask aloud"
COLOURS = {"idle": ("#2f5d8a", "Hold to talk"), "listening": ("#2e8b57", "Listening…\nlet go when done"),
           "listening-hands-free": ("#2e8b57", "Listening…"),
           "answering": ("#6b5b95", "Answering…\npress to interrupt"), "loading": ("#777777", "Getting ready…")}
"""Per state: the button's colour and words (muted tones: it may be looked at in a dark room)."""
HINT = "Hold the button, or the space bar, and ask a question. Let go when you are done. (q closes the window.)"


class WindowError(Exception):
    """No display to open a window on, or no Tk; the message says what to do."""


def open_root():  # type: ignore[no-untyped-def]
    """The Tk root window, or WindowError saying why there is none."""
    try:
        import tkinter
    except ImportError:
        raise WindowError("this Python has no Tk (tkinter) for the window: sudo apt-get install python3-tk, or use "
                          "push-to-talk in the terminal: python run.py ptt") from None
    try:
        return tkinter.Tk(className="epidural-voice-guide")
    except tkinter.TclError as error:
        reason = "DISPLAY is not set" if "DISPLAY" in str(error) else str(error).splitlines()[0]
        raise WindowError(f"there is no desktop display to open the window on ({reason}); use push-to-talk in the "
                          "terminal instead: python run.py ptt") from None


class TalkWindow:
    """The window: a big button, what was heard, what is being said. ``show()`` may be called from any thread."""

    def __init__(self, root, press: Callable[[], None], release: Callable[[], None],  # type: ignore[no-untyped-def]
                 quit: Callable[[], None]) -> None:
        import tkinter as tk

        self.root = root
        self._press, self._release, self._quit = press, release, quit
        self._shown: queue.SimpleQueue[tuple[str, str]] = queue.SimpleQueue()
        self._pending_release: str | None = None
        self.down = False
        self.state = "loading"
        root.title(TITLE)
        root.geometry("520x420")
        root.minsize(360, 320)
        root.configure(background="#f4f1ea")
        font = ("DejaVu Sans", 13)
        self.button = tk.Label(root, text=COLOURS["loading"][1], font=("DejaVu Sans", 22, "bold"), foreground="white",
                               background=COLOURS["loading"][0], relief="raised", borderwidth=3, height=4,
                               cursor="hand2")
        self.button.pack(fill="x", padx=20, pady=(20, 10))
        self.hint = tk.Label(root, text=HINT, font=("DejaVu Sans", 11), background="#f4f1ea", foreground="#555555",
                             wraplength=480, justify="center")
        self.hint.pack(padx=20)
        self.heard = tk.Label(root, text="", font=font, background="#f4f1ea", foreground="#222222", wraplength=480,
                              justify="left", anchor="w")
        self.heard.pack(fill="x", padx=20, pady=(14, 4))
        self.saying = tk.Label(root, text="", font=font, background="#f4f1ea", foreground="#2f5d8a", wraplength=480,
                               justify="left", anchor="nw", height=5)
        self.saying.pack(fill="both", expand=True, padx=20, pady=(4, 10))
        self.note = tk.Label(root, text="", font=("DejaVu Sans", 10), background="#f4f1ea", foreground="#a03030",
                             wraplength=480, justify="left", anchor="w")
        self.note.pack(fill="x", padx=20, pady=(0, 10))
        self.button.bind("<ButtonPress-1>", lambda event: self.press())
        self.button.bind("<ButtonRelease-1>", lambda event: self.release())
        root.bind("<KeyPress-space>", lambda event: self._key_down())
        root.bind("<KeyRelease-space>", lambda event: self._key_up())
        root.bind("<KeyPress-q>", lambda event: self.close())
        root.bind("<Escape>", lambda event: self.close())
        root.protocol("WM_DELETE_WINDOW", self.close)
        root.after(POLL_MS, self._poll)

    # -- input --

    def press(self) -> None:
        if self.state == "loading" or self.down:
            return
        self.down = True
        self.button.configure(relief="sunken")
        self._press()

    def release(self) -> None:
        if not self.down:
            return
        self.down = False
        self.button.configure(relief="raised")
        self._release()

    def _key_down(self) -> None:
        if self._pending_release is not None:  # X's auto-repeat: the key never came up
            self.root.after_cancel(self._pending_release)
            self._pending_release = None
            return
        self.press()

    def _key_up(self) -> None:
        if self._pending_release is not None:
            self.root.after_cancel(self._pending_release)
        self._pending_release = self.root.after(RELEASE_DEBOUNCE_MS, self._key_released)

    def _key_released(self) -> None:
        self._pending_release = None
        self.release()

    def close(self) -> None:
        self._quit()
        self.root.quit()

    # -- output --

    def show(self, kind: str, text: str) -> None:
        """Thread-safe: the window shows it within POLL_MS."""
        self._shown.put((kind, text))

    def _poll(self) -> None:
        while True:
            try:
                kind, text = self._shown.get_nowait()
            except queue.Empty:
                break
            self.apply(kind, text)
        self.root.after(POLL_MS, self._poll)

    def apply(self, kind: str, text: str) -> None:
        """Show one change now (in Tk's thread)."""
        if kind == "state":
            self.state = text
            colour, words = COLOURS.get(text, COLOURS["idle"])
            self.button.configure(background=colour, text=words)
            if text.startswith("listening"):
                self.note.configure(text="")
        elif kind == "heard":
            self.heard.configure(text=f"You asked: “{text}”" if text else "I didn't hear anything.")
            self.saying.configure(text="")
        elif kind == "saying":
            self.saying.configure(text=text)
        else:
            self.note.configure(text=text)


def talk_in_window(setup: Setup, library: Library, load_voice: Callable[[], Voice],
                   notice: Callable[[str], None]) -> int:
    """`run.py ptt --window`: until the window is closed; returns the exit status."""
    from content.dialogue import Dialogue
    from voice.ptt import PushToTalk, SpokenAnswers, prepare, sound_player

    try:
        root = open_root()
    except WindowError as error:
        notice(str(error))
        return 1
    window: TalkWindow | None = None
    talk: PushToTalk | None = None
    stopping = threading.Event()

    def quit_() -> None:
        stopping.set()
        if talk is not None:
            talk.stop()

    window = TalkWindow(root, lambda: talk and talk.press(), lambda: talk and talk.release(), quit_)
    root.update()
    ready = prepare(setup, library, load_voice, notice)
    if ready is None:
        root.destroy()
        return 1
    player, transcriber, microphone = ready
    sound = sound_player(player, setup.sound_volume, window.show)
    answers = SpokenAnswers(Dialogue(library), player, sound, window.show)
    talk = PushToTalk(microphone, transcriber, answers, sound, window.show)
    audio = threading.Thread(target=talk.run, name="push-to-talk")
    audio.start()
    window.apply("state", "idle")

    def watch() -> None:  # the audio thread ended on its own (an error): close the window
        if talk is not None and talk.ended.is_set() and not stopping.is_set():
            root.quit()
        else:
            root.after(200, watch)

    root.after(200, watch)
    # Tk swallows a KeyboardInterrupt raised in its callbacks: Ctrl-C closes the window from a handler instead, and
    # is raised again once everything is joined (run.py maps it to status 130).
    interrupted = threading.Event()

    def on_interrupt(number: int, frame: object) -> None:
        interrupted.set()
        quit_()
        root.quit()

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        root.mainloop()
    finally:
        signal.signal(signal.SIGINT, previous)
        talk.stop()
        audio.join()
        answers.close()
        transcriber.close()
        player.voice.close()
        root.destroy()
    if interrupted.is_set():
        raise KeyboardInterrupt
    if talk.error is not None:
        notice(str(talk.error))
        return 1
    return 0
