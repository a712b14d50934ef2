"""Admin commands: weekly post setup and preview (Manage Server), reload (bot owner), and
the weekly scheduler wired to post into the channel."""

import discord
import discord.ext.test as dpytest
import pytest
from discord.ext import commands
from discord.ext.test import backend

from bot.budget import CommandBudget
from bot.state.weekly_posts import weekly_settings
from bot.weekly import Outcome
from engine.answer import Engine
from engine.resolve import NameResolver
from engine.space import LoadedSpace
from store.catalog import ArtistCatalog
from tests.bot_fixtures import clustered_vectors, numbered_names

pytestmark = pytest.mark.asyncio

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


@pytest.fixture(scope="module")
def bot_engine(bundled_catalog: ArtistCatalog) -> Engine:
    """The bot tests' engine, with 30 bands near the hardcore ones: a weekly post holds
    only bands that fit the server's taste, 10 at least."""
    vectors = clustered_vectors(bundled_catalog, near=30)
    space = LoadedSpace.from_arrays("graph", bundled_catalog.artist_ids, vectors,
                                    bundled_catalog)
    return Engine(NameResolver.from_catalog(bundled_catalog), space)


async def make_admin(member: discord.Member) -> None:
    role = backend.make_role("Admins", member.guild,
                             permissions=discord.Permissions(manage_guild=True).value)
    await dpytest.add_role(member, role)


async def test_setup_needs_manage_server(bot):
    channel = dpytest.get_config().channels[0]
    with pytest.raises(commands.MissingPermissions):
        await dpytest.message(f"!sage setup {channel.mention}", member=1)
    assert dpytest.get_message().content == "You need the Manage Server permission for that."
    assert weekly_settings(bot.state, channel.guild.id) is None
    with pytest.raises(commands.MissingPermissions):
        await dpytest.message("!sage weekly preview", member=1)


async def test_setup_saves_and_schedules_defaults_and_explicit_times(bot):
    bot.budget = CommandBudget(per_window=100)  # more commands than one user's budget
    admin = dpytest.get_config().members[0]
    channel = dpytest.get_config().channels[0]
    await make_admin(admin)
    await dpytest.message(f"!sage setup {channel.mention}")
    assert "Every Monday at 09:00 (UTC)" in dpytest.get_embed().description
    settings = weekly_settings(bot.state, channel.guild.id)
    assert (settings.channel_id, settings.weekday, settings.at.hour, settings.timezone) == (
        channel.id, 0, 9, "UTC")

    await dpytest.message(f"!sage setup {channel.mention} fri 18:30 europe/berlin")
    assert "Every Friday at 18:30 (Europe/Berlin)" in dpytest.get_embed().description
    settings = weekly_settings(bot.state, channel.guild.id)
    assert (settings.weekday, settings.at.hour, settings.at.minute, settings.timezone) == (
        4, 18, 30, "Europe/Berlin")

    # Bad settings: one escaped line each, and the saved settings stay.
    for words, error in [("funday", "unknown day"), ("mon 25:00", "unknown time"),
                         ("mon 09:00 Mars/Olympus", "unknown time zone"),
                         ("@everyone", "unknown day")]:
        with pytest.raises(commands.CommandInvokeError):
            await dpytest.message(f"!sage setup {channel.mention} {words}")
        reply = dpytest.get_message().content
        assert error in reply and "@everyone" not in reply
    assert weekly_settings(bot.state, channel.guild.id) == settings


async def test_the_scheduler_posts_the_due_week_once_at_ready(bot):
    admin = dpytest.get_config().members[0]
    channel = dpytest.get_config().channels[0]
    await make_admin(admin)
    await dpytest.message("!sage weekly preview")
    assert dpytest.get_embed().title == "Nothing to post yet"

    # Due since midnight today, in UTC.
    today = WEEKDAYS[discord.utils.utcnow().weekday()]
    await dpytest.message(f"!sage setup {channel.mention} {today} 00:00 UTC")
    dpytest.get_message()
    # Without a taste the week stays unclaimed, so it can still be posted later that week.
    assert [o.outcome for o in await bot.weekly.catch_up()] == [Outcome.NOTHING_TO_POST]

    await dpytest.message("!sage like Minor Threat, Have Heart hate DMX")
    dpytest.get_message()
    await dpytest.message("!sage weekly preview")
    preview = dpytest.get_embed()
    assert preview.title == "This week's discoveries (preview)"

    await bot.on_ready()
    post = dpytest.get_message()
    assert post.channel == channel and post.embeds[0].title == "This week's discoveries"
    assert len(numbered_names(post.embeds[0])) == 15
    await bot.on_ready()  # a reconnect: the week is done
    assert dpytest.verify().message().nothing()


async def test_reload_is_for_the_owner(bot):
    with pytest.raises(commands.NotOwner):
        await dpytest.message("!sage reload")
    assert dpytest.get_message().content == "Only the bot's owner can do that."
    bot.owner_id = dpytest.get_config().members[0].id
    await dpytest.message("!sage reload")
    assert dpytest.get_embed().title == "Reloaded"
