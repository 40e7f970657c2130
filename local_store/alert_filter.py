"""The inbox's filter language and its sections (named filters from the profile's config).

A filter is terms joined by `and`, `or` (`and` binds tighter; two terms side by side mean
`and`), `not` and parentheses:

    mine and kind:renewal and due<45d
    (kind:setup_issue or kind:usage_decline) and not status:snoozed

Terms (values may be quoted, "like this"; lists are comma-separated):

    mine                 assigned to me, or unassigned on a client I own
    unassigned           nobody is assigned
    kind:K[,K2]          the kind starts with K (kind:renewal finds renewal_decision)
    severity:S[,S2]      info, warning, critical
    status:S[,S2]        open, acknowledged, snoozed, resolved, or any
    source:local|backend raised by a local rule or by the backend
    rule:R[,R2]          a local rule among the item's reasons (an item lists every rule
                         that fired on its client for its concern)
    assignee:E|me        assigned to this email
    owner:E|me           the client's owner
    client:TEXT          the client's name contains TEXT
    comms:partner|hubspot  who owns the communication of the client's renewal
    health:red|yellow|green, health<N (also <=, >, >=, =)
    impact>=N (also <, <=, >, =)  what is at stake (local_store.impact)
    due<Nd (also <=, >, >=)   due before today + N days; alerts without a due date never match
    overdue              due before today

Without a `status:` term a section shows alerts that are open or acknowledged; a snoozed
alert whose date has come counts as open. Every user value reaches SQL as a parameter.

Plain `sqlite3` and the standard library only: the inbox can be the TUI's first screen.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from local_store.alert_status import ACTIVE_STATUSES, STATUSES
from local_store.health import BANDS, SettingsError
from local_store.impact import IMPACT_SQL

SEVERITIES = ("info", "warning", "critical")

EFFECTIVE_STATUS_ON = (
    "CASE WHEN a.status = 'snoozed' AND (a.snoozed_until IS NULL OR a.snoozed_until <= {today}) "
    "THEN 'open' ELSE a.status END"
)
"""A snooze ends on its date, for local and backend alerts alike, with no write needed;
`{today}` is the placeholder of today's date in the query that uses it."""
EFFECTIVE_STATUS = EFFECTIVE_STATUS_ON.format(today=":today")


class TriageError(ValueError):
    """The action cannot apply to this alert; the message says why, in one line."""


def parse_until(text: str, today: date) -> date:
    """`3d`, `2w` or an ISO date, after today."""
    cleaned = text.strip().lower()
    relative = re.fullmatch(r"(\d+)\s*([dw])", cleaned)
    if relative:
        days = int(relative.group(1)) * (7 if relative.group(2) == "w" else 1)
        until = today + timedelta(days=days)
    else:
        try:
            until = date.fromisoformat(cleaned)
        except ValueError:
            raise TriageError(f"{text!r} is not a date: write 3d, 2w or 2026-12-24") from None
    if until <= today:
        raise TriageError(f"snooze until a day after today ({today.isoformat()})")
    return until


class FilterError(ValueError):
    """A filter does not parse; the message is one line that says where and why."""


@dataclass(frozen=True)
class Section:
    name: str
    filter: str
    beyond: bool = False
    """Past the day's work: the catch-all sections that keep every other item reachable."""


_EVERYTHING_MINE = Section("All mine", "mine", beyond=True)
_EVERYTHING = Section("Everything open", "", beyond=True)
ARCHETYPE_SECTIONS: dict[str, tuple[Section, ...]] = {
    # The day's work first, ranked by impact; each on the person's own clients (`mine`),
    # counted on the demo portfolio in docs/configuration.md. Then the catch-alls.
    "implementer": (
        Section("My setup issues", "mine and kind:setup_issue"),
        Section("My stalled onboarding", "mine and kind:onboarding_stalled"),
        Section("My usage drops", "mine and rule:usage_decline,engagement_drop"),
        _EVERYTHING_MINE,
        _EVERYTHING,
    ),
    "value_driver": (
        Section("My renewals in 45 days", "mine and kind:renewal and due<45d and comms:partner"),
        Section("My engagement at risk", "mine and kind:engagement and not severity:info"),
        Section("My expansion fits", "mine and kind:expansion_fit"),
        _EVERYTHING_MINE,
        _EVERYTHING,
    ),
    "deal_closer": (
        Section(
            "My at-risk clients",
            "mine and (health:red or severity:critical) and not kind:credit,expansion",
        ),
        Section("My credit expiring", "mine and kind:credit_expiring and due<30d and impact>=20"),
        _EVERYTHING_MINE,
        _EVERYTHING,
    ),
}


def _for_everyone(section: Section) -> Section | None:
    """A default section without `mine`, for a profile that names no user: every client's
    items, said in the name (None for the catch-all that would repeat "every client")."""
    if section.filter == "mine":
        return None
    if not section.filter.startswith("mine"):
        return section
    rest = section.filter.removeprefix("mine and ").removeprefix("mine")
    name = section.name.removeprefix("My ")
    return Section(f"{name[:1].upper()}{name[1:]} (all clients)", rest, section.beyond)


def default_sections(archetype: str, for_user: bool = True) -> tuple[Section, ...]:
    """The archetype's default sections; for a profile that names no user, every client's."""
    sections = ARCHETYPE_SECTIONS.get(archetype, ARCHETYPE_SECTIONS["value_driver"])
    if for_user:
        return sections
    return tuple(found for s in sections if (found := _for_everyone(s)) is not None)


@dataclass(frozen=True)
class CompiledFilter:
    """A WHERE fragment over the inbox's alert rows (`a`) joined to their client (`c`)."""

    sql: str
    params: dict[str, Any]
    kind_sql: str | None = None
    """The filter's `kind:` terms that every match meets (ANDed at the top), when it has some:
    the rows a read through the kind index starts from."""


_TOKEN = re.compile(
    r"\s*(?:(?P<paren>[()])|(?P<word>[A-Za-z_]+)"
    r"(?:(?P<colon>:)(?P<value>\"[^\"]*\"|[^\s()\"]+)|(?P<op><=|>=|<|>|=)(?P<number>[^\s()]+))?)"
)


@dataclass(frozen=True)
class _Token:
    text: str
    position: int
    word: str = ""
    value: str | None = None
    op: str | None = None


def _tokens(text: str) -> list[_Token]:
    tokens, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            start = len(text[position:]) - len(text[position:].lstrip()) + position
            raise FilterError(f"cannot read {text[start:].split()[0]!r} at column {start + 1}")
        start = match.start("paren") if match.group("paren") else match.start("word")
        if match.group("paren"):
            tokens.append(_Token(match.group("paren"), start))
        else:
            value = match.group("value")
            if value is not None and value.startswith('"'):
                value = value[1:-1]
            tokens.append(
                _Token(
                    match.group(0).strip(),
                    start,
                    match.group("word").lower(),
                    value if match.group("colon") else match.group("number"),
                    match.group("op"),
                )
            )
        position = match.end()
    return tokens


_NEVER_NULL = frozenset({"kind", "severity", "status", "source", "comms"})
"""Terms over NOT NULL columns (or EXISTS), which are never NULL."""


class _Compiler:
    def __init__(self, tokens: list[_Token], me: str | None, today: date) -> None:
        self.tokens = tokens
        self.index = 0
        self.me = me
        self.today = today
        self.params: dict[str, Any] = {}
        self.has_status = False
        self.depth = 0
        """Parentheses and `not`s around the term being read."""
        self.top_or = False
        self.top_kinds: list[str] = []

    def param(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expression(self) -> str:
        parts = [self.conjunction()]
        while (token := self.peek()) is not None and token.word == "or" and token.value is None:
            self.take()
            self.top_or = self.top_or or self.depth == 0
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def conjunction(self) -> str:
        parts = [self.unary()]
        while (token := self.peek()) is not None and token.text != ")":
            if token.word == "or" and token.value is None:
                break
            if token.word == "and" and token.value is None:
                self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"

    def unary(self) -> str:
        token = self.peek()
        if token is None:
            raise FilterError("the filter ends where a term was expected")
        if token.word == "not" and token.value is None:
            self.take()
            self.depth += 1
            negated = f"NOT {self.unary()}"
            self.depth -= 1
            return negated
        if token.text == "(":
            self.take()
            self.depth += 1
            inner = self.expression()
            self.depth -= 1
            closing = self.peek()
            if closing is None or closing.text != ")":
                raise FilterError(f"the '(' at column {token.position + 1} is never closed")
            self.take()
            return inner
        if token.text == ")" or token.word in ("and", "or"):
            raise FilterError(f"unexpected {token.text!r} at column {token.position + 1}")
        # NULL (an unassigned alert, a client without a score) counts as false, so `not`
        # gives the complement instead of dropping those rows too. A term that is never NULL
        # stays bare, where SQLite can use an index for it (`kind:` on its NOCASE index).
        term = self.take()
        sql = self.term(term)
        if term.word == "kind" and self.depth == 0:
            self.top_kinds.append(sql)
        return sql if term.word in _NEVER_NULL else f"coalesce({sql}, 0)"

    def _list(self, token: _Token, allowed: Sequence[str] | None = None) -> list[str]:
        values = [v.strip() for v in (token.value or "").split(",") if v.strip()]
        if not values:
            raise FilterError(f"{token.word}: needs a value at column {token.position + 1}")
        if allowed is not None:
            for value in values:
                if value.lower() not in allowed:
                    raise FilterError(
                        f"{token.word}:{value} at column {token.position + 1}: use "
                        f"{', '.join(allowed)}"
                    )
            return [value.lower() for value in values]
        return values

    def _person(self, value: str) -> str:
        if value.lower() == "me":
            return self.param(self.me)
        return self.param(value)

    def term(self, token: _Token) -> str:
        word, where = token.word, f"at column {token.position + 1}"
        if token.op is not None and word not in ("health", "due", "impact"):
            raise FilterError(
                f"{token.text!r} {where}: only health, due and impact compare with {token.op}"
            )
        if token.value is None and token.op is None:
            if word == "mine":
                me = self.param(self.me)
                return f"(a.assignee = {me} OR (a.assignee IS NULL AND c.owner_email = {me}))"
            if word == "unassigned":
                return "a.assignee IS NULL"
            if word == "overdue":
                return f"a.due_date < {self.param(self.today.isoformat())}"
            raise FilterError(f"unknown term {token.text!r} {where}")
        if word == "kind":
            likes = [
                f"a.kind LIKE {self.param(_like_prefix(v))} ESCAPE '\\'" for v in self._list(token)
            ]
            return "(" + " OR ".join(likes) + ")"
        if word == "severity":
            return self._in("a.severity", self._list(token, SEVERITIES))
        if word == "status":
            self.has_status = True
            values = self._list(token, (*STATUSES, "any"))
            if "any" in values:
                return "1"
            return self._in(EFFECTIVE_STATUS, values)
        if word == "source":
            return self._in("a.source", self._list(token, ("local", "backend")))
        if word == "rule":
            # `a.rule` lists an item's rules comma-separated; NULL for backend alerts.
            likes = [
                f"(',' || a.rule || ',') LIKE {self.param('%,' + _escape_like(v) + ',%')} "
                "ESCAPE '\\'"
                for v in self._list(token)
            ]
            return "(" + " OR ".join(likes) + ")"
        if word == "assignee":
            return (
                "("
                + " OR ".join(f"a.assignee = {self._person(v)}" for v in self._list(token))
                + ")"
            )
        if word == "owner":
            return (
                "("
                + " OR ".join(f"c.owner_email = {self._person(v)}" for v in self._list(token))
                + ")"
            )
        if word == "comms":
            owners = self._in("r.communication_owner", self._list(token, ("partner", "hubspot")))
            return f"EXISTS (SELECT 1 FROM renewal r WHERE r.client_id = a.client_id AND {owners})"
        if word == "client":
            return (
                f"c.name LIKE {self.param('%' + _escape_like(token.value or '') + '%')} ESCAPE '\\'"
            )
        if word == "health":
            return self._health(token, where)
        if word == "due":
            return self._due(token, where)
        if word == "impact" and token.op is not None:
            try:
                number = float(token.value or "")
            except ValueError:
                raise FilterError(
                    f"{token.text!r} {where}: impact compares with a number"
                ) from None
            return f"{IMPACT_SQL} {token.op} {self.param(number)}"
        raise FilterError(f"unknown term {token.text!r} {where}")

    def _in(self, column: str, values: list[str]) -> str:
        return f"{column} IN ({', '.join(self.param(v) for v in values)})"

    def _health(self, token: _Token, where: str) -> str:
        if token.op is None:
            bands = {name: (low, high) for name, low, high in BANDS}
            ranges = [
                f"c.health_score BETWEEN {bands[b][0]} AND {bands[b][1]}"
                for b in self._list(token, tuple(bands))
            ]
            return "(" + " OR ".join(ranges) + ")"
        try:
            number = int(token.value or "")
        except ValueError:
            raise FilterError(f"{token.text!r} {where}: health compares with a number") from None
        return f"c.health_score {token.op} {self.param(number)}"

    def _due(self, token: _Token, where: str) -> str:
        match = re.fullmatch(r"(-?\d+)d", token.value or "")
        if token.op is None or token.op == "=" or match is None:
            raise FilterError(f"{token.text!r} {where}: write due<45d, due<=7d, due>30d")
        day = self.today + timedelta(days=int(match.group(1)))
        return f"a.due_date {token.op} {self.param(day.isoformat())}"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_prefix(text: str) -> str:
    return _escape_like(text) + "%"


def compile_filter(text: str, me: str | None, today: date) -> CompiledFilter:
    """The filter as SQL over `a` (alerts) and `c` (their client); FilterError if it is wrong.

    `:today` is always bound, for the effective status.
    """
    compiler = _Compiler(_tokens(text), me, today)
    sql = "1"
    if compiler.tokens:
        sql = compiler.expression()
        extra = compiler.peek()
        if extra is not None:
            raise FilterError(f"unexpected {extra.text!r} at column {extra.position + 1}")
    if not compiler.has_status:
        active = ", ".join(f"'{status}'" for status in ACTIVE_STATUSES)
        sql = f"({sql}) AND {EFFECTIVE_STATUS} IN ({active})"
    kinds = compiler.top_kinds if not compiler.top_or else []
    return CompiledFilter(
        sql, {**compiler.params, "today": today.isoformat()}, " AND ".join(kinds) or None
    )


def inbox_sections(
    settings: Mapping[str, Any], archetype: str, *, for_user: bool = True
) -> tuple[Section, ...]:
    """`settings["inbox"]["sections"]`, else the archetype's defaults; each filter is checked.
    A profile without a user (`for_user` false: no user_email) gets the defaults over every
    client, since `mine` would match nothing."""
    inbox = settings.get("inbox", {})
    if not isinstance(inbox, Mapping):
        raise SettingsError("inbox must be a table")
    given = inbox.get("sections")
    if given is None:
        return default_sections(archetype, for_user)
    if not isinstance(given, list) or not given:
        raise SettingsError("inbox.sections must be a list of { name = ..., filter = ... }")
    sections = []
    for number, entry in enumerate(given, start=1):
        where = f"inbox.sections #{number}"
        if not isinstance(entry, Mapping):
            raise SettingsError(f"{where} must be a table: {{ name = ..., filter = ... }}")
        name, text = entry.get("name"), entry.get("filter", "")
        if not isinstance(name, str) or not name.strip():
            raise SettingsError(f"{where} needs a name")
        if not isinstance(text, str):
            raise SettingsError(f"{where} ({name}): filter must be a string")
        try:
            compile_filter(text, None, date.today())
        except FilterError as exc:
            raise SettingsError(f"{where} ({name}): {exc}") from None
        sections.append(Section(name.strip(), text))
    return tuple(sections)
