"""How to use /mops, in one line: its subcommands repeat it when they can't read their words."""

MOPS_USAGE = (
    "Usage: `/mops help` · `/mops stats [30d]` · `/mops forecast` · `/mops goals` · "
    "`/mops scorecard` · "
    "`/mops digest [on|off|time 10:30]` · `/mops lint &lt;text&gt;` · `/mops intake` · `/mops tasks` · "
    "`/mops away until YYYY-MM-DD [@delegate]|off` · `/mops experiment help` · "
    "`/mops policy reload` · `/mops health` · `/mops forget @person`"
)
