import argparse
import re
from pathlib import Path

import pytest

from cli.main import build_parser, main

REPO = Path(__file__).resolve().parent.parent


def all_parsers(parser: argparse.ArgumentParser):
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                yield from all_parsers(subparser)


def test_every_option_and_command_is_explained():
    for parser in all_parsers(build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for command in action._choices_actions:
                    assert command.help, f"{parser.prog} {command.dest} has no help text"
            else:
                assert action.help, f"{parser.prog}: {action.dest} has no help text"


def test_train_options_default_to_the_spaces_defaults():
    from cli.train import graph_params, word2vec_params
    from train.graph.params import GraphParams
    from train.playlist.params import PlaylistParams

    parser = build_parser()
    assert graph_params(parser.parse_args(["train", "graph"])) == GraphParams()
    playlist = parser.parse_args(["train", "playlist"])
    assert word2vec_params(
        playlist, sg=int(playlist.model == "skip-gram"), min_count=playlist.min_count
    ) == PlaylistParams().word2vec
    graph = graph_params(parser.parse_args(["train", "graph", "--skip-gram", "--window", "7"]))
    assert (graph.word2vec.sg, graph.word2vec.window) == (1, 7)


def test_help_exits_cleanly(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["ingest", "--help"])
    assert exit_info.value.code == 0
    assert "hetrec" in capsys.readouterr().out


def test_info_on_the_bundled_store(bundled_store_path, capsys):
    assert main(["--store", str(bundled_store_path), "info"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"artists\s+17,632", out)
    assert re.search(r"listens\s+92,834", out)


def test_ci_runs_exactly_the_readme_test_command():
    command = (REPO / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert "pytest" in command
    assert f"\n{command}\n" in (REPO / "README.md").read_text()
