"""What people type, read as the bands and genres they like and hate.

    I like Minor Threat and Have Heart but I hate DMX
    like Kid Rock hate rap
    Minor Threat*2, "Earth, Wind & Fire" -Nickelback but not Creed

The text is cut into tokens (words, commas and full stops, quoted names, `*N` weights,
+/- signs), then read as a sequence of pieces: names, and the phrases of
engine.phrasing (cues like "I'm into" or "can't stand", fillers like "please",
connectives like "and"). A cue's polarity holds for the names after it until the next
cue, a full stop or "but"; names before any cue are likes. "Double quotes" (or “ ” „ «
», or 'single' ones around a name) keep a name whole, `*N` right after a name weighs it
(0 < N <= 10).

Band names are made of the same words ("I", "Love", "The Band", Like Moths to Flames,
Belle and Sebastian), so the reader weighs every reading against the catalog. Given
`name_score` (how surely a text names one catalog band or genre, 0 to 1), each token is
worth 1 when read as part of a phrase and its name's score when read inside a name, and
the reading worth most wins, less these costs:

- a cue that no name follows (before a comma, an opposite cue or the end) costs 1.5:
  so "Love" alone is the band, and "like The Band" likes The Band;
- names side by side with nothing between them ("Minor Threat Have Heart") cost 0.5
  per split, and only names scoring 0.9 or more may stand so; the split is reported;
- a phrase word inside a name (at most three such words, commas and stops) needs a name
  scoring 0.9 or more, a comma or a full stop one spelt exactly: "Earth, Wind & Fire",
  "Godspeed You! Black Emperor".

Ties go to fewer names ("I like Air" is not the band I), then to more words inside names
(A Lot Like Birds), then to fewer phrase words inside names, then to reading the earliest
ambiguous word as a phrase. Without `name_score` every phrase word is read as a phrase.

Bad input never raises: invisible characters, Discord mentions, links, markdown, control
characters and stacked combining marks are dropped, lengths are capped, and what went
wrong is listed in `ParsedQuery.problems`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum, IntEnum, StrEnum

from engine.phrasing import (
    AFTER_CUES,
    COMMON_WORDS,
    CUES,
    PHRASES,
    ROLE_WORDS,
    Role,
    corrected,
    phrase_key,
    phrases_at,
)

MAX_QUERY_CHARS = 1_000
MAX_NAMES = 25
MAX_NAME_CHARS = 100
MAX_WEIGHT = 10.0
# Work on pathological input stays bounded: longer text is cut before it is cleaned.
_MAX_RAW_CHARS = 20 * MAX_QUERY_CHARS
# Names stand side by side, and a phrase word is read inside a name, only when they score
# at least SURE_SCORE; a comma or a full stop inside a name ("Earth, Wind & Fire", "Mr.
# Bungle") only when the name is spelt exactly ("jazz. my" is not the genre jazzy).
SURE_SCORE = 0.9
_MAX_ABSORBED = 3
# Longest name tried that does not fill a whole run of words: bounds the catalog lookups
# per query (the longest whole run is always tried).
_MAX_PART_WORDS = 6
# Values are in thousandths of a token, so that equal readings compare equal.
_UNIT = 1000
_DANGLING_COST = 1500
_SPLIT_COST = 500
# Names before a like cue in the same sentence ("Now I like ...").
_BARE_NAMES_COST = 500
# An everyday word read as filler, a phrase word spelt with one slip, and "!!!" on its
# own read as the end of a sentence are worth less than a phrase word.
_COMMON_VALUE = 600
_TYPO_COST = 200
_LOOSE_END = 900
# A word no reading allows where it stands is read as a name of its own at this cost, so
# every text has a reading.
_FORCED_COST = 5000


class Polarity(StrEnum):
    LIKE = "like"
    HATE = "hate"


class Hint(StrEnum):
    """What kind of name the text says a name is ("the band X", "the genre X")."""

    BAND = "band"
    GENRE = "genre"


class ProblemKind(StrEnum):
    EMPTY = "empty"
    ONLY_HATES = "only_hates"
    TOO_LONG = "too_long"
    TOO_MANY_NAMES = "too_many_names"
    NAME_TOO_LONG = "name_too_long"
    BAD_WEIGHT = "bad_weight"
    DANGLING_KEYWORD = "dangling_keyword"
    UNCLOSED_QUOTE = "unclosed_quote"
    MENTIONS_REMOVED = "mentions_removed"


@dataclass(frozen=True)
class QueryProblem:
    kind: ProblemKind
    message: str  # one line for the person who typed the query


@dataclass(frozen=True)
class QueryTerm:
    name: str  # as typed, quotes and weight removed
    polarity: Polarity
    weight: float = 1.0
    quoted: bool = False
    hint: Hint | None = None  # quoted names and "the band X" are bands, "the genre X" genres
    # The words as typed when this name stood side by side with others ("minor threat
    # have heart"): the reader's guess, which the answer repeats.
    split_from: str | None = None


@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[QueryTerm, ...]
    problems: tuple[QueryProblem, ...]

    @property
    def likes(self) -> tuple[QueryTerm, ...]:
        return tuple(t for t in self.terms if t.polarity is Polarity.LIKE)

    @property
    def hates(self) -> tuple[QueryTerm, ...]:
        return tuple(t for t in self.terms if t.polarity is Polarity.HATE)

    def has(self, kind: ProblemKind) -> bool:
        return any(p.kind is kind for p in self.problems)


NameScore = Callable[[str], float]

# Single words that set a polarity or join names: where a name may start while it is
# being typed (engine.complete).
POLARITY_WORDS = {
    words[0] for words, role in PHRASES.items() if len(words) == 1 and role in CUES
}
CONNECTORS = {
    words[0] for words, role in PHRASES.items() if len(words) == 1 and role in (Role.AND, Role.BUT)
}

# Discord user, role, channel, emoji, timestamp and slash-command mentions, and pings.
_MENTION = re.compile(
    r"<(?:@[!&]?\d+|#\d+|a?:\w+:\d+|t:-?\d+(?::\w)?|/[^<>:]+:\d+)>|@(?:everyone|here)\b"
)
_MASKED_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?https?://[^)]*\)")
_URL = re.compile(r"<?https?://\S+")
_MARKDOWN = re.compile(r"\*\*|__|~~|\|\||`+|^[^\S\n]*(?:>>>|>|#{1,3})[^\S\n]", re.MULTILINE)

_QUOTES = '"“”„«»'
_SENTENCE_ENDS = ".!?…"
_TOKEN = re.compile(
    rf"""
    (?P<space>[^\S\n]+)
  | (?P<separator>[,;\n()\[\]])
  | [{_QUOTES}](?P<quoted>[^{_QUOTES}]*)(?P<closed>[{_QUOTES}])?
  | (?<!\w)['‘](?P<single>[^'‘’\n]{{2,}})['’](?!\w)
  | \*\s*(?P<weight>\d+(?:\.\d+)?)
  | (?P<sign>[-+–−])(?!\d)(?P<attached>(?=\S))?
  | (?P<symbol>[&/])
  | (?<=\S)(?P<stop>[{_SENTENCE_ENDS}]+)(?=\s|$)
  | (?P<bare>[{_SENTENCE_ENDS}]+)(?=\s|$)
  | (?P<word>(?:[^\s,;(){{}}\[\]{_QUOTES}*&/]|\*(?!\s*\d))+?)
    (?=[{_SENTENCE_ENDS}]*(?:[\s,;()\[\]{_QUOTES}&/]|\*\s*\d|$))
    """,
    re.VERBOSE,
)


class _Kind(Enum):
    WORD = "word"  # a word; a phrase word too, when its key is in the phrases
    SEPARATOR = "separator"  # a comma or semicolon
    STOP = "stop"  # the end of a sentence: a full stop, ! or ?, a new line
    QUOTED = "quoted"  # a whole name in quotes
    WEIGHT = "weight"
    SIGN = "sign"  # + or - before a name, or a spaced + joining two


@dataclass(frozen=True)
class _Token:
    kind: _Kind
    text: str
    start: int
    end: int
    key: str | None = None  # how a word is matched against the phrases
    polarity: Polarity | None = None  # a sign's; None for a spaced "+", which joins
    fixed_key: str | None = None  # the key, or the phrase word it misspells
    attached: bool = False  # a sign written onto its name ("-Coldplay"): for that one only

    @property
    def absorbed(self) -> bool:
        """Whether reading this token inside a name takes a name the catalog knows well."""
        if self.kind is _Kind.WORD:
            return self.key in ROLE_WORDS
        return self.kind in (_Kind.SEPARATOR, _Kind.STOP, _Kind.SIGN)


def _clean(text: str) -> tuple[str, list[QueryProblem]]:
    problems = []
    if len(text) > _MAX_RAW_CHARS:
        text = text[:_MAX_RAW_CHARS]
    # Invisible characters go first: "ht\u200btps://" must not hide a link from the
    # filters below, nor "<\u200b@123>" a mention.
    kept = []
    marks = 0
    for ch in unicodedata.normalize("NFC", text):
        category = unicodedata.category(ch)
        marks = marks + 1 if category in ("Mn", "Me") else 0
        if marks > 2:
            continue  # two marks on a letter is real writing; more is "zalgo" noise
        if category in ("Zl", "Zp"):
            kept.append("\n")
        elif category == "Cc" and ch != "\n":
            kept.append(" ")
        elif category not in ("Cf", "Cs"):
            kept.append(ch)
    text = "".join(kept)
    text, mentions = _MENTION.subn(" ", text)
    if mentions:
        problems.append(
            QueryProblem(ProblemKind.MENTIONS_REMOVED, "mentions and pings are not band names")
        )
    text = _URL.sub(" ", _MASKED_LINK.sub(r"\1", text))
    text = _MARKDOWN.sub(" ", text)
    if len(text) > MAX_QUERY_CHARS:
        cut = max(text.rfind(sep, 0, MAX_QUERY_CHARS) for sep in (" ", ",", "\n"))
        text = text[: cut if cut > 0 else MAX_QUERY_CHARS]
        problems.append(
            QueryProblem(
                ProblemKind.TOO_LONG,
                f"the query is longer than {MAX_QUERY_CHARS} characters; "
                "only its beginning was read",
            )
        )
    return text, problems


def _tokens(text: str) -> tuple[list[_Token], list[QueryProblem]]:
    tokens = []
    problems = []
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        if match["separator"] is not None:
            kind = _Kind.STOP if match["separator"] == "\n" else _Kind.SEPARATOR
            tokens.append(_Token(kind, match["separator"], start, end))
        elif match["stop"] is not None:
            tokens.append(_Token(_Kind.STOP, match["stop"], start, end))
        elif match["quoted"] is not None or match["single"] is not None:
            if match["quoted"] is not None and match["closed"] is None:
                problems.append(QueryProblem(ProblemKind.UNCLOSED_QUOTE, "a quote was not closed"))
            name = (match["single"] if match["quoted"] is None else match["quoted"]).strip()
            if name:
                tokens.append(_Token(_Kind.QUOTED, name, start, end))
        elif match["weight"] is not None:
            tokens.append(_Token(_Kind.WEIGHT, match["weight"], start, end))
        elif match["sign"] is not None:
            sign = match["sign"]
            # "+Converge" likes it; "Florence + the Machine", "Slayer + Megadeth" join.
            polarity = (
                Polarity.HATE if sign != "+"
                else Polarity.LIKE if match["attached"] is not None or not tokens
                else None
            )
            tokens.append(_Token(_Kind.SIGN, sign, start, end, polarity=polarity,
                                 attached=match["attached"] is not None))
        elif match["bare"] is not None:  # "!!!" on its own: a band's name, or an end
            bare = match["bare"]
            tokens.append(_Token(_Kind.WORD, bare, start, end, bare, fixed_key=bare))
        elif match["symbol"] is not None:
            symbol = match["symbol"]
            tokens.append(_Token(_Kind.WORD, symbol, start, end, symbol, fixed_key=symbol))
        elif match["word"] is not None:
            word = match["word"]
            if _only_symbols(word):  # "🎸 I love Radiohead": an emoji is in no band's name
                continue
            key = phrase_key(word)
            tokens.append(_Token(_Kind.WORD, word, start, end, key,
                                 fixed_key=corrected(key) or key))
    return tokens, problems


def _only_symbols(word: str) -> bool:
    """Emoji and other pictures, with their modifiers: no band is spelt with only those."""
    categories = {unicodedata.category(ch) for ch in word}
    return bool(categories & {"So", "Sk"}) and categories <= {"So", "Sk", "Mn", "Me"}


class _Piece(Enum):
    NAME = "name"  # a span of tokens read as one name
    QUOTED = "quoted"
    PHRASE = "phrase"  # a phrase of engine.phrasing: a cue, filler or connective
    COMMON = "common"  # an everyday word read as filler (engine.phrasing.COMMON_WORDS)
    SIGN = "sign"
    BREAK = "break"  # a comma, semicolon or sentence end
    WEIGHT = "weight"


@dataclass(frozen=True)
class _Item:
    """One piece of a reading and the tokens it covers."""

    piece: _Piece
    start: int
    end: int
    role: Role | None = None  # a phrase's, or a sign's (LIKE, HATE or AND)
    sentence_end: bool = False  # for a break
    value: int = 0  # thousandths of a token


class _Pending(IntEnum):
    """What the reading waits for: a cue or "the band" wants a name next."""

    NOTHING = 0
    LIKE = 1
    HATE = 2
    NAME = 3  # "the band", "the genre", or a list's "and": a name, of either polarity
    LIST = 4  # an everyday word read as a band at a sentence's start: "Yes and Genesis"


class _Before(IntEnum):
    """What came right before: names stand side by side only when both are sure, and
    never with only everyday words between them ("Modern Life is War" is one name)."""

    OTHER = 0
    SURE_NAME = 1
    NAME = 2
    NAME_AND_COMMON = 3  # a name, then everyday words
    LIST = 4  # a name, then "and" or a comma: a list goes on
    QUOTED = 5  # a quoted name: a name for lists and "X rocks", but never side by side
    COMMON = 6  # everyday words, no name before them


class _Sentence(IntEnum):
    """How the sentence so far stands: names before its first cue are likes, but before
    a like cue they are more likely everyday words ("Now I like ...", "Yes, I like ...")."""

    FRESH = 0
    OPENED = 1  # words but no name nor cue yet: "ok so like ..."
    BARE_NAMES = 2
    CUED = 3


_State = tuple[_Pending, _Before, _Sentence]
_START: _State = (_Pending.NOTHING, _Before.OTHER, _Sentence.FRESH)
_CUE_PENDING = {Role.LIKE: _Pending.LIKE, Role.SIMILAR: _Pending.LIKE, Role.HATE: _Pending.HATE}
_NAMES = (_Before.SURE_NAME, _Before.NAME, _Before.NAME_AND_COMMON, _Before.QUOTED)
_SIGN_ROLES = {Polarity.LIKE: Role.LIKE, Polarity.HATE: Role.HATE, None: Role.AND}

# A reading's value, compared as a tuple: tokens explained (thousandths, less costs),
# then fewer names, then more words inside names, then fewer phrase words inside names.
_Value = tuple[int, int, int, int]
_DEAD: _Value = (-(10**12), 0, 0, 0)


def _plus(a: _Value, b: _Value) -> _Value:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3])


def _through(item: _Item, state: _State) -> tuple[_State, int] | None:
    """The state after `item` entered in `state`, and the item's value less its costs;
    None where the item cannot stand."""
    pending, before, sentence = state
    value = item.value
    role = item.role
    if item.piece is _Piece.QUOTED:
        sentence = (_Sentence.BARE_NAMES if sentence in (_Sentence.FRESH, _Sentence.OPENED)
                    else sentence)
        return (_Pending.NOTHING, _Before.QUOTED, sentence), value
    if pending is _Pending.LIST and (item.piece is _Piece.COMMON or role is Role.FILLER):
        return None  # "I like", "Can you help": the everyday word was not a band
    if item.piece is _Piece.COMMON:
        after = _Before.NAME_AND_COMMON if before in _NAMES else _Before.COMMON
        return (pending, after, _opened(sentence)), value
    if role in _CUE_PENDING:
        wanted = _CUE_PENDING[role]
        if role is Role.SIMILAR and pending is _Pending.HATE:
            return (pending, _Before.OTHER, sentence), value  # "hate bands like X"
        # Two like cues are one ("I like bands like X"); an opposite cue, or a cue
        # straight after "the band", leaves the first without its name.
        cost = _DANGLING_COST if pending not in (_Pending.NOTHING, wanted) else 0
        if wanted is _Pending.LIKE and sentence is _Sentence.BARE_NAMES:
            cost += _BARE_NAMES_COST
        return (wanted, _Before.OTHER, _Sentence.CUED), value - cost
    if role in (Role.BAND, Role.GENRE):
        after = _Pending.NAME if pending is _Pending.NOTHING else pending
        return (after, _Before.OTHER, sentence), value
    if role in AFTER_CUES:  # "Nickelback sucks": right after the names it speaks of
        if before not in (_Before.SURE_NAME, _Before.NAME, _Before.QUOTED):
            return None
        return (pending, _Before.OTHER, _Sentence.CUED), value
    if role is Role.PRONOUN:  # "I still love them": the cue has its names
        return (_Pending.NOTHING, _Before.OTHER, sentence), value
    if item.piece is _Piece.WEIGHT:  # "Minor Threat*2, Have Heart": still after a name
        return state, value
    if role is Role.FILLER:
        return (pending, _Before.OTHER, _opened(sentence)), value
    if pending is _Pending.LIST and (role is Role.AND or item.piece is _Piece.BREAK) and (
        not item.sentence_end
    ):
        return (_Pending.NAME, _Before.LIST, sentence), value  # "Yes and" wants a band next
    # A connective or a break: a cue before it wanted a name (a sentence of one everyday
    # word read as a band is whole: "Swans. I like Converge").
    ends = role is Role.BUT or item.sentence_end
    cost = _DANGLING_COST if pending and not (pending is _Pending.LIST and ends) else 0
    if ends:
        sentence = _Sentence.FRESH
    after = _Before.LIST if before in _NAMES and role is not Role.BUT and not (
        item.sentence_end) else _Before.OTHER
    if sentence is _Sentence.OPENED and item.piece is _Piece.BREAK:
        sentence = _Sentence.FRESH  # "hey sage, Yes and Genesis"
    return (_Pending.NOTHING, after, sentence), value - cost


def _opened(sentence: _Sentence) -> _Sentence:
    return _Sentence.OPENED if sentence is _Sentence.FRESH else sentence


@dataclass(frozen=True)
class _Span:
    end: int
    score: float
    words: int  # tokens inside, absorbed ones included
    absorbed: int
    everyday: bool  # made of everyday words only ("Yes", "Have Heart", "The Band")


@dataclass
class _Reader:
    """Finds the best reading of a token list by dynamic programming over positions."""

    text: str
    tokens: list[_Token]
    name_score: NameScore | None
    scores: dict[str, float] = field(default_factory=dict)

    def score(self, name: str) -> float:
        if self.name_score is None:
            return 0.0
        if name not in self.scores:
            self.scores[name] = self.name_score(name)
        return self.scores[name]

    def span_text(self, start: int, end: int) -> str:
        return " ".join(self.text[self.tokens[start].start : self.tokens[end - 1].end].split())

    def spans_from(self, i: int) -> list[_Span]:
        """Every name that may start at token i: up to the end of its run of words, and
        shorter ones (side by side with another name, or before a filler); past the run,
        taking in up to three phrase words or commas if the name scores high enough."""
        tokens = self.tokens
        if tokens[i].kind is not _Kind.WORD:
            return []
        spans = []
        absorbed = 0
        stops = False  # whether a comma, a full stop, ! or ? is inside
        for j in range(i, len(tokens)):
            token = tokens[j]
            if token.kind in (_Kind.QUOTED, _Kind.WEIGHT) or token.text == "\n" or (
                token.kind is _Kind.SIGN and token.polarity is not None
            ):
                break
            absorbed += token.absorbed
            stops = stops or token.kind in (_Kind.STOP, _Kind.SEPARATOR)
            if absorbed > _MAX_ABSORBED:
                break
            if token.kind is not _Kind.WORD:
                continue
            run_ends = j + 1 == len(tokens) or tokens[j + 1].kind is not _Kind.WORD or (
                tokens[j + 1].absorbed
            )
            words = j + 1 - i
            if not run_ends and words > _MAX_PART_WORDS:
                continue
            score = self.score(self.span_text(i, j + 1))
            # Without a catalog to weigh them, everyday words are plain words.
            everyday = self.name_score is not None and all(
                _everyday(t) for t in tokens[i : j + 1])
            if everyday and score < 1:
                # "still" is not The Stills, nor "on a" O.N.A.: everyday words name a band
                # only spelt exactly as it is.
                score = 0.0
            if absorbed == 0 or (score >= SURE_SCORE and (score == 1 or not stops)):
                spans.append(_Span(j + 1, score, words, absorbed, everyday))
        return spans

    def read(self) -> list[_Item]:
        """The best reading; ties go to reading the earliest ambiguous token as a phrase.

        A forward pass finds the states each position can be entered in, a backward one
        the best reading from each: only reachable states cost any work."""
        n = len(self.tokens)
        keys = [t.key if t.kind is _Kind.WORD else None for t in self.tokens]
        fixed = [t.fixed_key if t.kind is _Kind.WORD else None for t in self.tokens]
        moves: list[dict[_State, list[tuple[_Value, _Item, _State]]]] = [
            {} for _ in range(n)
        ]
        reachable: list[set[_State]] = [set() for _ in range(n + 1)]
        reachable[0].add(_START)
        for i in range(n):
            pieces, spans = self._pieces(i, keys, fixed), self.spans_from(i)
            for state in reachable[i]:
                moves[i][state] = self._moves(i, state, pieces, spans)
                for _, item, after in moves[i][state]:
                    reachable[item.end].add(after)
        # best[i][state]: the best reading of tokens[i:] entered in `state`, the piece it
        # starts with, and the state after that piece.
        best: list[dict[_State, tuple[_Value, _Item | None, _State | None]]] = [
            {} for _ in range(n + 1)
        ]
        for state in reachable[n]:
            wanting = state[0] not in (_Pending.NOTHING, _Pending.LIST)
            best[n][state] = ((-_DANGLING_COST if wanting else 0, 0, 0, 0), None, None)
        for i in range(n - 1, -1, -1):
            for state, options in moves[i].items():
                choice: tuple[_Value, _Item | None, _State | None] = (_DEAD, None, None)
                for value, item, after in options:
                    total = _plus(value, best[item.end][after][0])
                    if total > choice[0]:
                        choice = (total, item, after)
                best[i][state] = choice
        items = []
        i, state = 0, _START
        while i < n:
            _, item, after = best[i][state]
            items.append(item)
            i, state = item.end, after
        return items

    def _moves(
        self, i: int, state: _State, pieces: list[_Item], spans: list[_Span]
    ) -> list[tuple[_Value, _Item, _State]]:
        """Every piece that may start at token i entered in `state`: its value, the item
        and the state after it, phrases before names (which wins a tie)."""
        options = []
        for item in pieces:
            moved = _through(item, state)
            if moved is not None:
                after, value = moved
                options.append(((value, 0, 0, 0), item, after))
        for span in spans:
            named = self._name(span, state)
            if named is not None:
                value, after = named
                options.append((value, _Item(_Piece.NAME, i, span.end), after))
        if not options:  # no reading stands: the word is a name of its own, at a cost
            after = (_Pending.NOTHING, _Before.NAME, state[2])
            options.append(((-_FORCED_COST, -1, 1, 0), _Item(_Piece.NAME, i, i + 1), after))
        return options

    @staticmethod
    def _name(span: _Span, state: _State) -> tuple[_Value, _State] | None:
        """A name's value entered in `state` and the state after it; None where it cannot
        stand.

        Names stand side by side only when both are sure; after a name and everyday
        words, not a sure one: "Modern Life is War" is not Modern Life and War. A name
        of one everyday word ("Yes", "Air", "Now"), or of several not spelt exactly,
        stands only where a band name does: after a cue ("I like Air"), in a list ("Low,
        Slowdive"), or starting a sentence that goes on as a list or ends ("Yes and
        Genesis", "Swans"). Several everyday words spelt as a band's name ("Have Heart",
        "The Band") are the band wherever a name may stand."""
        pending, before, sentence = state
        sure = span.score >= SURE_SCORE
        if before is _Before.NAME or (before is _Before.SURE_NAME and not sure) or (
            before is _Before.NAME_AND_COMMON and sure
        ):
            return None
        pending_after = _Pending.NOTHING
        if span.everyday and span.words < 2 and not sure:
            return None  # "I like my favorite album": "my" is no band anyone can name
        if span.everyday and (span.words < 2 or span.score < 1):
            cued = pending in (_Pending.LIKE, _Pending.HATE, _Pending.NAME)
            if before is _Before.COMMON:
                return None  # "I like my favorite album": not the band Favorite
            if before is _Before.SURE_NAME:
                if span.words < 2:
                    return None
            elif not cued and before is not _Before.LIST:
                if not sure or sentence is not _Sentence.FRESH or pending is _Pending.LIST:
                    return None
                pending_after = _Pending.LIST
        cost = _SPLIT_COST if before is _Before.SURE_NAME else 0
        sentence = (_Sentence.BARE_NAMES if sentence in (_Sentence.FRESH, _Sentence.OPENED)
                    else sentence)
        after = (pending_after, _Before.SURE_NAME if sure else _Before.NAME, sentence)
        value = round(span.score * _UNIT) * span.words - cost
        return (value, -1, span.words, -span.absorbed), after

    def _pieces(self, i: int, keys: list[str | None], fixed: list[str | None]) -> list[_Item]:
        """The readings of token i other than as the start of a name."""
        token = self.tokens[i]
        if token.kind is _Kind.WORD:
            pieces = [
                _Item(_Piece.PHRASE, i, end, role, value=_UNIT * (end - i) - _TYPO_COST * sum(
                    keys[j] != fixed[j] for j in range(i, end)))
                for end, role in phrases_at(fixed, i)
            ]
            if token.fixed_key in COMMON_WORDS and self.name_score is not None:
                pieces.append(_Item(_Piece.COMMON, i, i + 1, value=_COMMON_VALUE))
            if not token.text.strip(_SENTENCE_ENDS):  # "!!!" on its own: a band, or an end
                pieces.append(_Item(_Piece.BREAK, i, i + 1, sentence_end=True, value=_LOOSE_END))
            return pieces
        if token.kind is _Kind.SIGN:
            return [_Item(_Piece.SIGN, i, i + 1, _SIGN_ROLES[token.polarity], value=_UNIT)]
        if token.kind is _Kind.QUOTED:
            return [_Item(_Piece.QUOTED, i, i + 1, value=_UNIT)]
        if token.kind is _Kind.WEIGHT:
            return [_Item(_Piece.WEIGHT, i, i + 1, value=_UNIT)]
        return [_Item(_Piece.BREAK, i, i + 1, sentence_end=token.kind is _Kind.STOP, value=_UNIT)]


def _everyday(token: _Token) -> bool:
    """A token that is an everyday word, a phrase word or punctuation."""
    return token.kind is not _Kind.WORD or token.absorbed or token.fixed_key in COMMON_WORDS


def _terms(reader: _Reader, items: list[_Item]) -> tuple[list[QueryTerm], list[QueryProblem]]:
    tokens = reader.tokens
    terms: list[QueryTerm] = []
    problems = []
    polarity = Polarity.LIKE
    waiting: _Item | None = None  # a cue (or "the band") no name has followed yet
    hint: Hint | None = None
    weighable = False  # whether the item before was a name that became a term
    clause_start = 0  # the first term a cue after names ("X sucks") speaks of
    clause_cued = False  # whether a cue began the clause ("I like Slint and Creed sucks")
    after_one: Polarity | None = None  # the polarity back after a "-Name"

    def dangles() -> None:
        nonlocal waiting
        if waiting is not None and waiting.role in CUES:
            problems.append(QueryProblem(
                ProblemKind.DANGLING_KEYWORD,
                f'"{reader.span_text(waiting.start, waiting.end)}" is not followed by a band name',
            ))
        waiting = None

    for index, item in enumerate(items):
        if item.piece in (_Piece.NAME, _Piece.QUOTED):
            quoted = item.piece is _Piece.QUOTED
            name = tokens[item.start].text if quoted else reader.span_text(item.start, item.end)
            waiting = None
            weighable = len(name) <= MAX_NAME_CHARS
            if weighable:
                terms.append(QueryTerm(
                    name, polarity, quoted=quoted, hint=Hint.BAND if quoted else hint,
                    split_from=None if quoted else _split_from(reader, items, index),
                ))
            else:
                problems.append(QueryProblem(
                    ProblemKind.NAME_TOO_LONG,
                    f"skipped a name longer than {MAX_NAME_CHARS} characters",
                ))
            hint = None
            if after_one is not None:  # "-Coldplay Radiohead": the sign was Coldplay's
                polarity, after_one = after_one, None
            continue
        if item.piece is _Piece.WEIGHT:
            _weigh(terms, tokens[item.start].text, weighable, problems)
            weighable = False
            continue
        weighable = False
        if item.piece is _Piece.COMMON or item.role is Role.FILLER:
            continue
        if item.role is Role.PRONOUN:
            waiting = None
            continue
        if item.role in AFTER_CUES:
            # "Nickelback and Creed suck": the names of the clause; after a cue of their
            # own ("I like Slint and Creed sucks"), the last one only.
            said = Polarity.LIKE if item.role is Role.LIKED_BEFORE else Polarity.HATE
            spoken = max(clause_start, len(terms) - 1) if clause_cued else clause_start
            terms[spoken:] = [replace(t, polarity=said) for t in terms[spoken:]]
            clause_start, clause_cued = len(terms), False
        elif item.role in CUES:
            clause_start, clause_cued = len(terms), True
            if item.role is Role.SIMILAR and waiting is not None and polarity is Polarity.HATE:
                continue  # "hate bands like X" hates X
            if waiting is not None and (item.role is Role.HATE) != (polarity is Polarity.HATE):
                dangles()
            sign = tokens[item.start]
            after_one = polarity if sign.kind is _Kind.SIGN and sign.attached else None
            polarity = Polarity.HATE if item.role is Role.HATE else Polarity.LIKE
            waiting = item if waiting is None else waiting
        elif item.role in (Role.BAND, Role.GENRE):
            hint = Hint.BAND if item.role is Role.BAND else Hint.GENRE
            waiting = waiting or item
        elif item.role is not Role.AND:  # "but", a comma or a sentence end
            dangles()
            clause_cued = False
            hint = None
            clause_start = len(terms)
            if item.role is Role.BUT or item.sentence_end:
                polarity = Polarity.LIKE
        else:
            dangles()
            hint = None
    dangles()
    return terms, problems


def _split_from(reader: _Reader, items: list[_Item], index: int) -> str | None:
    """The whole run of words, when this name stands side by side with another."""
    first = last = index
    while first > 0 and items[first - 1].piece is _Piece.NAME:
        first -= 1
    while last + 1 < len(items) and items[last + 1].piece is _Piece.NAME:
        last += 1
    if first == last:
        return None
    return reader.span_text(items[first].start, items[last].end)


def _weigh(terms: list[QueryTerm], text: str, weighable: bool, problems: list[QueryProblem]):
    weight = float(text)
    if not weighable:
        problems.append(QueryProblem(ProblemKind.BAD_WEIGHT, f"*{text} does not follow a name"))
    elif not 0 < weight <= MAX_WEIGHT:
        problems.append(QueryProblem(
            ProblemKind.BAD_WEIGHT, f"weights go from above 0 to {MAX_WEIGHT:g}; ignored *{text}"
        ))
    else:
        terms[-1] = replace(terms[-1], weight=weight)


def parse_query(text: str, name_score: NameScore | None = None) -> ParsedQuery:
    """Read a query; never raises, whatever the text."""
    text, problems = _clean(text)
    tokens, token_problems = _tokens(text)
    reader = _Reader(text, tokens, name_score)
    terms, term_problems = _terms(reader, reader.read())
    problems += token_problems + term_problems
    if len(terms) > MAX_NAMES:
        terms = terms[:MAX_NAMES]
        problems.append(
            QueryProblem(ProblemKind.TOO_MANY_NAMES, f"only the first {MAX_NAMES} names were read")
        )
    if not terms:
        problems.append(QueryProblem(ProblemKind.EMPTY, "no band names found"))
    elif not any(t.polarity is Polarity.LIKE for t in terms):
        problems.append(QueryProblem(ProblemKind.ONLY_HATES, "name at least one band you like"))
    return ParsedQuery(tuple(terms), tuple(problems))
