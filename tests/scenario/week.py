"""A generated working week of the parliament: people, DMS and portal/e-voting traffic,
with attacks of every kind the parliament rules look for planted in it.

Deterministic (seeded). The week runs Saturday to Friday in Asia/Tehran: people come
in between 07:00 and 09:00 and leave between 14:30 and 16:00, a few late workers stay
into the evening; committees read their own papers, print and download a few, look
up public papers of others; members log in to the portal and vote on two ballots a
day from their own terminals, now and then changing their mind while the ballot is
open; people mistype passwords and follow stale links to papers above their
clearance; the archivist downloads public papers in bulk. The ground truth lists each
planted attack with the person or address an alert must name and its time range.
"""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

TEHRAN = ZoneInfo("Asia/Tehran")
WEEK_START = datetime(2026, 3, 14, tzinfo=TEHRAN)  # a Saturday
WORKING_DAYS = 5  # Saturday to Wednesday
COMMITTEES = ("defence", "budget", "foreign", "judiciary", "health", "energy", "education")
CLASSES = ("public", "internal", "confidential", "secret")
RANK = {c: i for i, c in enumerate(CLASSES)}
FIRST = ("Ali", "Reza", "Maryam", "Zahra", "Hossein", "Fatemeh", "Mehdi", "Sara", "Amir", "Neda")
LAST = ("Ahmadi", "Hosseini", "Karimi", "Moradi", "Rahimi", "Jafari", "Sadeghi", "Kazemi")
EXTERNAL = "198.51.100."


@dataclass
class Person:
    user: str  # DMS account, the directory's `user`
    member_id: str | None  # portal/e-voting account (an alias), members only
    display_name: str
    clearance: str
    committees: list[str]
    unit: str
    roles: list[str]
    desk_ip: str
    terminal_ip: str | None = None  # the member's own voting terminal in the chamber
    late: bool = False


@dataclass
class Attack:
    kind: str
    names: set[str]  # an alert naming any of these (account, member id or address) detects it
    start: datetime
    end: datetime
    involved: set[str] = field(default_factory=set)  # directory users it touches (not innocent)


@dataclass
class Week:
    people: list[Person]
    dms: list[tuple[datetime, dict[str, str]]] = field(default_factory=list)  # JSON records
    portal: list[tuple[datetime, str]] = field(default_factory=list)  # access-log lines
    attacks: list[Attack] = field(default_factory=list)

    def directory_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            ["user", "clearance", "committees", "aliases", "display_name", "unit", "roles"]
        )
        for p in self.people:
            writer.writerow(
                [
                    p.user,
                    p.clearance,
                    ";".join(p.committees),
                    p.member_id or "",
                    p.display_name,
                    p.unit,
                    ";".join(p.roles),
                ]
            )
        return out.getvalue()

    def dms_ndjson(self) -> list[str]:
        return [json.dumps(rec) for _, rec in sorted(self.dms, key=lambda x: x[0])]

    def portal_lines(self) -> list[str]:
        return [line for _, line in sorted(self.portal, key=lambda x: x[0])]

    def innocent(self) -> set[str]:
        involved = set().union(*(a.involved for a in self.attacks))
        return {p.user for p in self.people} - involved


def _utc(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _clf(ts: datetime) -> str:
    return ts.astimezone(TEHRAN).strftime("%d/%b/%Y:%H:%M:%S %z")


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.week = Week(people=[])
        self.docs: dict[str, list[tuple[str, str]]] = {}  # committee -> (doc id, class)
        self.sid = 0

    # -- people and papers ----------------------------------------------------------------

    def people(self, n_members: int = 120, n_staff: int = 40) -> None:
        rng = self.rng
        for i in range(n_members + n_staff):
            member = i < n_members
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            committees = rng.sample(COMMITTEES, 2 if member else 1)
            roles = ["member"] if member else ["clerk"]
            if i == 0:
                roles = ["member", "speaker", "presiding"]
            elif i in (1, 2):
                roles = ["member", "presiding"]
            self.week.people.append(
                Person(
                    user=f"u{i:03d}",
                    member_id=f"M{i:04d}" if member else None,
                    display_name=name,
                    clearance=rng.choice(("confidential", "secret", "secret"))
                    if member
                    else rng.choice(("internal", "confidential", "secret")),
                    committees=committees,
                    unit="plenary" if member else f"secretariat-{committees[0]}",
                    roles=roles,
                    desk_ip=f"10.1.{i // 200}.{i % 200 + 10}",
                    terminal_ip=f"10.30.0.{i + 10}" if member else None,
                    late=rng.random() < 0.08,
                )
            )
        archivist = self.week.people[-1]
        archivist.roles, archivist.unit, archivist.clearance = ["archivist"], "records", "internal"
        for committee in COMMITTEES:
            self.docs[committee] = [
                (f"DOC-{committee[:3].upper()}-{j:03d}", rng.choices(CLASSES, (3, 3, 3, 2))[0])
                for j in range(60)
            ]

    def members(self) -> list[Person]:
        return [p for p in self.week.people if p.member_id]

    # -- records --------------------------------------------------------------------------

    def dms(
        self,
        ts: datetime,
        p: Person,
        doc: tuple[str, str],
        committee: str,
        action: str,
        *,
        ip: str | None = None,
        result: str | None = None,
    ) -> None:
        if result is None:
            result = "success" if RANK[doc[1]] <= RANK[p.clearance] else "denied"
        rec = {
            "app": "dms", "ts": _utc(ts), "user": p.user, "role": ",".join(p.roles),
            "clearance": p.clearance, "doc_id": doc[0], "classification": doc[1],
            "committee": committee, "action": action, "result": result,
            "client": ip or p.desk_ip,
        }  # fmt: skip
        self.week.dms.append((ts, rec))

    def portal(
        self,
        ts: datetime,
        service: str,
        ip: str,
        member: str,
        action: str,
        *,
        sid: str = "-",
        ballot: str = "-",
        status: int = 200,
    ) -> None:
        path = f"/ballots/{ballot}/vote" if ballot != "-" else "/"
        line = (
            f'{service} {ip} - {member} [{_clf(ts)}] "POST {path} HTTP/1.1" {status} 87 "-" '
            f'"Mozilla/5.0" sid={sid} action={action} ballot={ballot} ms=40'
        )
        self.week.portal.append((ts, line))

    def new_sid(self) -> str:
        self.sid += 1
        return f"s{self.sid:06x}"

    def login(self, ts: datetime, p: Person, ip: str, service: str = "portal") -> str:
        assert p.member_id is not None
        if self.rng.random() < 0.05:  # a mistyped password, once or twice
            for k in range(self.rng.randint(1, 2)):
                ts += timedelta(seconds=5 + k)
                self.portal(ts, service, ip, "-", "login_failed", status=401)
        sid = self.new_sid()
        self.portal(ts + timedelta(seconds=10), service, ip, p.member_id, "login", sid=sid)
        return sid

    # -- routine --------------------------------------------------------------------------

    def working_day(self, day: datetime, index: int) -> None:
        rng = self.rng
        for p in self.week.people:
            if rng.random() < 0.06:  # away today
                continue
            arrive = day + timedelta(hours=7, minutes=rng.randint(0, 120))
            leave = day + timedelta(hours=14, minutes=rng.randint(30, 120))
            if p.late:
                leave = day + timedelta(hours=rng.randint(17, 18), minutes=rng.randint(0, 59))
            if "archivist" in p.roles:
                self.archivist_day(p, arrive, leave)
                continue
            self.desk_day(p, arrive, leave)
            if p.member_id:
                sid = self.login(arrive + timedelta(minutes=5), p, p.desk_ip)
                for _ in range(rng.randint(2, 6)):
                    ts = arrive + timedelta(minutes=rng.randint(10, 300))
                    action = rng.choice(("bill_view", "bill_search", "results_view"))
                    self.portal(ts, "portal", p.desk_ip, p.member_id, action, sid=sid)
        self.plenary(day, index)

    def desk_day(self, p: Person, arrive: datetime, leave: datetime) -> None:
        rng = self.rng
        span = int((leave - arrive).total_seconds())
        for _ in range(rng.randint(6, 16)):
            ts = arrive + timedelta(seconds=rng.randint(0, span))
            if rng.random() < 0.75:
                committee = rng.choice(p.committees)
                readable = [d for d in self.docs[committee] if RANK[d[1]] <= RANK[p.clearance]]
                doc = rng.choice(readable)
                action = rng.choices(("view", "download", "print"), (8, 1, 1))[0]
            else:  # public and internal papers of other committees
                committee = rng.choice(COMMITTEES)
                doc = rng.choice([d for d in self.docs[committee] if RANK[d[1]] <= 1])
                action = "view"
            self.dms(ts, p, doc, committee, action)
        if rng.random() < 0.04:  # a stale link to a paper above the clearance
            committee = rng.choice(COMMITTEES)
            doc = max(self.docs[committee], key=lambda d: RANK[d[1]])
            if RANK[doc[1]] > RANK[p.clearance]:
                self.dms(arrive + timedelta(minutes=30), p, doc, committee, "view")

    def archivist_day(self, p: Person, arrive: datetime, leave: datetime) -> None:
        public = [(d, c) for c in COMMITTEES for d in self.docs[c] if d[1] == "public"]
        for k, (doc, committee) in enumerate(self.rng.sample(public, min(120, len(public)))):
            self.dms(arrive + timedelta(seconds=20 * k), p, doc, committee, "download")

    def plenary(self, day: datetime, index: int) -> None:
        rng = self.rng
        speaker = self.week.people[0]
        chair_sid = self.login(
            day + timedelta(hours=9, minutes=40), speaker, speaker.desk_ip, "evoting"
        )
        assert speaker.member_id is not None
        for b, hour in enumerate((10, 12)):
            ballot = f"B-{index}{b}"
            opened = day + timedelta(hours=hour)
            self.portal(
                opened,
                "evoting",
                speaker.desk_ip,
                speaker.member_id,
                "ballot_open",
                sid=chair_sid,
                ballot=ballot,
            )
            for m in self.members():
                if rng.random() < 0.2:
                    continue
                assert m.member_id is not None
                assert m.terminal_ip is not None
                ts = opened + timedelta(seconds=rng.randint(20, 500))
                sid = self.new_sid()
                self.portal(
                    ts,
                    "evoting",
                    m.terminal_ip,
                    m.member_id,
                    "vote_cast",
                    sid=sid,
                    ballot=ballot,
                    status=201,
                )
                if rng.random() < 0.05:  # a change of mind while the ballot is open
                    self.portal(
                        ts + timedelta(seconds=rng.randint(5, 60)),
                        "evoting",
                        m.terminal_ip,
                        m.member_id,
                        "vote_changed",
                        sid=sid,
                        ballot=ballot,
                    )
            self.portal(
                opened + timedelta(minutes=10),
                "evoting",
                speaker.desk_ip,
                speaker.member_id,
                "ballot_close",
                sid=chair_sid,
                ballot=ballot,
            )

    # -- attacks --------------------------------------------------------------------------

    def plant(self) -> None:
        rng, people = self.rng, self.week.people
        members = self.members()
        day = lambda n: WEEK_START + timedelta(days=n)  # noqa: E731
        attackers = iter(rng.sample(range(3, len(members)), 20))

        def member() -> Person:
            return members[next(attackers)]

        def attack(
            kind: str, names: set[str], start: datetime, end: datetime, involved: set[str]
        ) -> None:
            # a person is named by their account or by their portal member id (an alias)
            by_user = {q.user: q for q in people}
            aliases = {by_user[n].member_id for n in names if n in by_user}
            names = names | {a for a in aliases if a}
            self.week.attacks.append(Attack(kind, names, start, end, involved))

        def classified(committee: str, p: Person) -> list[tuple[str, str]]:
            return [d for d in self.docs[committee] if 2 <= RANK[d[1]] <= RANK[p.clearance]]

        # 1 bulk retrieval: a cleared member downloads their committee's papers in bulk
        p = member()
        p.clearance = "secret"
        start = day(1) + timedelta(hours=13, minutes=5)
        docs = classified(p.committees[0], p)[:20]
        for k, doc in enumerate(docs):
            self.dms(
                start + timedelta(minutes=2 * k),
                p,
                doc,
                p.committees[0],
                rng.choice(("download", "export")),
            )
        attack(
            "bulk_retrieval", {p.user}, start, start + timedelta(minutes=2 * len(docs)), {p.user}
        )

        # 2 need-to-know: secret papers of a committee the reader does not sit on
        p = member()
        p.clearance = "secret"
        other = next(c for c in COMMITTEES if c not in p.committees)
        start = day(2) + timedelta(hours=10, minutes=17)
        for k, doc in enumerate(classified(other, p)[:3]):
            self.dms(start + timedelta(minutes=k), p, doc, other, "view")
        attack("need_to_know", {p.user}, start, start + timedelta(minutes=3), {p.user})

        # 3 off hours: classified papers at night, and on the Thursday
        for when in (day(3) + timedelta(hours=23, minutes=40), day(5) + timedelta(hours=11)):
            p = member()
            p.clearance = "secret"
            for k, doc in enumerate(classified(p.committees[0], p)[:2]):
                self.dms(when + timedelta(minutes=k), p, doc, p.committees[0], "view")
            attack("off_hours", {p.user}, when, when + timedelta(minutes=2), {p.user})

        # 4 probing: denials across many distinct classified papers
        p = people[-5]  # a clerk with internal clearance
        p.clearance = "internal"
        start = day(2) + timedelta(hours=11)
        targets = [(d, c) for c in COMMITTEES for d in self.docs[c] if RANK[d[1]] >= 2][:8]
        for k, (doc, committee) in enumerate(targets):
            self.dms(start + timedelta(minutes=3 * k), p, doc, committee, "view")
        attack("probing", {p.user}, start, start + timedelta(minutes=24), {p.user})

        # 5 classified access from outside the internal networks
        p = member()
        p.clearance = "secret"
        start = day(3) + timedelta(hours=9, minutes=12)
        ip = EXTERNAL + "50"
        self.dms(start, p, classified(p.committees[0], p)[0], p.committees[0], "download", ip=ip)
        attack("external_source", {p.user, ip}, start, start, {p.user})

        # 6 classified access from an internal address new for the person
        p = member()
        p.clearance = "secret"
        start = day(4) + timedelta(hours=10, minutes=44)
        self.dms(
            start, p, classified(p.committees[0], p)[1], p.committees[0], "view", ip="10.1.99.77"
        )
        attack("new_address", {p.user}, start, start, {p.user})

        # 7 a secret paper shared; 8 a secret paper deleted
        for kind, action, n in (("share_secret", "share", 0), ("delete_secret", "delete", 2)):
            p = member()
            p.clearance = "secret"
            doc = next(d for d in self.docs[p.committees[0]] if d[1] == "secret")
            start = day(n) + timedelta(hours=11, minutes=3)
            self.dms(start, p, doc, p.committees[0], action)
            attack(kind, {p.user}, start, start, {p.user})

        # 9 portal password guessing from one address, then a success there
        victim = member()
        assert victim.member_id is not None
        ip = "10.1.77.13"
        start = day(1) + timedelta(hours=8, minutes=2)
        for k in range(15):
            self.portal(
                start + timedelta(seconds=7 * k), "portal", ip, "-", "login_failed", status=401
            )
        end = start + timedelta(minutes=3)
        self.portal(end, "portal", ip, victim.member_id, "login", sid=self.new_sid())
        attack("password_guessing", {ip}, start, end, {victim.user})

        # 10 one portal session used from a second address
        victim = member()
        assert victim.member_id is not None
        start = day(2) + timedelta(hours=8, minutes=30)
        sid = self.new_sid()
        self.portal(start, "portal", victim.desk_ip, victim.member_id, "login", sid=sid)
        self.portal(
            start + timedelta(minutes=2),
            "portal",
            victim.desk_ip,
            victim.member_id,
            "bill_view",
            sid=sid,
        )
        end = start + timedelta(minutes=40)
        self.portal(end, "portal", EXTERNAL + "77", victim.member_id, "amendment_submit", sid=sid)
        attack(
            "session_two_addresses", {victim.user, sid, EXTERNAL + "77"}, start, end, {victim.user}
        )

        # 11 a vote changed after its ballot closed (B-31 closes at 12:10 on day 3)
        p = member()
        assert p.member_id is not None
        assert p.terminal_ip is not None
        when = day(3) + timedelta(hours=12, minutes=25)
        self.portal(
            when,
            "evoting",
            p.terminal_ip,
            p.member_id,
            "vote_changed",
            sid=self.new_sid(),
            ballot="B-31",
        )
        attack("vote_after_close", {p.user}, when, when, {p.user})

        # 12 several members' votes from one address in a short window
        ip = "10.30.0.250"
        start = day(4) + timedelta(hours=10, minutes=9)
        voters = [member() for _ in range(3)]
        for k, v in enumerate(voters):
            assert v.member_id is not None
            self.portal(
                start + timedelta(seconds=30 * k),
                "evoting",
                ip,
                v.member_id,
                "vote_cast",
                sid=self.new_sid(),
                ballot="B-40",
                status=201,
            )
        attack(
            "votes_one_address", {ip}, start, start + timedelta(minutes=2), {v.user for v in voters}
        )

        # 13 a ballot opened and closed by a member who does not preside
        p = member()
        assert p.member_id is not None
        start = day(0) + timedelta(hours=13, minutes=30)
        ballot = "B-X1"
        self.portal(
            start, "evoting", p.desk_ip, p.member_id, "ballot_open", sid="sx", ballot=ballot
        )
        self.portal(
            start + timedelta(minutes=1),
            "evoting",
            p.desk_ip,
            p.member_id,
            "ballot_close",
            sid="sx",
            ballot=ballot,
        )
        attack("ballot_not_presiding", {p.user}, start, start + timedelta(minutes=1), {p.user})


def generate(seed: int = 10) -> Week:
    """The week, with its ground truth."""
    builder = _Builder(seed)
    builder.people()
    builder.plant()  # first, so the clearances it raises hold all week
    for n in range(WORKING_DAYS):
        builder.working_day(WEEK_START + timedelta(days=n), n)
    return builder.week
