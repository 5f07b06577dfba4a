"""Question → section, command or warning sign. Pure functions over loaded articles; no I/O.

A question is normalised (contractions, filler, synonyms, stems, small recognition slips) into terms. Each
section is scored two ways against them, and the two are averaged:

- coverage: how much of the question's information (IDF-weighted terms, unknown words counting high) the
  section's words explain — its questions and keywords fully, its heading mostly, its text a little;
- example similarity: the best IDF cosine between the question and one of the section's example questions,
  which keeps the shape of a question ("how long" vs "how common").

A question whose words the articles do not know, or whose only known words are generic, is "not covered".
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process

from content.article import Article, Section, Warning
from content.lexicon import BODY_PARTS, CONTEXT, CONTRACTIONS, FOREIGN, FRAMES, GENERIC, OFF_TOPIC, PHRASES, SPELLINGS, STOPWORDS, SYNONYMS
from content.speakable import strip_emoji

HEADING_WEIGHT = 0.7
EXAMPLE_WEIGHT = 1.0
TEXT_WEIGHT = 0.35
BARE_TEXT_WEIGHT = 0.8
"""A freshly imported section has only its text to be found by, so its text counts almost fully."""
FUZZY_CUTOFF = 85.0
FUZZY_MIN_LENGTH = 8
"""Only long words are corrected towards: "ibuprofin" → "ibuprofen", but "feeding" must not become "feeling"."""
"""Minimum rapidfuzz ratio (0-100) for an unknown word to be read as a known one ("ibuprofin" → "ibuprofen")."""
MIN_CONFIDENCE = 0.40
"""Below this the best section is not trusted: the question is not covered."""
OFF_SUBJECT_FACTOR = 0.4
UNKNOWN_WEIGHT = 0.7
"""How much a word no article knows counts against a section, relative to the rarest known word."""
"""Score kept by a section when the question has words no article knows and none of the article's subject."""
CLARIFY_MARGIN = 0.02
"""Two unrelated sections closer than this (and both weak) make the assistant ask which was meant."""
CLARIFY_BELOW = 0.45

_STEMMER = snowballstemmer.stemmer("english")
_PHRASE_RES = tuple((re.compile(rf"\b(?:{pattern})\b"), concept) for pattern, concept in SPELLINGS + PHRASES)
_CONTRACTION_RES = tuple((re.compile(pattern), spoken) for pattern, spoken in CONTRACTIONS)
_NUMBER_WORDS = frozenset("one two three four five six seven eight nine ten eleven twelve couple several first second "
                          "third".split())


def plain_text(text: str) -> str:
    """Lowercase words and spaces only, contractions spelled out: the form every pattern is matched on."""
    text = strip_emoji(text).lower().replace("\u2019", "'").replace("\u2018", "'")
    for pattern, spoken in _CONTRACTION_RES:
        text = pattern.sub(spoken, text)
    text = re.sub(r"[^a-z0-9' ]+", " ", text).replace("'", "")
    return " ".join(text.split())


@lru_cache(maxsize=8192)
def _term(word: str) -> str:
    return _STEMMER.stemWord(SYNONYMS.get(word, word))


def words(text: str) -> list[str]:
    """The question's words after phrase rewriting, before filler is dropped."""
    text = plain_text(text)
    for pattern, concept in _PHRASE_RES:
        text = pattern.sub(concept, text)
    return text.split()


def terms(text: str, known: frozenset[str] = frozenset(), vocabulary: Sequence[str] = ()) -> list[str]:
    """Content terms of ``text``: filler dropped, synonyms merged, stemmed.

    A word that is not in ``known`` is compared with ``vocabulary``; a close spelling replaces it, which absorbs
    typing and recognition slips.
    """
    result: list[str] = []
    for word in words(text):
        if word in STOPWORDS or word in _NUMBER_WORDS or word.isdigit() or len(word) < 2:
            continue
        if vocabulary and word not in known and word not in SYNONYMS and len(word) >= 6:
            hit = process.extractOne(word, vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
            if hit is not None:
                word = hit[0]
        term = _term(word)
        if term not in result:
            result.append(term)
    return result


@dataclass(frozen=True)
class Match:
    """A section and how sure the matcher is that it answers the question (0-1)."""

    article: str
    section: str
    confidence: float


@dataclass(frozen=True)
class Ranking:
    """The sections best first, and what the question was reduced to."""

    matches: tuple[Match, ...]
    terms: tuple[str, ...]
    unknown: tuple[str, ...]
    """Terms no article knows: words of another topic, or noise."""

    off_topic: float = 0.0
    """How well the question matches things no article covers (the baby's sleep, the weather...)."""

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None


SUBJECT_SHARE = 0.5
"""A title word that occurs in at least this share of an article's sections is what the article is about."""


def _subject_terms(article: Article) -> frozenset[str]:
    """The terms an article is about ("back", "pain", "epidural"): in its title and in most of its sections."""
    title = set(terms(article.title))
    counts = {t: sum(t in terms(s.text) for s in article.sections) for t in title}
    return frozenset(t for t, n in counts.items() if n >= SUBJECT_SHARE * len(article.sections))


_SHAPE_TERMS = frozenset(_term(w) for w in FRAMES | GENERIC)
_CONTEXT_TERMS = frozenset(_term(w) for w in CONTEXT)
_BODY_TERMS = frozenset(_term(w) for w in BODY_PARTS)
_FOREIGN_TERMS = frozenset(_term(w) for w in FOREIGN)
_GENERIC_TERMS = frozenset(_term(w) for w in GENERIC)
_DAMPED_TERMS = _GENERIC_TERMS | _CONTEXT_TERMS
GENERIC_DAMPING = 0.3
"""Light words ("good", "take", "best") count this much of their rarity: rare in the article, common in speech."""


@dataclass(frozen=True)
class _Entry:
    article: Article | None
    """None for the off-topic entry."""
    section: Section | None
    weights: dict[str, float]
    examples: tuple[frozenset[str], ...]


class Matcher:
    """Ranks the sections of a set of articles for a question."""

    def __init__(self, articles: Iterable[Article]) -> None:
        self.articles = tuple(articles)
        surface: set[str] = set()
        named: set[str] = set()
        raw: list[tuple[Article | None, Section | None, list[tuple[list[str], float]]]] = []
        for article in self.articles:
            for section in article.sections:
                fields: list[tuple[str, float]] = [(section.heading, HEADING_WEIGHT)]
                fields += [(q, EXAMPLE_WEIGHT) for q in section.questions + section.keywords]
                text_weight = TEXT_WEIGHT if section.questions or section.keywords else BARE_TEXT_WEIGHT
                fields += [(p, text_weight) for p in section.paragraphs]
                for text, weight in fields:
                    surface.update(words(text))
                    if weight >= HEADING_WEIGHT:
                        named.update(words(text))
                raw.append((article, section, [(terms(text), weight) for text, weight in fields]))
        raw += [(None, None, [(terms(text), EXAMPLE_WEIGHT)]) for text in OFF_TOPIC]
        self.known = frozenset(surface)
        # Slips are corrected only towards words that name things (headings, questions, keywords, the lexicon),
        # not towards every word of the text: "weather" must not become the text's "whether".
        self.vocabulary = tuple(sorted(w for w in named | set(SYNONYMS)
                                       if len(w) >= FUZZY_MIN_LENGTH and w not in STOPWORDS))
        self.subjects = {a.id: _subject_terms(a) for a in self.articles}
        document_frequency: dict[str, int] = {}
        entries = []
        for article, section, fields_terms in raw:
            weights: dict[str, float] = {}
            for field_terms, weight in fields_terms:
                for term in field_terms:
                    weights[term] = max(weights.get(term, 0.0), weight)
            # Rarity is judged on the words that name a section; its text only counts where there is nothing else.
            for term, weight in weights.items():
                if weight >= HEADING_WEIGHT or weight == BARE_TEXT_WEIGHT:
                    document_frequency[term] = document_frequency.get(term, 0) + 1
            examples = tuple(frozenset(t) for t, w in fields_terms if w >= HEADING_WEIGHT and t)
            entries.append(_Entry(article, section, weights, examples))
        count = max(1, len(entries))
        self.idf = {t: math.log(1 + count / df) * (GENERIC_DAMPING if t in _DAMPED_TERMS else 1.0)
                    for t, df in document_frequency.items()}
        self.unknown_idf = math.log(1 + count / 0.5) * UNKNOWN_WEIGHT
        self.entries = tuple(entries)
        self.article_terms = frozenset(t for e in entries if e.article is not None for t in e.weights)

    def terms(self, question: str) -> list[str]:
        return terms(question, self.known, self.vocabulary)

    def _score(self, entry: _Entry, query: list[str], information: float, query_norm: float) -> float:
        coverage = sum(self.idf.get(t, 0.0) * entry.weights.get(t, 0.0) for t in query) / information
        similarity = 0.0
        for example in entry.examples:
            shared = sum(self.idf[t] ** 2 for t in query if t in example)
            if shared:
                norm = math.sqrt(sum(self.idf[t] ** 2 for t in example))
                similarity = max(similarity, shared / (query_norm * norm))
        return 0.5 * coverage + 0.5 * similarity

    def _about_something_else(self, entry: _Entry, query: list[str]) -> bool:
        """True if the question's topic is one this section does not speak of.

        Either a topic the lexicon knows an article like this does not cover ("while breastfeeding", "a c-section"),
        or words this section never uses with nothing that ties them to its article's subject: "how long does
        bleeding last" shares only its shape with "how long does it last".
        """
        assert entry.article is not None
        if any(t in _FOREIGN_TERMS and entry.weights.get(t, 0.0) < HEADING_WEIGHT for t in query):
            return True
        unexplained = [t for t in query if entry.weights.get(t, 0.0) == 0.0 and t not in _SHAPE_TERMS]
        topical = [t for t in query
                   if entry.weights.get(t, 0.0) > 0.0 and t not in _SHAPE_TERMS and t not in _CONTEXT_TERMS]
        return bool(unexplained) and not topical and not self.subjects[entry.article.id].intersection(query)

    def rank(self, question: str) -> Ranking:
        """Every section scored for ``question``, best first."""
        query = self.terms(question)
        if not query:
            return Ranking((), (), ())
        unknown = tuple(t for t in query if t not in self.article_terms)
        information = sum(self.idf.get(t, self.unknown_idf) for t in query)
        query_norm = math.sqrt(sum(self.idf.get(t, self.unknown_idf) ** 2 for t in query))
        matches = []
        off_topic = 0.0
        # "why is my neck so stiff": a part of the body no article names, and not the back, is another complaint.
        other_body_part = "back" not in query and any(t in _BODY_TERMS and t not in self.article_terms for t in query)
        for entry in self.entries:
            score = self._score(entry, query, information, query_norm)
            if entry.article is None or entry.section is None:
                off_topic = max(off_topic, score)
                continue
            if other_body_part or self._about_something_else(entry, query):
                score *= OFF_SUBJECT_FACTOR
            matches.append(Match(entry.article.id, entry.section.id, round(min(1.0, score), 3)))
        matches.sort(key=lambda m: -m.confidence)
        return Ranking(tuple(matches), tuple(query), unknown, round(min(1.0, off_topic), 3))


# ---- warning signs ----

def _group_re(group: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(plain_text(w)) for w in group) + r")\b")


@lru_cache(maxsize=256)
def _warning_res(warning: Warning) -> tuple[tuple[re.Pattern[str], ...], ...]:
    return tuple(tuple(_group_re(group) for group in alternative) for alternative in warning.when)


def warning_signs(question: str, warnings: Iterable[Warning]) -> list[Warning]:
    """The warnings whose words all occur in the question (any one alternative suffices)."""
    text = plain_text(question)
    return [w for w in warnings if any(all(g.search(text) for g in alt) for alt in _warning_res(w))
            and not (w.unless and _group_re(w.unless).search(text))]


# ---- commands ----

COMMANDS: dict[str, tuple[str, ...]] = {
    "topics": (r"what (can|could|should|do) i ask( you)?( about)?", r"what (do|can) you (know|tell me|do|help with)( about)?",
               r"what (topics|questions|sections|things)( can i ask| are there| do you (have|know|cover|answer))?",
               r"what (sort|kind|type)s? of (things|questions|stuff|topics) (can|could|should|do) i ask( you)?( about)?",
               r"what (questions|things) (do|can) you (answer|help with|do)",
               r"what (is|are) in (the|this) article", r"what does (it|the article) (cover|talk about)",
               r"(list|tell me) (the )?(topics|sections|options)", r"help( me)?", r"topics", r"menu", r"options",
               r"what are (the|my|your) (options|topics)"),
    "read": (r"(read|play)( me| out)? (the )?(whole|entire|full|complete) (article|thing|lot|text)( to me)?( out loud| aloud)?",
             r"read( me| us)? (it|everything|the article|this article|it all|all of it|the whole thing|the lot)( to me)?"
             r"( out loud| aloud| all)?( (from )?(the )?(start|beginning|top))?( to (the )?(finish|end))?",
             r"read( me)? (the article )?from the (start|beginning|top)", r"(start|begin) (reading|the article)( from the (start|beginning))?",
             r"start (over|again)", r"(start |read |go )?(again )?from the (very )?(start|beginning|top)", r"read"),
    "next": (r"next( one| section| part| bit| topic| question)?", r"skip( this| that| it)?( part| section| bit| one)?",
             r"(go|move|skip) (forward|ahead|on to the next( one| section| part| bit)?)", r"(go to )?the next (one|section|part|bit)",
             r"move on", r"forward"),
    "previous": (r"previous( one| section| part| bit)?", r"(go )?back( one| a bit| a section)?", r"go back( to the (last|previous) (one|section|part|bit))?",
                 r"(the )?last (one|section|part|bit)", r"back up", r"the one before", r"before that", r"rewind"),
    "repeat": (r"repeat( that| it| this| the last (bit|part|one))?", r"say (that|it|this) again", r"again", r"what did you (just )?say",
               r"come again", r"pardon( me)?", r"sorry what", r"one more time", r"(read|play) (that|it|this) again", r"huh",
               r"(i )?(did not|could not|did nt) (hear|catch) (that|it|you)", r"what was that", r"i missed (that|it)( say it again)?",
               r"say it again"),
    "more": (r"(tell me |read |i want |i would like )?(some )?more( please| about (that|it|this))?", r"what else",
             r"is there (any |anything )?more( on| about)?( that| it| this)?", r"what else does it say( about (that|it|this))?",
             r"go on tell me more( about (that|it|this))?", r"(read |tell me )?the rest( of (that|it|this))?",
             r"anything else", r"and then", r"(tell me|read) the rest", r"keep (telling|talking)"),
    "pause": (r"pause( it| that| reading)?", r"wait( a (second|sec|moment|minute))?", r"hold on( a (second|sec|moment|minute))?",
              r"hang on( a (second|sec|moment|minute))?", r"(just )?(one|a) (second|sec|moment|minute)", r"hold it",
              r"give me a (second|sec|moment|minute)", r"shh+", r"hush"),
    "resume": (r"resume( reading)?", r"continue( reading)?", r"carry on( reading)?", r"keep (going|reading)", r"go on",
               r"go ahead", r"unpause", r"play", r"(ok )?(i am )?(back|ready)", r"where were we",
               r"(pick up|carry on|start again|continue) (from )?where (you|we|i) left off", r"go on now"),
    "stop": (r"stop( it| that| reading| talking| now)?", r"(that is|that will do|that is) enough", r"enough", r"(be )?quiet",
             r"shut up", r"cancel", r"never ?mind", r"(that is|that will be) all", r"i am (done|finished)", r"(good)?bye",
             r"exit", r"quit", r"silence", r"no more", r"off"),
    "slower": (r"(a (bit|little) )?slower", r"slow (it )?down", r"(speak|read|talk|go) (a (bit|little) )?(more )?(slower|slowly)",
               r"(you are |that is )?too fast", r"not so (fast|quick|quickly)"),
    "faster": (r"(a (bit|little) )?faster", r"speed (it )?up", r"(speak|read|talk|go) (a (bit|little) )?(faster|quicker|more quickly)",
               r"(you are |that is )?too slow", r"quicker", r"hurry( up)?"),
}
_COMMAND_RES = {name: re.compile(r"^(?:" + "|".join(patterns) + r")$") for name, patterns in COMMANDS.items()}
_COMMAND_FILLER = re.compile(
    r"\b(um+|uh+|er+|erm|hmm+|ah|oh|whoa|woah|wow|oi|okay|ok|alright|right|so|hey|hi|please|thanks|thank you|now|just|then"
    r"|again please|that is (fine|good|great|ok|okay)|fine|great|you can"
    r"|can you|could you|would you|will you|can we|could we|let us|lets|i want you to|i want to|i would like to|i would like you to"
    r"|i need you to|go ahead and|actually|oops|sorry|assistant|computer|yeah|yes|no)\b")
_ENDING_COMMANDS = frozenset({"pause", "stop", "next", "resume", "continue", "repeat"})
_QUESTION_WORDS = frozenset("how when why what where which who will would can could does do did is are should may".split())
_NOT_BEFORE_COMMAND = frozenset("not to will would can could it i you never ever the and it is".split())
_COMMAND_EXAMPLES = {p: name for name, patterns in COMMANDS.items() for p in patterns if re.fullmatch(r"[a-z ]+", p)}
_COMMAND_EXAMPLES.update({name: name for name in COMMANDS if name != "topics"})
_COMMAND_EXAMPLES.update({"continue": "resume", "go back": "previous", "read it all": "read", "what can i ask": "topics"})


def command(text: str) -> str | None:
    """The command an utterance is, or None: the whole utterance must be the command, filler aside."""
    plain = plain_text(text)
    if not plain or len(plain.split()) > 12:
        return None
    core = " ".join(_COMMAND_FILLER.sub(" ", plain).split())
    # "okay I'm back, carry on": the command is often the last clause, after a few words of preamble.
    clauses = [c for c in re.split(r"[,.;!?]", text.lower()) if c.strip()]
    short_preamble = len(clauses) > 1 and len(" ".join(clauses[:-1]).split()) <= 5
    last = " ".join(_COMMAND_FILLER.sub(" ", plain_text(clauses[-1])).split()) if short_preamble else core
    light = " ".join(re.sub(r"\b(um+|uh+|er+|erm|hmm+|ah|oh|whoa|okay|ok|so|please)\b", " ", plain).split())
    words_ = core.split()
    # "shh the baby's sleeping, pause": a one-word command at the end of a short utterance.
    tail = core
    if (1 < len(words_) <= 6 and words_[-1] in _ENDING_COMMANDS and words_[0] not in _QUESTION_WORDS
            and words_[-2] not in _NOT_BEFORE_COMMAND):
        tail = words_[-1]
    for candidate in (core, light, plain, last, tail):
        for name, pattern in _COMMAND_RES.items():
            if pattern.match(candidate):
                return name
    if core and len(core.split()) <= 3 and len(core) >= 4:
        hit = process.extractOne(core, list(_COMMAND_EXAMPLES), scorer=fuzz.ratio, score_cutoff=80.0)
        if hit is not None:
            return _COMMAND_EXAMPLES[hit[0]]
    return None
