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


def test_every_space_takes_its_default_settings_and_run_options_from_no_flags():
    from train.kinds import KINDS

    parser = build_parser()
    for name, kind in KINDS.items():
        args = parser.parse_args(["train", name])
        assert type(kind.params).from_args(args) == kind.params, name
        assert type(kind.run).from_args(args, "run.") == kind.run, name


def test_flags_set_the_settings_they_name():
    from train.graph.params import GraphParams, GraphRun
    from train.hybrid.params import HybridParams

    parser = build_parser()
    args = parser.parse_args(["train", "graph", "--model", "skip-gram", "--window", "7",
                              "--uniform", "--tag-share", "0.3", "--edges", "lastfm",
                              "--seed", "4"])
    graph = GraphParams.from_args(args)
    assert (graph.word2vec.sg, graph.word2vec.window) == (1, 7)
    assert not graph.walks.weighted and graph.graph.tag_share == 0.3
    assert GraphRun.from_args(args, "run.") == GraphRun(edges="lastfm", seed=4)
    hybrid = HybridParams.from_args(parser.parse_args(["train", "hybrid", "--cf-weight", "0.7",
                                                       "--playlist-weight", "0.3"]))
    assert hybrid.weights == {"cf": 0.7, "graph": 0.5, "playlist": 0.3}


def test_settings_read_themselves_back_from_a_run():
    from train.kinds import KINDS

    for kind in KINDS.values():
        # A run records its settings and run options side by side, with more keys.
        recorded = kind.params.to_dict() | kind.run.to_dict() | {"code": "abc"}
        assert type(kind.params).from_dict(recorded) == kind.params
        assert type(kind.run).from_dict(recorded) == kind.run


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


@pytest.mark.parametrize("option", [["--k", "0"], ["--likes", "0"], ["--head", "-1"]])
def test_eval_refuses_counts_out_of_range_before_anything_loads(option, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["eval", *option])
    assert exit_info.value.code == 2
    assert f"argument {option[0]}: must be" in capsys.readouterr().err
