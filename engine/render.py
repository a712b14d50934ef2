"""Answers as plain text (terminal) and as plain data (JSON); the bot renders its own embed."""

from __future__ import annotations

from engine.answer import Answer
from engine.explain import RecommendedItem


def understood_line(answer: Answer) -> str:
    parts = []
    if answer.likes:
        parts.append("like " + ", ".join(answer.likes))
    if answer.hates:
        parts.append("hate " + ", ".join(answer.hates))
    return "understood: " + (" · ".join(parts) if parts else "no band I know")


def render_text(answer: Answer) -> str:
    lines = [understood_line(answer)]
    lines += [f"note: {note}" for note in answer.notes]
    recommendation = answer.recommendation
    if recommendation and recommendation.items:
        width = max(len(item.name) for item in recommendation.items)
        lines.append("")
        lines.append(f"{'#':>3}  {'band':<{width}}  {'score':>5}  {'listeners':>9}  why")
        for item in recommendation.items:
            lines.append(
                f"{item.rank:>3}  {item.name:<{width}}  {item.score:>5.2f}  {item.listeners:>9,}  "
                + _why(item)
            )
        for removal in recommendation.removed_by_hates:
            if removal.removed:
                kept_out = ", ".join(item.name for item in removal.removed[:5])
                more = len(removal.removed) - 5
                lines.append(
                    f"hating {removal.hate_name} kept out {kept_out}"
                    + (f" and {more} more" if more > 0 else "")
                )
        lines.append(f"(space {recommendation.space}, run {recommendation.run_id})")
    return "\n".join(lines)


def _why(item: RecommendedItem) -> str:
    like, neighbour = item.closest_like, item.graph_neighbour
    if neighbour is None:
        why = f"close to {like.name} ({like.similarity:.2f})"
    elif neighbour.artist_id == like.artist_id:
        why = f"close and related to {like.name} ({like.similarity:.2f})"
    else:
        why = f"close to {like.name} ({like.similarity:.2f}), related to {neighbour.name}"
    return f"{why}; a long-tail pick" if item.discovery else why


def answer_to_dict(answer: Answer) -> dict:
    recommendation = answer.recommendation
    return {
        "query": answer.text,
        "understood": {
            "likes": list(answer.likes),
            "hates": list(answer.hates),
            "terms": [
                {
                    "typed": t.term.name,
                    "polarity": str(t.term.polarity),
                    "weight": t.term.weight,
                    "status": str(t.resolution.status),
                    "artist": t.resolution.artist.name if t.resolution.artist else None,
                    "suggestions": [c.name for c in t.resolution.candidates[:3]],
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
                "why": {
                    "closest_like": item.closest_like.name,
                    "similarity": round(item.closest_like.similarity, 4),
                } | ({
                    "related_to": item.graph_neighbour.name,
                    "step": round(item.graph_neighbour.step, 4),
                } if item.graph_neighbour else {}),
                "discovery": item.discovery,
            }
            for item in (recommendation.items if recommendation else ())
        ],
        "removed_by_hates": [
            {"hate": removal.hate_name, "removed": [item.name for item in removal.removed]}
            for removal in (recommendation.removed_by_hates if recommendation else ())
        ],
        "space": recommendation.space if recommendation else None,
        "run_id": recommendation.run_id if recommendation else None,
    }
