"""Reading delimited text files row by row, with errors that name the file and line."""

from __future__ import annotations

import csv
import gzip
import unicodedata
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from store.errors import UserError


class IngestError(UserError):
    def __init__(self, path: Path, line: int | None, message: str):
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], object]
    expected: str  # what the error says a value should have been


def _non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


def int_column(name: str) -> Column:
    return Column(name, int, "an integer")


def count_column(name: str) -> Column:
    return Column(name, _non_negative_int, "a whole number ≥ 0")


def _text(value: str) -> str:
    # A control character (a NUL byte, an escape) in a name is a broken file, not a name.
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValueError(value)
    return value


def text_column(name: str) -> Column:
    return Column(name, _text, "text without control characters")


def _non_empty(value: str) -> str:
    if not value:
        raise ValueError(value)
    return _text(value)


def required_text_column(name: str) -> Column:
    return Column(name, _non_empty, "non-empty text without control characters")


def read_rows(
    path: Path, columns: list[Column], *, delimiter: str, encoding: str = "utf-8"
) -> Iterator[tuple]:
    """Yield each data row parsed by its columns, after checking the header names them.

    Gzip is recognised by its magic bytes, so `x.dat` and `x.dat.gz` both work.
    """
    if not path.is_file():
        raise IngestError(path, None, "no such file")
    with path.open("rb") as probe:
        compressed = probe.read(2) == b"\x1f\x8b"
    opener = gzip.open if compressed else open
    line = 0
    try:
        with opener(path, "rb") as handle:
            # TSV files carry raw quotes inside band names; only real CSV has quoting.
            quoting = csv.QUOTE_MINIMAL if delimiter == "," else csv.QUOTE_NONE
            reader = csv.reader(_decoded(path, handle, encoding), delimiter=delimiter,
                                quoting=quoting)
            header = next(reader, None)
            line = 1
            if header is None:
                raise IngestError(path, None, "the file is empty")
            expected = [column.name for column in columns]
            if [name.strip().lstrip("\ufeff") for name in header[: len(expected)]] != expected:
                raise IngestError(
                    path, 1, f"expected columns {', '.join(expected)}, found {', '.join(header)}"
                )
            for fields in reader:
                line = reader.line_num
                if not fields:
                    continue
                if len(fields) < len(columns):
                    raise IngestError(
                        path, line, f"expected {len(columns)} fields, found {len(fields)}"
                    )
                yield tuple(_parse(path, line, column, value) for column, value in zip(columns, fields))
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise IngestError(path, line + 1, f"truncated or corrupt gzip data ({exc})") from exc
    except csv.Error as exc:
        raise IngestError(path, line + 1, f"malformed line ({exc})") from exc


def _decoded(path: Path, handle: BinaryIO, encoding: str) -> Iterator[str]:
    """The lines of a byte stream as text, decoded one by one so that a byte that is not
    `encoding` is reported on its own line (a text wrapper decodes blocks ahead)."""
    for number, raw in enumerate(handle, start=1):
        try:
            yield raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise IngestError(path, number, f"not valid {encoding} text ({exc.reason})") from exc


def _parse(path: Path, line: int, column: Column, value: str) -> object:
    try:
        return column.parse(value.strip())
    except ValueError:
        raise IngestError(
            path, line, f"{column.name} must be {column.expected}, found {value!r}"
        ) from None
