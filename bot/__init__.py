"""Sage on Discord: the only package that imports discord.py.

`sage bot` runs bot.app; the cogs in bot.cogs call the same engine as `sage chat`, and
bot.state keeps ratings, result messages and weekly settings in a SQLite file of its own.
"""
