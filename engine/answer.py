"""The one handler behind `sage ask`, `sage chat` and the bot: query text in, answer out.

    parse and resolve names -> likes and hates as seeds -> recommend -> Answer

An Answer always says what was understood, and carries every note the person should
read (did you mean..., unknown band, only hates...). It never raises for anything a
user can type.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from engine.audio_tracks import AudioTracks, load_audio_tracks
from engine.compose import Seed, TagSeed
from engine.evidence import Evidence, EvidenceIndex
from engine.fame import fame_request
from engine.learn import Learning
from engine.pipeline import Recommendation, recommend
from engine.query import Polarity, ProblemKind
from engine.resolve import NameResolver, Resolution, ResolvedQuery, Status, resolve_query
from engine.scenes import Scenes, load_scenes
from engine.space import NO_ROW, LoadedSpace, load_space
from engine.tags import Tag, TagIndex
from engine.top_tracks import TopTrack, load_top_tracks
from engine.track_answer import TrackAnswer, answer_tracks
from engine.track_space import TrackSpace, load_track_space, with_searched_space
from engine.unknown import learned_note, unknown_note
from store import Store
from store.catalog import load_aliases, load_artists, load_listens, load_playlists

log = logging.getLogger(__name__)

# The space answers come from unless asked otherwise: the hybrid of cf and graph, ranked
# with a graph step and discovery slots (train.hybrid.params). Of the single spaces the
# graph one is the more precise and cf finds long-tail bands more often; the hybrid does
# both at once on the held-out taste test (`sage eval --all`).
DEFAULT_SPACE = "hybrid"
# What bands liked before (👍) may weigh in a later answer, together, as a share of the
# likes the query names; one or two of them still count in full. Asked again after a 👍
# on its whole answer (five soft likes), "like Minor Threat, Have Heart" kept 5 of its
# 10 bands at their full weight and brought in Metallica; at 1/3 it kept 6; at 1/4 it
# keeps 8, and four other queries 8 to 10 (tests/test_answer.py checks 7).
SOFT_LIKES_SHARE = 1 / 4
# A liked genre lifts the bands that have it among this many of their strongest tags; a
# hated one leaves out those that have it among this many.
LIKED_TAG_STRONGEST = 5
HATED_TAG_STRONGEST = 3


@dataclass(frozen=True)
class Answer:
    text: str  # the query as typed
    understood: ResolvedQuery
    recommendation: Recommendation | None  # None when there was nothing to search from
    notes: tuple[str, ...]  # one line each, for the person who asked
    soft_likes: tuple[str, ...] = ()  # bands liked before that joined the typed likes

    @property
    def likes(self) -> tuple[str, ...]:
        """The liked bands, as the catalog spells them."""
        return self._names(Polarity.LIKE)

    @property
    def hates(self) -> tuple[str, ...]:
        return self._names(Polarity.HATE)

    @property
    def like_tags(self) -> tuple[str, ...]:
        """The liked genres, by their tags' names."""
        return self._tags(Polarity.LIKE)

    @property
    def hate_tags(self) -> tuple[str, ...]:
        return self._tags(Polarity.HATE)

    def _names(self, polarity: Polarity) -> tuple[str, ...]:
        return tuple(
            t.artist.name
            for t in self.understood.terms
            if t.term.polarity is polarity and t.artist is not None
        )

    def _tags(self, polarity: Polarity) -> tuple[str, ...]:
        return tuple(
            t.tag.name for t in self.understood.terms
            if t.term.polarity is polarity and t.tag is not None
        )


class Engine:
    """A loaded store: names to resolve, a space to search, the graph's scenes, each
    artist's top track and, when trained, the track space. Build once, ask many times; it
    is never changed after, so threads may share it."""

    def __init__(
        self,
        resolver: NameResolver,
        space: LoadedSpace,
        scenes: Scenes | None = None,
        tracks: Mapping[int, TopTrack] | None = None,
        audio: AudioTracks | None = None,
        tags: TagIndex | None = None,
        evidence: EvidenceIndex | None = None,
        learning: Learning | None = None,
        track_space: TrackSpace | None = None,
    ):
        self.resolver = resolver
        self.space = space
        self.scenes = scenes if scenes is not None else Scenes.empty()
        self.tracks = tracks if tracks is not None else {}  # artist id -> its top track
        self.audio = audio  # audio tracks a query may name (engine/audio_tracks.py)
        self.tags = tags  # genres a query may name (engine/tags.py)
        self.evidence = evidence  # why a band was recommended, beyond vectors
        # Bands learned on the spot (engine/learn.py): the one thing that changes, by
        # replacing `space` whole with one that has a row more.
        self.learning = learning
        self.track_space = track_space  # tracks to pick for a taste (engine/track_space.py)

    @classmethod
    def load(cls, store_path: Path, space: str = DEFAULT_SPACE) -> Engine:
        started = time.perf_counter()
        with Store.open(store_path, read_only=True) as store:
            catalog = load_artists(store)
            aliases = load_aliases(store)
            loaded = load_space(store, space, catalog)
            scenes = load_scenes(store)
            tracks = load_top_tracks(store)
            tags = TagIndex.from_store(store, catalog)
            evidence = EvidenceIndex(load_listens(store), catalog, tags, load_playlists(store))
            # Artists nobody has listened to, placed by their tracks' sound.
            loaded, audio = load_audio_tracks(store, loaded)
            resolver = NameResolver.from_catalog(catalog, aliases)
            learning, loaded = Learning.load(store, store_path, loaded, resolver)
            track_space = load_track_space(store)
            if track_space is not None:  # bands with no track, and new bands' files
                track_space = with_searched_space(track_space, loaded, audio)
        engine = cls(resolver, loaded, scenes, tracks, audio, tags, evidence, learning,
                     track_space)
        log.info("engine ready in %.2f s", time.perf_counter() - started)
        return engine

    def ask(
        self,
        text: str,
        *,
        k: int = 10,
        novelty: float | None = None,
        exclude_ids: Collection[int] = (),
        soft_likes: Sequence[Seed] = (),
        soft_hates: Sequence[Seed] = (),
    ) -> Answer:
        """Answer a query at `novelty` (engine.novelty; None: what the text asks, "play it
        safe" or "deep cuts" (engine.fame), or else 0).

        `soft_likes` (bands the asker liked before) steer the likes the query names,
        unless the query names them as hates: together they weigh at most SOFT_LIKES_SHARE
        of the typed likes, they may be recommended again, and they never make a search on
        their own: an answer is about what was typed. `soft_hates` (bands the asker
        disliked before) lower their close neighbours a little, unless the query names them
        (engine.dislikes); leaving them out is `exclude_ids`' job."""
        fame, names_text = fame_request(text)
        if novelty is None:
            novelty = fame.novelty if fame is not None else 0.0
        understood = self.understand(names_text)
        unknown = self._unknown_bands(understood)
        if unknown:
            understood, unknown_notes = self._learn(names_text, unknown)
        notes = [fame.describe()] if fame is not None else []
        notes += [
            problem.message
            for problem in understood.parsed.problems
            # Saying we removed a mention is noise; the rest tells the user something.
            if problem.kind is not ProblemKind.MENTIONS_REMOVED
        ]
        notes += understood.guesses()
        notes += [t.resolution.describe() for t in understood.unresolved
                  if t.term.name not in unknown]
        if unknown:
            notes += unknown_notes
        notes = list(dict.fromkeys(notes))  # "I like rock but hate rock": one note

        likes, hates, like_tags, hate_tags = [], [], [], []
        for term in understood.terms:
            liked, weight = term.term.polarity is Polarity.LIKE, term.term.weight
            if term.artist is not None:
                (likes if liked else hates).append(Seed(term.artist.artist_id, weight))
            elif term.tag is not None:
                (like_tags if liked else hate_tags).append(self._tag_seed(term.tag, weight, liked))
        if not likes and not like_tags:
            if not understood.parsed.terms:
                notes.append(
                    'Tell me bands you like, e.g. "like Minor Threat, Have Heart hate DMX".'
                )
            elif understood.parsed.likes and not any(
                t.understood for t in understood.terms if t.term.polarity is Polarity.LIKE
            ):
                notes.append("I need at least one band you like that I know.")
            if (hates or hate_tags) and not understood.parsed.likes and not understood.parsed.has(
                ProblemKind.ONLY_HATES
            ):
                notes.append("Hates only steer away; add a band you like.")
            return Answer(text, understood, None, tuple(notes))

        named = {seed.artist_id for seed in likes + hates}
        typed = sum(seed.weight for seed in likes) + sum(seed.weight for seed in like_tags)
        soft = _within_share([seed for seed in soft_likes if seed.artist_id not in named],
                             SOFT_LIKES_SHARE * typed)
        recommendation = recommend(
            self.space, likes, hates, k=k, novelty=novelty, exclude_ids=exclude_ids,
            like_tags=like_tags, hate_tags=hate_tags, soft_likes=soft,
            soft_hates=[seed for seed in soft_hates if seed.artist_id not in named],
        )
        # A soft like the space cannot place is not worth a note: nobody typed it.
        soft_ids = {seed.artist_id for seed in soft}
        notes += [
            problem.message for problem in recommendation.problems
            if problem.artist_id not in soft_ids
        ]
        soft_names = tuple(self.space.artist_names([seed.artist_id for seed in soft]))
        # The reasons are about what was typed.
        return Answer(text, understood, self._with_evidence(recommendation, likes),
                      tuple(notes), soft_names)

    def ask_tracks(self, text: str, *, k: int = 10,
                   exclude_ids: Collection[int] = ()) -> TrackAnswer:
        """Tracks for a query (engine.track_answer), none by a band in `exclude_ids`."""
        return answer_tracks(self.track_space, self.understand(text), text, k=k,
                             exclude_ids=exclude_ids)

    def understand(self, text: str) -> ResolvedQuery:
        """The bands, genres and audio tracks `text` names, as liked or hated."""
        understood = resolve_query(text, self.resolver, self.tags)
        if self.audio is not None:
            understood = self.audio.resolve(understood)
        if self.learning is not None:
            understood = self.learning.bands.resolve(understood)
        return understood

    def _unknown_bands(self, understood: ResolvedQuery) -> list[str]:
        """The names no catalog band is plausibly spelt like (not merely unsure ones: a
        person typing "sabbath" means a band Sage knows)."""
        if self.learning is None:
            return []
        return [t.term.name for t in understood.terms if t.tag is None and (
            t.resolution.status is Status.UNKNOWN and not t.resolution.is_genre
            # In the catalog (crawled, taken in) without a vector yet: worth learning.
            or self.learning.learner is not None and t.artist is not None
            and self.space.rows_of([t.artist.artist_id])[0] == NO_ROW)]

    def _learn(self, text: str, names: list[str]) -> tuple[ResolvedQuery, list[str]]:
        """The query read again after learning what can be learned of `names`, and what
        to say of each."""
        outcomes = self.learning.learn(self, names)
        notes = [learned_note(o) if o.state == "learned" else unknown_note(o, self.learning.catalog)
                 for o in outcomes]
        return self.understand(text), notes

    def band_named(self, text: str) -> Resolution:
        """The one band `text` names ("Minor Threat", "map of the band Converge"), read as
        a query is: the first band it names, or why there is none."""
        understood = self.understand(text)
        for term in understood.terms:
            if term.artist is not None:
                return term.resolution
        if understood.terms:
            first = understood.terms[0]
            if first.tag is not None:
                return Resolution(first.term.name, Status.UNKNOWN, (), is_genre=True)
            return first.resolution
        return Resolution(text.strip(), Status.UNKNOWN, ())

    def _tag_seed(self, tag: Tag, weight: float, liked: bool) -> TagSeed:
        artist_ids, artist_weights = self.tags.characteristic(tag)
        within = LIKED_TAG_STRONGEST if liked else HATED_TAG_STRONGEST
        return TagSeed(tag.name, artist_ids, artist_weights, self.tags.carriers(tag, within),
                       weight)

    def discover(
        self,
        likes: Sequence[Seed],
        hates: Sequence[Seed] = (),
        *,
        k: int,
        exclude_ids: Collection[int] = (),
        max_per_scene: int | None = None,
    ) -> Recommendation:
        """Recommend from seeds rather than text (a server's aggregated taste for its weekly
        post), optionally at most `max_per_scene` bands of any one scene."""
        return self._with_evidence(recommend(
            self.space, likes, hates, k=k, exclude_ids=exclude_ids,
            max_per_scene=max_per_scene, scenes=self.scenes,
        ), likes)

    def _with_evidence(self, recommendation: Recommendation,
                       likes: Sequence[Seed]) -> Recommendation:
        """Each recommended band with what the data says of it (engine.evidence) and its
        top track, when the store has them."""
        if not recommendation.items:
            return recommendation
        item_ids = [item.artist_id for item in recommendation.items]
        found = (self.evidence.explain(self.space, [seed.artist_id for seed in likes], item_ids)
                 if self.evidence is not None else [None] * len(item_ids))
        if self.audio is not None:
            found = [replace(evidence or Evidence(), by_sound=True) if by_sound else evidence
                     for evidence, by_sound in zip(
                         found, self.audio.placed_by_sound(np.asarray(item_ids)), strict=True)]
        return replace(recommendation, items=tuple(
            replace(item, evidence=evidence, track=self.tracks.get(item.artist_id))
            for item, evidence in zip(recommendation.items, found, strict=True)))


def _within_share(soft: list[Seed], budget: float) -> list[Seed]:
    """The soft likes, scaled down so that together they weigh at most `budget`."""
    total = sum(seed.weight for seed in soft)
    if total <= budget:
        return soft
    return [Seed(seed.artist_id, seed.weight * budget / total) for seed in soft]
