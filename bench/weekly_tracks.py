"""Whether the weekly playlist's tracks fit the server's taste: the track picked in the
track space against each band's top track (the one in most playlists).

    python bench/weekly_tracks.py --store STORE [--show hardcore]

STORE needs a trained playlist-track run (`sage ingest mpd`, `sage train playlist-track`).
For the realistic server tastes of bench/weekly.py, composes the weekly post
(bot.weekly.compose_weekly) and, over its bands, measures in the track space:

- tracks: how many the playlist plays (10 to 15, or none: then the post is a list);
- fit: the picked tracks' mean cosine to the server's taste there (engine.track_space);
- top n, fit, top fit: over the bands whose top track has a vector (min_count leaves
  rare tracks out), the picked tracks' mean cosine and the top tracks';
- flow: the mean cosine of each track to the next, in the order played, against the
  mean over all pairs of the post's tracks (what a shuffled order averages);
- weeks: how many weeks in a row a playlist goes out (of WEEKS, each leaving out the
  bands and tracks of those before), and the fewest tracks one held.

As few bands of a post have more than one track with a vector on a small slice, a
second table takes the NEAREST bands nearest each taste that have two or more: the
mean fit of the track picked (the best), of the top track, and of a random one.

The store is only read.

Measured on a copy of the bundled store (HetRec) with the shared MPD subset ingested
(`sage ingest mpd .../mpd_subset_slices.tar.gz`) and `sage train playlist-track` at its
defaults (seed 0, 2 workers: 18,356 track vectors of 4,727 artists, 2,381 with two or
more), and `sage train graph` then `sage train hybrid` at their defaults (271 scenes):

    taste       tracks    fit top n    fit top fit   flow  pairs   weeks
    hardcore        15  0.568    15  0.568   0.565  0.552  0.374 12 (15)
    shoegaze        15  0.658    15  0.658   0.591  0.576  0.474 12 (15)
    hip-hop         15  0.625    15  0.625   0.544  0.512  0.404  8 (15)
    electronic      15  0.640    15  0.640   0.583  0.543  0.425 12 (15)
    pop             15  0.697    15  0.697   0.649  0.670  0.596 12 (15)
    mixed           15  0.614    15  0.614   0.545  0.578  0.472 12 (15)
    all             90  0.634    90  0.634   0.579

    the 50 bands nearest each taste with 2+ track vectors:
    taste         best    top random
    hardcore     0.730  0.646  0.647
    shoegaze     0.660  0.573  0.575
    hip-hop      0.655  0.573  0.554
    electronic   0.671  0.584  0.596
    pop          0.693  0.645  0.556
    mixed        0.631  0.577  0.557

Every taste gets a playlist of 15, fitting it at 0.634 against 0.579 for the same bands'
top tracks (a random track of a band fits about as well as its top one); tracks played
one after another are closer (0.51 to 0.67) than the post's tracks on average (0.37 to
0.60). Most of these bands have one track with a vector (min_count 5 on 5,365
playlists), so the pick differs from the top track for a few bands a post (hardcore: 2
of 15). On /work/sage.duckdb as it was (16 coarse scenes, before the scene split), the
scene cap leaves 2 to 8 bands with tracks for five of the six tastes: only hardcore got
a playlist (12 tracks, fit 0.479 against 0.474), the others a list of bands or, as
before, no post.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.weekly import ONE_VOTE, TASTES, WEEKS
from bot.state.results import GuildTaste
from bot.weekly import DEFAULT_BANDS, WeeklyPost, compose_weekly
from engine.answer import Engine
from engine.compose import Seed
from engine.track_space import TrackSpace
from store import Store

NEAREST = 50


def top_track_ids(store_path: Path, artist_ids: list[int]) -> dict[int, int]:
    """{artist id: the id of its track in most playlist entries (ties: the lowest id)},
    as engine.top_tracks picks it."""
    with Store.open(store_path, read_only=True) as store:
        rows = store.con.execute(
            """WITH listed AS (
                   SELECT track_id, count(*) AS entries FROM playlist_tracks GROUP BY track_id)
               SELECT artist_id, arg_max(track_id, (coalesce(entries, 0), -track_id))
               FROM tracks LEFT JOIN listed USING (track_id)
               WHERE artist_id IN (SELECT unnest(?::BIGINT[]))
               GROUP BY artist_id""",
            [artist_ids],
        ).fetchall()
    return dict(rows)


def fit_of(tracks: TrackSpace, track_id: int, taste: np.ndarray) -> float | None:
    """The track's cosine to `taste`; None when it has no vector."""
    rows = np.flatnonzero(tracks.track_ids == track_id)
    return float(tracks.unit[rows[0]] @ taste) if len(rows) else None


def wider(tracks: TrackSpace, store_path: Path, liked: list[int],
          direction: np.ndarray) -> tuple[float, float, float]:
    """Over the NEAREST bands nearest the taste (by their place) that have two or more
    tracks with vectors, none liked: the mean fit of the best track, of the top track
    (where it has a vector) and of a track drawn at random (a band's mean)."""
    counts = np.bincount(np.searchsorted(tracks.track_artists, tracks.artist_ids))
    several = np.setdiff1d(tracks.track_artists[counts >= 2], liked)
    places, _ = tracks.artist_places(several)
    nearest = several[np.argsort(-(places @ direction))[:NEAREST]].tolist()
    top = top_track_ids(store_path, nearest)
    best, tops, drawn = [], [], []
    for artist in nearest:
        fits = tracks.unit[tracks.artist_ids == artist] @ direction
        best.append(fits.max())
        drawn.append(fits.mean())
        if (fit := fit_of(tracks, top[artist], direction)) is not None:
            tops.append(fit)
    return float(np.mean(best)), float(np.mean(tops)), float(np.mean(drawn))


def flow(tracks: TrackSpace, post: WeeklyPost) -> tuple[float, float]:
    vectors = tracks.vectors_of(list(post.track_ids))
    similarity = vectors @ vectors.T
    steps = np.diagonal(similarity, offset=1)
    return float(steps.mean()), float(similarity[np.triu_indices(len(vectors), 1)].mean())


def weeks_of_playlists(engine: Engine, taste: GuildTaste) -> tuple[int, int]:
    posted: set[int] = set()
    played: set[int] = set()
    fewest = DEFAULT_BANDS
    for week in range(WEEKS):
        post = compose_weekly(engine, taste, posted, posted_track_ids=played)
        if post is None or not post.is_playlist:
            return week, fewest
        posted |= set(post.artist_ids)
        played |= set(post.track_ids)
        fewest = min(fewest, len(post.items))
    return WEEKS, fewest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--show", nargs="*", default=[], choices=sorted(TASTES))
    args = parser.parse_args()
    engine = Engine.load(args.store)
    tracks = engine.track_space
    if tracks is None:
        sys.exit(f"{args.store} has no trained playlist-track space")
    print(f"{'taste':<11} {'tracks':>6} {'fit':>6} {'top n':>5} {'fit':>6} {'top fit':>7} "
          f"{'flow':>6} {'pairs':>6} {'weeks':>7}")
    picked_all, paired_all, top_all, wide = [], [], [], {}
    for name, bands in TASTES.items():
        liked = [engine.band_named(band).artist.artist_id for band in bands]
        taste = GuildTaste({a: ONE_VOTE for a in liked}, {})
        direction = tracks.taste([Seed(a, ONE_VOTE) for a in liked])
        wide[name] = wider(tracks, args.store, liked, direction)
        post = compose_weekly(engine, taste, set())
        if post is None or not post.is_playlist or direction is None:
            print(f"{name:<11} {'a list of bands' if post else 'no post'}")
            continue
        top = top_track_ids(args.store, list(post.artist_ids))
        picked = [fit_of(tracks, t, direction) for t in post.track_ids]
        tops = [fit_of(tracks, top[a], direction) for a in post.artist_ids]
        # the bands whose top track has a vector, to compare like with like
        paired = [(p, t) for p, t in zip(picked, tops, strict=True) if t is not None]
        picked_all += picked
        paired_all += [p for p, _ in paired]
        top_all += [t for _, t in paired]
        steps, pairs = flow(tracks, post)
        weeks, fewest = weeks_of_playlists(engine, taste)
        print(f"{name:<11} {len(picked):>6} {np.mean(picked):>6.3f} {len(paired):>5} "
              f"{np.mean([p for p, _ in paired]):>6.3f} {np.mean([t for _, t in paired]):>7.3f} "
              f"{steps:>6.3f} {pairs:>6.3f} {f'{weeks} ({fewest})':>7}")
        if name in args.show:
            titles = dict(zip(tracks.track_ids.tolist(), tracks.titles, strict=True))
            for item in post.items:
                print(f"    {item.name} - {item.track}   (top: "
                      f"{titles.get(top[item.artist_id], 'no vector')})")
    print(f"{'all':<11} {len(picked_all):>6} {np.mean(picked_all):>6.3f} {len(top_all):>5} "
          f"{np.mean(paired_all):>6.3f} {np.mean(top_all):>7.3f}")
    print(f"\nthe {NEAREST} bands nearest each taste with 2+ track vectors:")
    print(f"{'taste':<11} {'best':>6} {'top':>6} {'random':>6}")
    for name, (best, top, drawn) in wide.items():
        print(f"{name:<11} {best:>6.3f} {top:>6.3f} {drawn:>6.3f}")


if __name__ == "__main__":
    main()
