import pytest

from content.speakable import has_unspeakable, references, speakable, strip_emoji


@pytest.mark.parametrize(
    ("raw", "spoken"),
    [
        ("Big congrats to you, mama! 👏", "Big congrats to you, mama!"),
        ("just back pain from delivering your baby. 🤷♀️", "just back pain from delivering your baby."),
        ("check in with your doc. 👩⚕️", "check in with your doc."),
        ("♨️ Rest, rest, rest", "Rest, rest, rest"),
        ("Yep — you can have temporary back pain from your epidural. [1]",
         "Yep, you can have temporary back pain from your epidural."),
        ("your leg, or both legs (e.g., your leg). [4]", "your leg, or both legs (for example, your leg)."),
        ("Pain killers & medicines", "Pain killers and medicines"),
        ("is this from my epidural??”", 'is this from my epidural?"'),
        ("you’re thinking…", "you're thinking..."),
        ("a\u00a0b", "a b"),
    ],
)
def test_speakable(raw: str, spoken: str) -> None:
    assert speakable(raw) == spoken
    assert not has_unspeakable(speakable(raw))


def test_emoji_fragments_and_selectors_are_removed() -> None:
    assert strip_emoji("a\u2640b\u2695c\ufe0fd\u200de\U0001F3FBf") == "abcdef"


def test_references_keep_order_and_numbers() -> None:
    assert references("x [4] y [1] z [4]") == [4, 1]


def test_has_unspeakable_catches_markers() -> None:
    assert has_unspeakable("text [3]")
    assert has_unspeakable("text 🙏")
    assert not has_unspeakable("plain text, (with brackets) and 3 numbers.")
