"""How to use /mops, in one line: its subcommands repeat it when they can't read their words."""

MOPS_USAGE = (
<<<<<<< HEAD
    "Usage: `/mops help` · `/mops stats [30d]` · `/mops forecast` · `/mops goals` · "
    "`/mops scorecard` · "
    "`/mops digest [on|off|time 10:30]` · `/mops lint &lt;text&gt;` · `/mops intake` · "
    "`/mops away until YYYY-MM-DD [@delegate]|off` · "
    "`/mops policy reload`"
=======
    "Usage: `/mops help` · `/mops stats [30d]` · `/mops digest on|off|time HH:MM` · "
    "`/mops lint &lt;text&gt;` · `/mops policy reload` · `/mops health`"
>>>>>>> e6dbb17 (Channels the bot cannot post in are told, not lost: a post Slack refuses for the channel's sake (not_in_channel, channel_not_found, is_archived) is recorded once per channel per UTC day (unreachable_channels, migration 0006) in the transaction that fails the row, and each ops admin gets a DM saying what was lost and that /invite @mopsbot fixes it. At start the bot checks every channel the policy names (conversations.info is_member, X-OAuth-Scopes for chat:write.public) and logs channels.cannot_post; /mops health (ops admins) lists them in a section-based report. The shell says when the bot is not in the channel a message was typed in)
)
