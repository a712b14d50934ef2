"""A track answer (engine.track_answer) as console text and as JSON; the bot's embed is
bot.embeds.tracks_embed."""

from __future__ import annotations

from engine.track_answer import TrackAnswer


def understood_line(answer: TrackAnswer) -> str:
    parts = ([f"like {', '.join(answer.likes)}"] if answer.likes else []) + (
        [f"hate {', '.join(answer.hates)}"] if answer.hates else [])
    return "understood: " + (" · ".join(parts) if parts else "no band or track I know")


def tracks_text(answer: TrackAnswer) -> str:
    lines = [understood_line(answer)]
    lines += [f"note: {note}" for note in answer.notes]
    for n, item in enumerate(answer.items, start=1):
        lines.append(f"{n:>2}. {item.band} - {item.title}  ({item.why})")
        if item.url:
            lines.append(f"    {item.url}")
    return "\n".join(lines)


def tracks_to_dict(answer: TrackAnswer) -> dict:
    return {
        "query": answer.text,
        "understood": {"likes": list(answer.likes), "hates": list(answer.hates)},
        "notes": list(answer.notes),
        "tracks": [
            {"title": item.title, "band": item.band, "artist_id": item.artist_id,
             "track_id": item.track_id, "url": item.url, "score": round(item.score, 4),
             "why": item.why}
            for item in answer.items
        ],
    }
