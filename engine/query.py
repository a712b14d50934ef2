"""The query language: which bands a person likes and which they hate.

    like Minor Threat, Have Heart hate DMX
    Minor Threat*2, "Earth, Wind & Fire" -Nickelback but not Creed

- Names are separated by commas, semicolons, new lines and the connectors "and" and "but".
- A polarity word applies to every name after it until the next one. Like: like, likes,
  love, loves, "+". Hate: hate, hates, dislike, dislikes, not, without, except, "-" (so
  "but not" is a connector and a hate word). Names before any polarity word are likes.
- "Double quotes" (or “ ” „ « ») keep a name whole: nothing inside is a keyword.
- `*N` right after a name weighs it, 0 < N <= 10 (default 1).

Band names contain these words: Love, Hate Eternal, Like Moths to Flames, Men Without
Hats, Earth, Wind & Fire, Belle and Sebastian. The rule: by default every keyword and
comma is read as one. Given `name_score` (how surely a text names one catalog artist,
0 to 1; the resolver's `name_score`), the parser also weighs readings where a run of
keywords and commas (at most two) belongs to a name that scores at least 0.9, and keeps
the reading that puts the most words inside names, each name's words counted at its
score. Ties go to fewer names, then to fewer keywords read as name, then to reading the
earliest keyword as a keyword. So "Love" alone is the band, "hate Love" hates it (even
though a band called Hate exists), "Like Moths to Flames" is one band, "like Minor
Threat, Have Heart hate DMX" is three, and "hate Eternal" likes Hate Eternal when the
catalog has no Eternal. Quotes force a reading.

Bad input never raises: Discord mentions, markdown, control characters and stacked
combining marks are dropped, lengths are capped, and what went wrong is listed in
`ParsedQuery.problems`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum, StrEnum

MAX_QUERY_CHARS = 1_000
MAX_NAMES = 25
MAX_NAME_CHARS = 100
MAX_WEIGHT = 10.0
# Work on pathological input stays bounded: longer text is cut before it is cleaned.
_MAX_RAW_CHARS = 20 * MAX_QUERY_CHARS
# A keyword or comma is read as part of a name only inside a name scoring at least this.
ABSORB_MIN_SCORE = 0.9
_MAX_ABSORBED = 2


class Polarity(StrEnum):
    LIKE = "like"
    HATE = "hate"


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

# The words that make a query: what a name cannot start with unquoted. Shared with
# engine.complete, which needs to know where a name being typed starts.
POLARITY_WORDS = {
    **dict.fromkeys(["like", "likes", "love", "loves", "+"], Polarity.LIKE),
    **dict.fromkeys(
        ["hate", "hates", "dislike", "dislikes", "not", "without", "except", "-", "–", "−"],
        Polarity.HATE,
    ),
}
CONNECTORS = {"and", "but"}

# Discord user, role, channel, emoji, timestamp and slash-command mentions, and pings.
_MENTION = re.compile(
    r"<(?:@[!&]?\d+|#\d+|a?:\w+:\d+|t:-?\d+(?::\w)?|/[^<>:]+:\d+)>|@(?:everyone|here)\b"
)
_MASKED_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?https?://[^)]*\)")
_URL = re.compile(r"<?https?://\S+")
_MARKDOWN = re.compile(r"\*\*|__|~~|\|\||`+|^[^\S\n]*(?:>>>|>|#{1,3})[^\S\n]", re.MULTILINE)

_QUOTES = '"“”„«»'
_TOKEN = re.compile(
    rf"""
    (?P<space>[^\S\n]+)
  | (?P<separator>[,;\n])
  | [{_QUOTES}](?P<quoted>[^{_QUOTES}]*)(?P<closed>[{_QUOTES}])?
  | \*\s*(?P<weight>\d+(?:\.\d+)?)
  | (?P<sign>[-+–−])
  | (?P<word>(?:[^\s,;{_QUOTES}*]|\*(?!\s*\d))+)
    """,
    re.VERBOSE,
)


class _Kind(Enum):
    WORD = "word"  # a plain word, always part of a name
    KEYWORD = "keyword"  # a polarity word, sign or connector
    SEPARATOR = "separator"
    QUOTED = "quoted"  # a whole name in quotes
    WEIGHT = "weight"
    NAME = "name"  # a run of tokens read as one name (readings only, never a token)


@dataclass(frozen=True)
class _Token:
    kind: _Kind
    text: str
    start: int
    end: int
    polarity: Polarity | None = None  # for keywords; None for connectors


def _clean(text: str) -> tuple[str, list[QueryProblem]]:
    problems = []
    if len(text) > _MAX_RAW_CHARS:
        text = text[:_MAX_RAW_CHARS]
    text = unicodedata.normalize("NFC", text)
    text, mentions = _MENTION.subn(" ", text)
    if mentions:
        problems.append(
            QueryProblem(ProblemKind.MENTIONS_REMOVED, "mentions and pings are not band names")
        )
    text = _URL.sub(" ", _MASKED_LINK.sub(r"\1", text))
    text = _MARKDOWN.sub(" ", text)
    kept = []
    marks = 0
    for ch in text:
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
            tokens.append(_Token(_Kind.SEPARATOR, match["separator"], start, end))
        elif match["quoted"] is not None:
            if match["closed"] is None:
                problems.append(QueryProblem(ProblemKind.UNCLOSED_QUOTE, "a quote was not closed"))
            name = match["quoted"].strip()
            if name:
                tokens.append(_Token(_Kind.QUOTED, name, start, end))
        elif match["weight"] is not None:
            tokens.append(_Token(_Kind.WEIGHT, match["weight"], start, end))
        elif match["sign"] is not None:
            sign = match["sign"]
            tokens.append(_Token(_Kind.KEYWORD, sign, start, end, POLARITY_WORDS[sign]))
        elif match["word"] is not None:
            word = match["word"]
            key = word.casefold().rstrip(":")
            if key in POLARITY_WORDS:
                tokens.append(_Token(_Kind.KEYWORD, word, start, end, POLARITY_WORDS[key]))
            elif key in CONNECTORS:
                tokens.append(_Token(_Kind.KEYWORD, word, start, end))
            else:
                tokens.append(_Token(_Kind.WORD, word, start, end))
    return tokens, problems


@dataclass(frozen=True)
class _Item:
    """One piece of a reading: a name (a span of tokens or a quoted name) or a token."""

    kind: _Kind
    text: str
    polarity: Polarity | None = None


# A reading's value, compared as a tuple: words inside names (weighted by their
# names' scores), then fewer names, then fewer keywords and commas read as name.
_Value = tuple[float, int, int]
_DEAD: _Value = (float("-inf"), 0, 0)


class _Reader:
    """Finds the best reading of a token list by dynamic programming over positions."""

    def __init__(self, text: str, tokens: list[_Token], name_score: NameScore | None):
        self.text = text
        self.tokens = tokens
        self.name_score = name_score
        self.scores: dict[str, float] = {}

    def score(self, name: str) -> float:
        if self.name_score is None:
            return 0.0
        if name not in self.scores:
            self.scores[name] = self.name_score(name)
        return self.scores[name]

    def spans_from(self, i: int) -> list[tuple[int, float, int]]:
        """(end, value, keywords absorbed) of each name that may start at token i.

        A name never starts or ends inside a run of plain words. Past the run it may
        absorb up to two keywords or commas, if the longer name scores high enough.
        """
        tokens = self.tokens
        if tokens[i].kind not in (_Kind.WORD, _Kind.KEYWORD):
            return []
        if i > 0 and tokens[i - 1].kind is _Kind.WORD:
            return []
        spans = []
        absorbed = 0
        words = 0
        for j in range(i, len(tokens)):
            token = tokens[j]
            if token.kind in (_Kind.QUOTED, _Kind.WEIGHT):
                break
            if token.kind is not _Kind.WORD:
                absorbed += 1
                if absorbed > _MAX_ABSORBED:
                    break
            if token.kind is _Kind.SEPARATOR:
                continue
            words += 1
            if j + 1 < len(tokens) and tokens[j + 1].kind is _Kind.WORD:
                continue
            score = self.score(self.text[tokens[i].start : token.end])
            if absorbed == 0 or score >= ABSORB_MIN_SCORE:
                spans.append((j + 1, words * score, absorbed))
        return spans

    def read(self) -> list[_Item]:
        """The best reading; ties go to reading the earliest ambiguous token as a keyword."""
        n = len(self.tokens)
        # best[after_name][i]: value of the best reading of tokens[i:], where it ends, and
        # whether it is a name; after_name forbids a name straight after another name.
        start: tuple[_Value, int, bool] = ((0.0, 0, 0), n, False)
        best = [[start] * (n + 1), [start] * (n + 1)]
        for i in range(n - 1, -1, -1):
            token = self.tokens[i]
            if token.kind is _Kind.WORD:
                as_token = (_DEAD, i + 1, False)
            else:
                covered, names, absorbed = best[False][i + 1][0]
                value = (covered, names - (token.kind is _Kind.QUOTED), absorbed)
                as_token = (value, i + 1, False)
            best[True][i] = as_token
            choice = as_token
            for end, words, taken in self.spans_from(i):
                covered, names, absorbed = best[True][end][0]
                value = (covered + words, names - 1, absorbed - taken)
                if value > choice[0]:
                    choice = (value, end, True)
            best[False][i] = choice
        items = []
        i, after_name = 0, False
        while i < n:
            _, end, is_name = best[after_name][i]
            token = self.tokens[i]
            if is_name:
                name = " ".join(self.text[token.start : self.tokens[end - 1].end].split())
                items.append(_Item(_Kind.NAME, name))
            else:
                items.append(_Item(token.kind, token.text, token.polarity))
            i, after_name = end, is_name
        return items


def _terms(items: list[_Item]) -> tuple[list[QueryTerm], list[QueryProblem]]:
    terms: list[QueryTerm] = []
    problems = []
    polarity = Polarity.LIKE
    dangling: _Item | None = None
    weighable = False  # whether the item before was a name that became a term
    for item in items:
        if item.kind is _Kind.KEYWORD and item.polarity is not None:
            if dangling is not None:
                problems.append(_dangling(dangling))
            polarity = item.polarity
            dangling = item
        elif item.kind in (_Kind.NAME, _Kind.QUOTED):
            dangling = None
            weighable = len(item.text) <= MAX_NAME_CHARS
            if weighable:
                terms.append(QueryTerm(item.text, polarity, quoted=item.kind is _Kind.QUOTED))
            else:
                problems.append(
                    QueryProblem(
                        ProblemKind.NAME_TOO_LONG,
                        f"skipped a name longer than {MAX_NAME_CHARS} characters",
                    )
                )
            continue
        elif item.kind is _Kind.WEIGHT:
            weight = float(item.text)
            if not weighable:
                problems.append(
                    QueryProblem(ProblemKind.BAD_WEIGHT, f"*{item.text} does not follow a name")
                )
            elif not 0 < weight <= MAX_WEIGHT:
                problems.append(
                    QueryProblem(
                        ProblemKind.BAD_WEIGHT,
                        f"weights go from above 0 to {MAX_WEIGHT:g}; ignored *{item.text}",
                    )
                )
            else:
                terms[-1] = replace(terms[-1], weight=weight)
        weighable = False
    if dangling is not None:
        problems.append(_dangling(dangling))
    return terms, problems


def _dangling(keyword: _Item) -> QueryProblem:
    return QueryProblem(
        ProblemKind.DANGLING_KEYWORD, f'"{keyword.text}" is not followed by a band name'
    )


def parse_query(text: str, name_score: NameScore | None = None) -> ParsedQuery:
    """Read a query; never raises, whatever the text."""
    text, problems = _clean(text)
    tokens, token_problems = _tokens(text)
    items = _Reader(text, tokens, name_score).read()
    terms, term_problems = _terms(items)
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
