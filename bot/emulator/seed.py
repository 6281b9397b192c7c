"""The emulated workspace's fixed population: one team, the bot, five people, user groups, channels.

Frozen values so that tests, the shell and the README can rely on the same ids. Who is in which
channel is part of it: the bot is only where an admin following the README invited it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    domain: str


@dataclass(frozen=True)
class User:
    id: str
    name: str
    real_name: str
    tz: str
    is_bot: bool = False
    bot_id: str | None = None

    @property
    def display_name(self) -> str:
        return self.name


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    purpose: str = ""
    is_im: bool = False
    user: str | None = None  # the person at the other end of a DM
    is_private: bool = False
    members: tuple[str, ...] = ()  # who is in it at the start, the bot only if invited


@dataclass(frozen=True)
class UserGroup:
    id: str
    handle: str
    name: str
    users: tuple[str, ...]


@dataclass(frozen=True)
class Seed:
    team: Team
    bot: User
    app_id: str
    users: tuple[User, ...]
    channels: tuple[Channel, ...]
    usergroups: tuple[UserGroup, ...]
    direct_messages: tuple[Channel, ...] = field(init=False)

    def __post_init__(self) -> None:
        # One DM channel per person, D + the user id's tail, as stable as the users themselves.
        dms = tuple(
            Channel(id="D" + u.id[1:], name=u.id, is_im=True, user=u.id) for u in self.users
        )
        object.__setattr__(self, "direct_messages", dms)

    def dm_for(self, user_id: str) -> Channel | None:
        return next((c for c in self.direct_messages if c.user == user_id), None)


_PEOPLE = ("U01RITA", "U02BRAM", "U03LENA", "U04OMAR", "U05SAM")
_EVERYONE = ("U00BOT", *_PEOPLE)

DEFAULT_SEED = Seed(
    team=Team(id="T01MOPS", name="MOPS", domain="mops"),
    bot=User(
        id="U00BOT", name="mopsbot", real_name="mopsbot", tz="UTC", is_bot=True, bot_id="B00BOT"
    ),
    app_id="A00MOPS",
    users=(
        User(id="U01RITA", name="rita", real_name="Rita Requester", tz="America/New_York"),
        User(id="U02BRAM", name="bram", real_name="Bram Brand", tz="Europe/Amsterdam"),
        User(id="U03LENA", name="lena", real_name="Lena Legal", tz="Europe/London"),
        User(id="U04OMAR", name="omar", real_name="Omar Ops", tz="America/Los_Angeles"),
        User(id="U05SAM", name="sam", real_name="Sam Social", tz="Asia/Kolkata"),
    ),
    channels=(
        # README "Installing the Slack app": the admin invites the bot to the brief, intake,
        # escalation and digest channels; #random is a channel nobody invited it to.
        Channel(id="C01MKTG", name="marketing", purpose="Briefs and approvals", members=_EVERYONE),
        Channel(
            id="C02INTAKE",
            name="intake",
            purpose="Requests for the marketing team",
            members=_EVERYONE,
        ),
        Channel(
            id="C03ESC",
            name="mops-escalations",
            purpose="Overdue and stuck work",
            members=("U00BOT", "U04OMAR", "U02BRAM", "U03LENA"),
        ),
        Channel(id="C04RANDOM", name="random", purpose="Anything else", members=_PEOPLE),
    ),
    usergroups=(
        UserGroup(id="S01BRAND", handle="brand-team", name="Brand team", users=("U02BRAM",)),
        UserGroup(id="S02LEGAL", handle="legal-team", name="Legal team", users=("U03LENA",)),
        UserGroup(id="S03OPS", handle="mops-admins", name="MOPS admins", users=("U04OMAR",)),
        UserGroup(id="S04TRIAGE", handle="triage", name="Triage", users=("U05SAM", "U04OMAR")),
        # Owner groups that intake routes to (policies/default.yaml declares the same ids).
        UserGroup(id="S05DESIGN", handle="design-team", name="Design", users=("U02BRAM",)),
        UserGroup(id="S06WEB", handle="web-team", name="Web", users=("U04OMAR",)),
        UserGroup(id="S07DATA", handle="data-team", name="Data", users=("U04OMAR",)),
        UserGroup(id="S08EVENTS", handle="events-team", name="Events", users=("U05SAM",)),
        UserGroup(id="S09LIFECYCLE", handle="lifecycle-team", name="Lifecycle", users=("U01RITA",)),
        UserGroup(id="S10SOCIAL", handle="social-team", name="Social", users=("U05SAM",)),
    ),
)
