"""Typed training settings that make their own command-line flags.

A space's settings are a frozen dataclass whose fields say what they mean: each
`setting(...)` carries its help text (and, where the flag is not the field's name, the
flag), so a setting is written once, and `sage train SPACE` and `sage train all` read
the same class. A field that is itself such a dataclass is a group of flags.

    @dataclass(frozen=True)
    class CfParams(Settings):
        factors: int = setting(32, "vector dimensions")

    add_flags(parser, CfParams())        # --factors N (default: 32)
    CfParams.from_args(parser.parse_args([...]))
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Self

_HELP = "help"

# Every space's ranking setting (engine.novelty).
POPULARITY_PRIOR_HELP = ("how much popularity counts when the bot ranks this space (the "
                         "default; the novelty knob moves it)")


def setting(
    default: Any = dataclasses.MISSING,
    help: str = "",
    *,
    factory: Any = dataclasses.MISSING,
    flag: str | None = None,
    choices: Mapping[str, Any] | Sequence[str] | None = None,
    off: str | None = None,
    per_key: str | None = None,
    type: Any = None,
) -> Any:
    """A dataclass field that is also a flag.

    `flag`: the flag's name when it is not --field-name. `choices`: the words allowed,
    or words and the values they stand for ({"cbow": 0, "skip-gram": 1}). `off`: for a
    bool that defaults to True, the switch that turns it off. `per_key`: for a dict of
    numbers, one flag per key of the default, its name made by per_key.format(key).
    `type`: what the flag's text is read as, where the default (None) does not say.
    """
    metadata = {_HELP: help, "flag": flag, "choices": choices, "off": off, "per_key": per_key,
                "type": type}
    if factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def group(factory: Any, title: str) -> Any:
    """A field holding a nested settings dataclass, shown as the flag group `title`."""
    return dataclasses.field(default_factory=factory, metadata={"group": title})


class Settings:
    """What every settings dataclass can do: build itself from flags, and go to and from
    the plain dict a run records."""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, recorded: dict) -> Self:
        """From `to_dict`'s output or a run's params (which hold more keys than these);
        a key the record lacks takes the default."""
        values = {}
        for field in dataclasses.fields(cls):
            if field.name not in recorded:
                continue
            value = recorded[field.name]
            nested = _nested_type(cls, field)
            values[field.name] = nested.from_dict(value) if nested is not None else value
        return cls(**values)

    @classmethod
    def from_args(cls, args: argparse.Namespace, prefix: str = "") -> Self:
        """The settings `add_flags` put into `args`."""
        values = {}
        for field in dataclasses.fields(cls):
            dest = prefix + field.name
            nested = _nested_type(cls, field)
            if nested is not None:
                values[field.name] = nested.from_args(args, dest + ".")
            elif field.metadata.get("per_key"):
                keys = getattr(args, dest + "._keys")
                values[field.name] = {key: getattr(args, f"{dest}.{key}") for key in keys}
            elif _HELP in field.metadata:
                values[field.name] = _value(field, getattr(args, dest))
        return cls(**values)


def add_flags(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
    defaults: Settings,
    prefix: str = "",
) -> None:
    """A flag for every setting of `defaults`' class, defaulting to `defaults`' values;
    nested settings become argument groups of the `parser` (groups do not nest)."""
    for field in dataclasses.fields(defaults):
        value = getattr(defaults, field.name)
        dest = prefix + field.name
        if _nested_type(type(defaults), field) is not None:
            title = field.metadata.get("group", field.name)
            target = (parser.add_argument_group(title)
                      if isinstance(parser, argparse.ArgumentParser) else parser)
            add_flags(target, value, dest + ".")
            continue
        if _HELP not in field.metadata:
            continue
        meta = field.metadata
        if meta["per_key"]:
            for key, number in value.items():
                parser.add_argument(meta["per_key"].format(key), dest=f"{dest}.{key}",
                                    type=type(number), default=number, metavar="WEIGHT",
                                    help=meta[_HELP].format(key))
            parser.set_defaults(**{dest + "._keys": tuple(value)})
            continue
        flag = meta["flag"] or "--" + field.name.replace("_", "-")
        if isinstance(value, bool):
            if not meta["off"]:
                raise TypeError(f"{dest}: a bool setting needs the switch that turns it off")
            parser.add_argument(meta["off"], dest=dest, action="store_false", default=value,
                                help=meta[_HELP])
            continue
        choices = meta["choices"]
        if isinstance(choices, Mapping):
            [shown] = [word for word, stands_for in choices.items() if stands_for == value]
            parser.add_argument(flag, dest=dest, choices=list(choices), default=shown,
                                help=meta[_HELP])
        else:
            parser.add_argument(flag, dest=dest, type=meta["type"] or type(value),
                                choices=choices, default=value, help=meta[_HELP],
                                metavar=None if choices else field.name.upper())


def _value(field: dataclasses.Field, given: Any) -> Any:
    choices = field.metadata["choices"]
    return choices[given] if isinstance(choices, Mapping) else given


def _nested_type(cls: type, field: dataclasses.Field) -> type[Settings] | None:
    """The settings class a field holds, if it holds one."""
    default = (field.default_factory() if field.default_factory is not dataclasses.MISSING
               else field.default)
    return type(default) if isinstance(default, Settings) else None
