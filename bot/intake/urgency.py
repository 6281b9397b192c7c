"""Is a request urgent? Deadlines (today, EOD, "in 2 hours", "by noon"), alarms (ASAP, "site is down",
"leads are getting lost", 🚨) and the words people use to take urgency back ("not urgent", "no rush").

Cues are regular expressions so that a policy can add its own (intake.yaml `urgency`). A negation
just before a cue cancels that cue; a calm phrase cancels the soft cues (a deadline mentioned in
passing: "no rush, today or tomorrow is fine") but not an alarm ("no rush but the site is down"
is still urgent: a broken site is urgent whatever the requester thinks).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Alarms: urgent whatever else the message says, unless negated right before ("not urgent").
ALARM_CUES: tuple[str, ...] = (
    r"\burgent(?:ly)?\b",
    r"\basap\b",
    r"\bas soon as (?:possible|you can)\b",
    r"\bemergency\b",
    r"\bimmediately\b",
    r"\bright (?:now|away)\b",
    r"\btime[- ]sensitive\b",
    r"\bhigh priority\b",
    r"\b(?:p0|p1|sev ?[01])\b",
    r"\bblocker\b|\bblocking (?:us|me|the team|the launch|launch|release|sales)\b",
    r"\bcritical (?:issue|bug|problem|incident)\b",
    r"\b(?:site|website|homepage|landing page|page|checkout|signup|sign-up|login|forms?|app|crm)"
    r" (?:is |are )?(?:completely |totally )?(?:down|offline|not loading)\b",
    r"\b(?:leads?|signups?|registrations?|form fills?|data) (?:are |is )?(?:getting |being )?(?:lost|dropped)\b",
    r"\blosing (?:leads|signups|registrations|customers|money|revenue)\b",
    r"\boutage\b",
    r":rotating_light:|🚨|:sos:|🆘|:fire:|🔥|:bangbang:|‼️?|!!!+",
)

# Soft cues: a near deadline. A calm phrase elsewhere in the message cancels them.
SOFT_CUES: tuple[str, ...] = (
    r"\btoday\b",
    r"\btonight\b",
    r"\bthis (?:morning|afternoon|evening)\b",
    r"\b(?:by |before )?(?:eod|end of (?:the )?day|cob|close of business)\b",
    r"\bin (?:the next )?(?:\d+|an?|one|two|three|few|couple(?: of)?) (?:min(?:ute)?s?|hours?|hrs?)\b",
    r"\bwithin (?:the )?(?:\d+|an?|one|two|three|next) (?:min(?:ute)?s?|hours?|hrs?)\b",
    r"\b(?:by|before|until) (?:noon|lunch|midday|\d{1,2}(?::\d{2})? ?(?:am|pm)?)\b",
    r"\b(?:by|before) (?:the )?(?:call|meeting|demo|launch|webinar) (?:today|this)\b",
    r"\bgoes live (?:today|tonight|in \d+ (?:min(?:ute)?s?|hours?))\b",
)

# Phrases that take urgency back. They cancel soft cues anywhere in the message.
CALM_PHRASES: tuple[str, ...] = (
    r"\bno (?:rush|hurry|urgency|pressure)\b",
    r"\bnot (?:a |an )?(?:rush|hurry|priority)\b",
    r"\bwhen(?:ever)? you (?:get|have) (?:a )?(?:chance|moment|time|sec)\b",
    r"\b(?:low|lower) priority\b",
    r"\bnot (?:super |that |very )?(?:urgent|time[- ]sensitive|pressing)\b",
    r"\bnext (?:week|month|quarter) is (?:fine|ok|okay)\b",
    r"\bno (?:deadline|due date)\b",
    r"\bwhenever\b",
)

# A cue right after one of these is negated: "not urgent", "isn't blocking", "no emergency".
_NEGATION = re.compile(
    r"(?:\b(?:not|no|never|without|nothing|isnt|arent|wasnt|dont|doesnt)|n't)(?:\s+\w+){0,3}\s*$",
    re.IGNORECASE,
)

# A negation only reaches within its clause: "no rush but the site is down" is urgent.
_CLAUSE_BREAK = re.compile(
    r"[,.;:!?()]|\b(?:but|and|though|although|however|yet|because|since|so)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Urgency:
    urgent: bool
    cues: tuple[str, ...]  # the matched text of each cue that counted, for the audit trail

    def __bool__(self) -> bool:
        return self.urgent


class UrgencyDetector:
    """Compiled cues; build once (from the policy's extra cues) and call `detect` per message."""

    def __init__(self, extra_cues: Iterable[str] = (), extra_calm: Iterable[str] = ()) -> None:
        self._alarms = [re.compile(p, re.IGNORECASE) for p in (*ALARM_CUES, *extra_cues)]
        self._soft = [re.compile(p, re.IGNORECASE) for p in SOFT_CUES]
        self._calm = [re.compile(p, re.IGNORECASE) for p in (*CALM_PHRASES, *extra_calm)]

    def detect(self, text: str) -> Urgency:
        alarms = _unnegated(self._alarms, text)
        soft = _unnegated(self._soft, text)
        calm = any(pattern.search(text) for pattern in self._calm)
        counted = alarms + ([] if calm else soft)
        return Urgency(bool(counted), tuple(counted))


def _unnegated(patterns: list[re.Pattern[str]], text: str) -> list[str]:
    found: list[str] = []
    for pattern in patterns:
        for match in pattern.finditer(text):
            clause = _CLAUSE_BREAK.split(text[max(0, match.start() - 30) : match.start()])[-1]
            if not _NEGATION.search(clause):
                found.append(match.group(0))
                break
    return found


_DEFAULT = UrgencyDetector()


def detect(text: str) -> Urgency:
    """Urgency with the built-in cues only."""
    return _DEFAULT.detect(text)
