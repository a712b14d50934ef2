"""`sage bot`: a missing or rejected token is one clear line and exit status 2."""

import discord
import pytest

from cli.main import main


def test_without_a_token(bundled_store_path, monkeypatch, capsys):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert main(["--store", str(bundled_store_path), "bot"]) == 2
    assert capsys.readouterr().err.startswith("sage bot: error: set DISCORD_TOKEN")


def test_with_a_rejected_token(bundled_store_path, monkeypatch, capsys):
    async def reject(client, token):
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setenv("DISCORD_TOKEN", "not-a-token")
    monkeypatch.setattr(discord.Client, "login", reject)
    assert main(["--store", str(bundled_store_path), "bot"]) == 2
    assert "Discord rejected the token in DISCORD_TOKEN" in capsys.readouterr().err


def test_reload_interval_must_be_positive(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["bot", "--reload-every", "0"])
    assert exit_.value.code == 2
    assert "argument --reload-every: must be above 0, not '0'" in capsys.readouterr().err
