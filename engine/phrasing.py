"""The words around band names in what people type, and what each phrase does.

    "I'm into Fugazi and Slint, but I can't stand Nickelback please"
     ~~~~~~~~ like    ~~~ and  ~ ~~~~~~~~~~~~~~~~~ hate       ~~~~~~ filler

A phrase is a run of words matched after `phrase_key` (case, apostrophes and a trailing
colon do not count: "I'm", "im" and "Im:" are one word). Each phrase has a role:

- LIKE / HATE, before names: the names after it, up to the next cue, a full stop or
  "but", are liked or hated. A cue must be followed by a name, so "like, Converge" does
  not read "like" as a cue, and "Love" alone is the band.
- SIMILAR: "bands like", "similar to": a like, except straight after a hate, which it
  carries on ("I hate bands like Nickelback").
- LIKED_BEFORE / HATED_BEFORE, after names: "Nickelback sucks", "the Beatles yes".
- BAND / GENRE: "the band X", "the genre X": what follows is that kind of name.
- FILLER: says nothing about taste ("please", "a lot", "recommend me").
- AND: joins names ("and", "or", "&", "/"); BUT also turns back to likes.

COMMON_WORDS are everyday words ("the", "my", "now", "good") that are filler when they
are not part of a name. They weigh less than a phrase, so a band of the catalog spelt
like one ("Now", "Can", "The Who") still reads as the band where a band name stands
(engine.query). Words with a role can be part of a band's name too (Love, Like Moths to
Flames, Belle and Sebastian): engine.query weighs every reading against the catalog.

The lists are written from how people ask for music in chats; the golden phrasings in
tests/golden/phrasings.tsv measure them.
"""

from __future__ import annotations

import re
from enum import StrEnum

from rapidfuzz.distance import DamerauLevenshtein


class Role(StrEnum):
    LIKE = "like"
    SIMILAR = "similar"  # a like, but carries on a hate: "hate bands like X"
    HATE = "hate"
    LIKED_BEFORE = "liked_before"  # "X rocks": likes the names just before it
    HATED_BEFORE = "hated_before"  # "X sucks": hates the names just before it
    BAND = "band"  # "the band X": X is a band
    GENRE = "genre"  # "the genre X": X is a genre
    FILLER = "filler"
    AND = "and"  # joins names; polarity goes on
    BUT = "but"  # joins names; turns back to likes ("not DMX but Creed")
    PRONOUN = "pronoun"  # "them", "it": names said before, so a cue before it has its name


def phrase_key(word: str) -> str:
    """How a word is compared with the phrases: casefolded, apostrophes and the colon
    of "like:" dropped."""
    return re.sub(r"['’ʼ`´]", "", word.casefold()).rstrip(":")


CUES = {Role.LIKE, Role.SIMILAR, Role.HATE}
AFTER_CUES = {Role.LIKED_BEFORE, Role.HATED_BEFORE}

_LIKE = """
    love | loves | loved | luv | enjoy | enjoys | enjoyed | dig | adore | into | likes | liked
    i like | i love | i luv | i enjoy | i dig | i adore | i also like | i also love
    i really like | i really love | i really enjoy | i really dig | really like | really love
    i do like | i quite like | i kinda like | i kind of like | i mostly like | i like a lot of
    i'm into | i am into | i'm really into | i am really into | i'm big into | big into
    i've been into | i have been into | i've been listening to | i have been listening to
    been listening to | been into | i'm listening to | i listen to | listen to | listening to
    i listen to a lot of | i've been loving | i'm loving | been loving | i'm obsessed with
    obsessed with | i'm really digging | i'm digging | digging | grew up on | i grew up on
    got me into | got into | i got into | big on | i'm big on | really into | heavily into
    i'm a fan of | i am a fan of | i'm a big fan of | i am a big fan of | a big fan of
    big fan of | huge fan of | i'm a huge fan of | fan of | fans of | for fans of
    if i like | if you like | if you love | if i love | if i'm into | since i like
    what should i listen to if i like | what should i listen to if i love
    what to listen to if i like | what do i listen to if i like | for someone who likes
    for someone into | for people who like | for a fan of | someone who likes
    my favourite band is | my favorite band is | my favourite bands are | my fave is
    my favorite bands are | my favourites are | my favorites are | favs are | faves are
    my favs are | my faves are | favourites are | favorites are | fav is | fave is
    in the mood for | mood for | give me more | gimme | love me some | more of
    i prefer | prefer | i'd rather | rather | hooked on | i'm hooked on | been spinning
    spinning | i've been spinning | been playing | i've been playing
    fav band is | my fav band is | favorite band is | favourite band is | fave band is
    my fave band is | fav bands are | my fav bands are | mostly | mainly | preferably
    what should i check out if i like | what to check out if i like
    what should i check out if i love | can't get enough of
"""

_SIMILAR = """
    like | such as | including | e.g | e.g. | for example | for instance
    stuff like | things like | something like | anything like | more stuff like
    bands like | band like | artists like | artist like | groups like | music like
    songs like | sounds like | sound like | that sound like | that sounds like | acts like
    more like | more bands like | other bands like | more music like | anything else like
    similar to | something similar to | anything similar to | bands similar to
    artists similar to | music similar to | stuff similar to | similar bands to | similar
    similar artists to | in the vein of | in the style of | along the lines of
    reminds me of | close to | what else is like | who is like | who sounds like
    what sounds like | what's similar to | what is similar to | what's like
    what bands are like | what bands are similar to | any bands like | any artists like
"""

_HATE = """
    hate | hates | hated | dislike | dislikes | no | not | without | except | excluding
    minus | avoid | skip | nothing like | less | but less | no more | not like | never
    less like | but less like | anything but | everything but | none of | please no
    no more of
    i hate | i really hate | i dislike | i really dislike | i despise | i detest | i loathe
    don't like | do not like | i don't like | i do not like | i really don't like
    i don't really like | don't love | i don't love | don't want | i don't want
    i do not want | don't want any | nothing from | not really into | not really a fan of
    can't stand | cannot stand | i can't stand | i cannot stand | i really can't stand
    not a fan of | i'm not a fan of | i am not a fan of | i'm not really a fan of
    i'm not into | i am not into | not into | not big on | i'm not big on | but not
    and not | but no | and no | nothing that sounds like | stay away from | spare me
    less of | without any | not so much | no love for | keep away from
    don't recommend | do not recommend | don't give me | don't suggest
"""

_LIKED_BEFORE = """
    yes | rocks | is great | are great | is awesome | are awesome
    is amazing | are amazing | is the best | are the best | is good | are good
    is my favourite band | is my favorite band | are my favourite bands
    are my favorite bands | is my favourite | is my favorite | are my favourites
    are my favorites | is my jam | fan | fan here | is my fav | kick | binge | phase
    rules | nerd | fanboy | fangirl | stan | addict | is the greatest band ever
    is the best band ever | is my favorite album | is my favourite album | is the goat
    that's the vibe | is the vibe
"""

_HATED_BEFORE = """
    sucks | suck | no | is trash | are trash | is garbage | are garbage | is overrated
    are overrated | is awful | are awful | is terrible | are terrible | can go | not so much
    no thanks | is bad | are bad | is mid | are mid | gets on my nerves | please no
"""

_BAND = """
    the band | the group | the artist | the singer | the rapper | the musician | the duo
    the music of | music by | songs by | stuff by | the songs of | band called
    a band called | the band called | an artist called | the artist called
"""

_GENRE = """
    the genre | genre | the subgenre | the sound of
"""

# Single words here never stand inside a band name of the catalog without being its
# whole name: a filler word that could ("some", "new", "of") is a common word instead.
_FILLER = """
    please | pls | plz | thanks | thank you | thx | ty | cheers | hi | hey | hello
    yo | sage | hey sage | hi sage | um | uh | hmm | lol | haha | also
    too | as well | a lot | a lot of | so much | very much | really | actually
    though | tho | lately | these days | right now | at the moment | recently
    especially | in general | a bit | a little | kinda | kind of | sort of | i guess
    i think | i mean | maybe | perhaps | anyway | pretty much | and stuff | and such
    etc | or something | stuff | music | bands | artists | songs | tracks | tunes
    recommend | recommend me | recommend some | recommend some bands | can you recommend
    could you recommend | would you recommend | can you recommend me | can you suggest
    could you suggest | suggest | suggest me | suggest some | suggestions | any suggestions
    recommendations | any recommendations | recs | any recs | give me | show me | find me
    i want | i need | i'd like | i would like | i'm looking for | looking for | i want more
    some bands | some music | some new | some new bands | some new music | other bands
    new bands | new music | more bands | more music | any bands | something new
    what should i listen to | what should i listen to next | who should i listen to
    what do you recommend | what would you recommend | what else | what next
    help me find | help me | tell me | any ideas | i'm bored | tbh | ngl | idk | imo
    at all | either | whatsoever | in particular | and the like | stuff like that
    things like that | that kind of thing | genres | nonstop | constantly | currently
    absolutely | totally | definitely | honestly | basically | literally | ugh
    who else should i check out | what else should i check out | should i check out
    check out | what should i check out | music wise | musically | genre wise | low key
    lowkey | first time here | new request | here goes | that kinda thing | either works
    whatever works | anything works | the vibe | vibe | vibes | rn | esp | eww | ew | yuck
    wassup | whats up | sup | welp | on repeat | all day | all day long | all the time
"""

_PRONOUN = """
    them | it | those | these | 'em | that | this | him | her | that one | those guys
"""

_AND = """
    and | & | or | / | as well as | along with | and also | or maybe | and maybe | nor | plus
"""

_BUT = """
    but | but also | but i also | though i also | whereas | however
"""

# Everyday words, filler where no name takes them (see the module's docstring).
COMMON_WORDS = frozenset(phrase_key(word) for word in """
    a an the to of for on in at by from about after before onto with is are was were be
    been being am do does did doing have has had it its it's this that these those them
    they their he she his her we us our you your u ur me my mine i i'm i've i'd so some
    any anything something everything someone anyone somebody good great nice cool best
    better more most less other others else new newer older old fresh heavy heavier chill
    chiller sad sadder happy dark darker soft softer weird weirder same what what's which
    who whose where when how why there here now then still just even very pretty quite
    bit lots much many few know got get getting want need looking look find listen
    listening hear heard ok okay yeah yea yep well oh ah because cause since while if as
    than either friend friends gf bf wife husband brother sister mom dad guy guys dude bro
    people always often usually sometimes probably down can huge big type kind sort thing
    things one yes yeah next ideas idea like man just live feeling blue television tv
    watch week weeks day days night tonight today keep works play plays playing played
    massive giant only album albums record records ever greatest word dads dad's mum
    first time here request hooked binge nerd fan fans lol haha omg wow all
    air low sleep common heart death blue tool war home life fire favorite favourite fav
    fave help
""".split())

# Misspellings too short for the typo rule below, written out.
_SHORT_MISSPELLINGS = {
    "lik": "like", "liek": "like", "hte": "the", "teh": "the", "reccomend": "recommend",
    "reccommend": "recommend", "recommned": "recommend", "reccomendations": "recommendations",
}
# A word of the phrases this long or longer also matches with one slip ("simillar",
# "recomend"), worth less than the word spelt right.
_TYPO_MIN_CHARS = 5


def _read(table: str) -> set[tuple[str, ...]]:
    phrases = set()
    for line in table.strip().splitlines():
        for phrase in line.split("|"):
            words = tuple(phrase_key(word) for word in phrase.split())
            if words:
                phrases.add(words)
    return phrases


def _lexicon(tables: list[tuple[Role, str]]) -> dict[tuple[str, ...], Role]:
    lexicon: dict[tuple[str, ...], Role] = {}
    for role, table in tables:  # later tables win a phrase two list
        lexicon.update(dict.fromkeys(_read(table), role))
    return lexicon


# Phrases before or between names, and phrases after them: "no" is both ("no DMX", "the
# Rolling Stones no"). A cue says more than a filler, so cues are read last.
PHRASES: dict[tuple[str, ...], Role] = _lexicon([
    (Role.FILLER, _FILLER), (Role.PRONOUN, _PRONOUN), (Role.AND, _AND), (Role.BUT, _BUT),
    (Role.GENRE, _GENRE),
    (Role.BAND, _BAND), (Role.SIMILAR, _SIMILAR), (Role.LIKE, _LIKE), (Role.HATE, _HATE),
])
AFTER_PHRASES: dict[tuple[str, ...], Role] = _lexicon([
    (Role.LIKED_BEFORE, _LIKED_BEFORE), (Role.HATED_BEFORE, _HATED_BEFORE),
])
LONGEST_PHRASE = max(len(words) for words in [*PHRASES, *AFTER_PHRASES])
# Words that have a role on their own: reading one inside a band name is "absorbing" it,
# which only a name the catalog knows well may do (engine.query).
ROLE_WORDS: frozenset[str] = frozenset(words[0] for words in PHRASES if len(words) == 1)
_WORDS = sorted({word for words in [*PHRASES, *AFTER_PHRASES] for word in words})
_LONG_WORDS = [word for word in _WORDS if len(word) >= _TYPO_MIN_CHARS]
_KNOWN = frozenset(_WORDS) | COMMON_WORDS


def corrected(key: str) -> str | None:
    """The phrase word `key` is a misspelling of, if it is one and no word itself."""
    if key in _KNOWN:
        return None
    if key in _SHORT_MISSPELLINGS:
        return _SHORT_MISSPELLINGS[key]
    if len(key) < _TYPO_MIN_CHARS:
        return None
    close = [w for w in _LONG_WORDS if abs(len(w) - len(key)) <= 1
             and DamerauLevenshtein.distance(key, w, score_cutoff=1) <= 1]
    return close[0] if len(close) == 1 else None


def phrases_at(keys: list[str | None], start: int) -> list[tuple[int, Role]]:
    """(end, role) of every phrase that starts at `keys[start]`, those before names first;
    None keys match nothing."""
    found, after = [], []
    for end in range(start + 1, min(start + LONGEST_PHRASE, len(keys)) + 1):
        if keys[end - 1] is None:
            break
        words = tuple(keys[start:end])
        if words in PHRASES:
            found.append((end, PHRASES[words]))
        if words in AFTER_PHRASES:
            after.append((end, AFTER_PHRASES[words]))
    return found + after
