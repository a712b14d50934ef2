"""Answers as plain text (terminal) and as plain data (JSON); the bot renders its own embed."""

from __future__ import annotations

from collections.abc import Callable

from wcwidth import wcswidth

from engine.answer import Answer
from engine.explain import RecommendedItem


def understood_parts(answer: Answer, name: Callable[[str], str] = str) -> list[str]:
    """"like A, B, the genre c", "hate D": what was understood, each name passed through
    `name` (the bot escapes them)."""
    parts = []
    for verb, bands, tags in [("like", answer.likes, answer.like_tags),
                              ("hate", answer.hates, answer.hate_tags)]:
        named = [name(band) for band in bands] + [f"the genre {name(tag)}" for tag in tags]
        if named:
            parts.append(f"{verb} " + ", ".join(named))
    return parts


def understood_line(answer: Answer) -> str:
    parts = understood_parts(answer)
    return "understood: " + (" · ".join(parts) if parts else "no band I know")


def render_text(answer: Answer) -> str:
    lines = [understood_line(answer)]
    lines += [f"note: {note}" for note in answer.notes]
    recommendation = answer.recommendation
    if recommendation and recommendation.items:
        width = max(_width(item.name) for item in recommendation.items)
        lines.append("")
        lines.append(f"{'#':>3}  {_pad('band', width)}  {'score':>5}  {'listeners':>9}  why")
        for item in recommendation.items:
            lines.append(
                f"{item.rank:>3}  {_pad(item.name, width)}  {item.score:>5.2f}  "
                f"{item.listeners:>9,}  " + why(item)
            )
        for removal in recommendation.removed_by_hates:
            if removal.removed:
                kept_out = ", ".join(item.name for item in removal.removed[:5])
                more = len(removal.removed) - 5
                lines.append(
                    f"hating {removal.hated} kept out {kept_out}"
                    + (f" and {more} more" if more > 0 else "")
                )
        lines.append(f"(space {recommendation.space}, run {recommendation.run_id}; {LEGEND})")
    return "\n".join(lines)


def _width(text: str) -> int:
    """Columns `text` takes in a terminal: 宇多田ヒカル takes two per character."""
    width = wcswidth(text)
    return width if width >= 0 else len(text)  # a control character: count characters


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


LEGEND = ("score: what the band was ranked by, likeness to your taste plus popularity and "
          "graph lifts; listeners: people in the data who play it")
# Below this cosine to the closest like, "close to" would not be true: the band is in the
# answer for its popularity or a step on the graph, which the reason then says instead.
CLOSE = 0.3
# Below this many listeners of the liked band, shared listeners are said as counts.
FEW_LISTENERS = 20


def reasons(item: RecommendedItem) -> list[str]:
    """Why `item` was recommended, strongest evidence first (engine.evidence): shared
    listeners, shared distinctive tags, a path on the related-artists graph, shared
    playlists, its sound; else where it sits in the space, said only as far as it is
    true."""
    like, evidence = item.closest_like, item.evidence
    found = []
    if evidence is not None and evidence.listeners is not None:
        shared = evidence.listeners
        # A share of a handful of listeners reads bigger than it is: say the counts.
        found.append(f"{shared.share:.0%} of {shared.like}'s {shared.audience} listeners "
                     "play it" if shared.audience >= FEW_LISTENERS else
                     f"{shared.count} of {shared.like}'s {shared.audience} listeners play it")
    if evidence is not None and evidence.tags:
        found.append("both " + ", ".join(evidence.tags))
    if evidence is not None and evidence.path:
        found.append("related to " + evidence.path[0] if len(evidence.path) == 2
                     else " → ".join(evidence.path))
    if evidence is not None and evidence.playlists:
        like_name, count = evidence.playlists
        found.append(f"on {count} playlists with {like_name}")
    if evidence is not None and evidence.by_sound:
        found.append(f"new to the data, placed by its sound near {like.name}")
    if found:
        return found
    neighbour = item.graph_neighbour
    if like.is_genre:
        return [f"close to the genre {like.name} ({like.similarity:.2f})"]
    if like.similarity < CLOSE:
        if neighbour is not None:
            return [f"related to {neighbour.name}"]
        return ["a long-tail pick near your taste" if item.discovery
                else "a well-known band near your taste"]
    if neighbour is None:
        return [f"close to {like.name} ({like.similarity:.2f})"]
    if neighbour.artist_id == like.artist_id:
        return [f"close and related to {like.name} ({like.similarity:.2f})"]
    return [f"close to {like.name} ({like.similarity:.2f}), related to {neighbour.name}"]


def why(item: RecommendedItem) -> str:
    """The reasons shown in the text, the embed and the JSON alike: the two strongest,
    and whether the band took a place kept for the long tail."""
    shown = reasons(item)[:2]
    if item.discovery and "long-tail pick" not in shown[-1]:
        shown.append("a long-tail pick")
    return "; ".join(shown)


def answer_to_dict(answer: Answer) -> dict:
    recommendation = answer.recommendation
    return {
        "query": answer.text,
        "understood": {
            "likes": list(answer.likes),
            "hates": list(answer.hates),
            "like_tags": list(answer.like_tags),
            "hate_tags": list(answer.hate_tags),
            "terms": [
                {
                    "typed": t.term.name,
                    "polarity": str(t.term.polarity),
                    "weight": t.term.weight,
                    "kind": "tag" if t.tag else "band",
                    "status": "confident" if t.tag else str(t.resolution.status),
                    "artist": t.artist.name if t.artist else None,
                    "tag": t.tag.name if t.tag else None,
                    "suggestions": [] if t.tag else [c.name for c in t.resolution.candidates[:3]],
                }
                for t in answer.understood.terms
            ],
        },
        "notes": list(answer.notes),
        "results": [
            {
                "rank": item.rank,
                "artist_id": item.artist_id,
                "name": item.name,
                "score": round(item.score, 4),
                "similarity": round(item.similarity, 4),
                "listeners": item.listeners,
                "url": item.url,
                "track": ({"title": item.track.title, "url": item.track.url}
                          if item.track else None),
                "why": {
                    "closest_like": item.closest_like.name,
                    "closest_like_kind": "tag" if item.closest_like.is_genre else "band",
                    "similarity": round(item.closest_like.similarity, 4),
                    "reasons": reasons(item),
                    "text": why(item),
                } | ({
                    "related_to": item.graph_neighbour.name,
                    "step": round(item.graph_neighbour.step, 4),
                } if item.graph_neighbour else {}),
                "discovery": item.discovery,
            }
            for item in (recommendation.items if recommendation else ())
        ],
        "removed_by_hates": [
            {"hate": removal.hate_name, "kind": "band" if removal.hate_id is not None else "tag",
             "removed": [item.name for item in removal.removed]}
            for removal in (recommendation.removed_by_hates if recommendation else ())
        ],
        "space": recommendation.space if recommendation else None,
        "run_id": recommendation.run_id if recommendation else None,
    }
