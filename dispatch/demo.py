"""Demo employers for `manage.py seed_demo`: about 100 signatory contractors across the 8 contract
codes, each with a login or two and a contact, their calls for labor, and what came of them —
open requests, offers, members on the job, declines, short calls, layoffs, quits, discharges.
Every request, run, offer and dispatch goes through the services; the offers are today's (the
day book), the requests were taken over the last weeks.

Deterministic: the same draws every run. An employer whose code exists is left alone with
everything under it, so a second run creates nothing. Everything the members' and the books'
demo made is the supply: a request with nobody eligible left simply stays open."""

import datetime
import random

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from dispatch import services
from dispatch.enums import (
    OPEN_DISPATCH_STATUSES,
    CandidateOutcome,
    ContractCode,
    DeclineKind,
    EmployerRole,
    EmployerStatus,
    EndReason,
    RequestCategory,
)
from dispatch.models import Employer, EmployerBar, EmployerContact, EmployerContract, EmployerUser, JobRequest
from referral.enums import BookRegion, BookType, NoCheckMarkReason
from referral.selectors import referral_list
from unioncore.models import User, UserKind
from unioncore.services import user_create

COUNT = 100
EMPLOYER_PASSWORD = "employer-demo-46"
FIRST_WORDS = ["Cascade", "Puget", "Olympic", "Rainier", "Evergreen", "Salish", "Kitsap", "Sound", "Emerald",
               "Harbor", "Summit", "Northwest", "Pacific", "Timberline", "Skagit", "Columbia", "Madrona", "Alder",
               "Cedar", "Orca", "Ballard", "Duwamish", "Elliott Bay", "Hood Canal", "Whidbey"]  # fmt: skip
LAST_WORDS = ["Electric", "Electrical Contractors", "Power & Light", "Systems", "Wiring", "Energy Services",
              "Controls", "Electric Co.", "Technologies", "Communications", "Signal",
              "Industrial Electric"]  # fmt: skip
PEOPLE = ["Avery Lund", "Jordan Mercer", "Casey Whitehorse", "Riley Okafor", "Morgan Takahashi", "Quinn Delgado",
          "Taylor Brandt", "Jamie Kealoha", "Drew Castellanos", "Sasha Ivanova", "Robin Nakamura", "Cameron Yazzie",
          "Parker Lindgren", "Rowan Achebe", "Emerson Vo", "Hayden Sorensen"]  # fmt: skip
CITIES = [("Seattle", "98108"), ("Seattle", "98134"), ("Tacoma", "98421"), ("Bremerton", "98312"),
          ("Port Angeles", "98363"), ("Everett", "98203"), ("Kent", "98032"), ("Bellevue", "98005")]  # fmt: skip
WORKSITES = ["Pier 91 cruise terminal", "Harborview Medical Center tower", "Sound Transit Lynnwood station",
             "Naval Base Kitsap, dry dock 6", "Amazon Denny campus", "Port Angeles ferry terminal",
             "Boeing Renton 737 line", "UW Medicine research wing", "Seattle Center arena", "Swedish First Hill",
             "Tacoma LNG plant", "King County Metro base", "Bremerton shipyard Building 460",
             "SeaTac Airport C1"]  # fmt: skip
# The book a contract code's work is referred from.
TRADE = {
    ContractCode.WIREPERSON: BookType.INSIDE_WIREPERSON,
    ContractCode.MARINE: BookType.INSIDE_WIREPERSON,
    ContractCode.MARKET_RECOVERY: BookType.INSIDE_WIREPERSON,
    ContractCode.RESIDENTIAL: BookType.INSIDE_WIREPERSON,
    ContractCode.S_AND_C: BookType.TECHNICIAN,
    ContractCode.LFM: BookType.TECHNICIAN,
    ContractCode.TV_AND_APPL: BookType.TECHNICIAN,
    ContractCode.STOCKPERSON: BookType.STOCKPERSON,
}
WIRE_REGIONS = [BookRegion.SEATTLE] * 6 + [BookRegion.BREMERTON] * 3 + [BookRegion.PORT_ANGELES] * 2
# What came of an employer's first request (the second, when there is one, is open); "quiet":
# a signatory with no call at the moment.
STORIES = (
    "on_job", "short_call", "laid_off", "open", "quit", "completed", "emergency", "by_name", "declined", "quiet",
    "pla", "discharged", "no_answer", "employer_rejection", "excused", "pending", "tero", "open", "quiet", "open",
    "open", "quiet", "open", "quiet", "open",
)  # fmt: skip
ENDS = {
    "short_call": EndReason.COMPLETED,
    "laid_off": EndReason.LAID_OFF,
    "quit": EndReason.QUIT,
    "completed": EndReason.COMPLETED,
    "discharged": EndReason.DISCHARGED,
}
DECLINES = {
    "declined": DeclineKind.DECLINED,
    "no_answer": DeclineKind.NO_ANSWER,
    "employer_rejection": DeclineKind.EMPLOYER_REJECTION,
    "excused": DeclineKind.DECLINED,
}


def code_for(n: int) -> str:
    return f"46E{n:03d}"


def _plan(rng: random.Random) -> list[dict]:
    """Every draw of every employer, made before anything is looked up, so that each run draws
    the same whatever already exists."""
    stories = [STORIES[i % len(STORIES)] for i in range(COUNT)]
    rng.shuffle(stories)  # so that a story does not always fall on the same contract code
    names, plans = set(), []
    for n in range(1, COUNT + 1):
        name = f"{rng.choice(FIRST_WORDS)} {rng.choice(LAST_WORDS)}"
        while name in names:
            name = f"{rng.choice(FIRST_WORDS)} {rng.choice(LAST_WORDS)}"
        names.add(name)
        primary = ContractCode.values[n % len(ContractCode.values)]  # every code held by a dozen
        contracts = [
            primary,
            *[c for c in rng.sample(ContractCode.values, rng.choice([0, 0, 0, 1, 2])) if c != primary],
        ]
        # Most signatories also call inside wiremen (the largest books); the others call their own trade.
        trade = TRADE[primary] if rng.random() < 0.4 else BookType.INSIDE_WIREPERSON
        if not any(TRADE[c] == trade for c in contracts):
            contracts.append(ContractCode.WIREPERSON)
        plans.append(
            {
                "n": n,
                "code": code_for(n),
                "name": name,
                "contracts": contracts,
                "city": rng.choice(CITIES),
                "active": n % 25 != 0,
                "people": rng.sample(PEOPLE, 3),
                "users": rng.choice([1, 1, 2]),
                "trade": trade,
                "region": rng.choice(WIRE_REGIONS) if trade == BookType.INSIDE_WIREPERSON else BookRegion.SEATTLE,
                "story": stories[n - 1],
                "second_open": rng.random() < 0.2,
                "bar": n % 10 == 3,
                # Draws the stories use: days back, hours, workers, picks.
                "draws": [rng.random() for _ in range(12)],
            }
        )
    return plans


def seed(*, by: User) -> list[tuple[str, str, str]]:
    rng = random.Random(46)
    plans = _plan(rng)
    first = plans[0]
    login = (f"employer ({first['name']}, admin)", _username(first["n"], 0), EMPLOYER_PASSWORD)
    existing = set(Employer.objects.filter(code__in=[p["code"] for p in plans]).values_list("code", flat=True))
    todo = [p for p in plans if p["code"] not in existing]
    if not todo:
        return [login]
    password_hash = make_password(EMPLOYER_PASSWORD)  # hashing is slow by design: once, not 150 times
    world = _World(by=by)
    for plan in todo:
        employer = _employer(plan, by=by, password_hash=password_hash)
        if plan["active"]:
            world.requests_of(employer, plan)
    return [login]


def _username(n: int, i: int) -> str:
    return f"emp{n:03d}{'ab'[i]}"


def _employer(plan: dict, *, by: User, password_hash: str) -> Employer:
    n = plan["n"]
    city, zip_code = plan["city"]
    employer = Employer(
        code=plan["code"], name=plan["name"],
        status=EmployerStatus.ACTIVE if plan["active"] else EmployerStatus.INACTIVE,
        phone=f"+1253555{n:04d}", email=f"dispatch@{plan['code'].lower()}.example.com",
        address_line1=f"{200 + n * 11} Industry Way", city=city, state="WA", zip_code=zip_code,
    )  # fmt: skip
    employer._history_user = by
    employer.save()
    for contract_code in plan["contracts"]:
        row = EmployerContract(employer=employer, contract_code=contract_code)
        row._history_user = by
        row.save()
    contact_name = plan["people"][2]
    contact = EmployerContact(employer=employer, name=contact_name, title="Project manager", phone=f"+1425555{n:04d}")
    contact._history_user = by
    contact.save()
    roles = [EmployerRole.ADMIN, EmployerRole.SUPERVISOR]
    for i in range(plan["users"]):
        first_name, last_name = plan["people"][i].split()
        user = user_create(
            by=by, username=_username(n, i), password=None, password_hash=password_hash, kind=UserKind.EMPLOYER,
            first_name=first_name, last_name=last_name, email=f"{_username(n, i)}@{plan['code'].lower()}.example.com",
        )  # fmt: skip
        link = EmployerUser(user=user, employer=employer, role=roles[i])
        link._history_user = by
        link.save()
    return employer


class _World:
    """Takes an employer's requests and plays out what came of them, through the services."""

    def __init__(self, *, by: User):
        self.by = by
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)

    def _taken(self, days_ago: int, hour_draw: float) -> datetime.datetime:
        day = self.today - datetime.timedelta(days=days_ago)
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8 + int(hour_draw * 6), 15)))
        return min(at, self.now - datetime.timedelta(minutes=5))

    @staticmethod
    def _earliest(plan, taken_at, report_time=datetime.time(7)) -> datetime.date:
        """No start the request checks would refuse (rule L2c): not before the referral."""
        return services.earliest_start(
            book_classification=plan["trade"], region=plan["region"], taken_at=taken_at, report_time=report_time
        )

    def _request(self, employer, plan, *, days_ago, start_in, **fields) -> JobRequest:
        d = plan["draws"]
        taken_at = self._taken(days_ago, d[0])
        fields = {
            "book_classification": plan["trade"], "region": plan["region"], "workers_wanted": 1,
            "report_time": datetime.time(6 + int(d[1] * 2), 30), "worksite": WORKSITES[int(d[2] * len(WORKSITES))],
            "wage_rate": f"{52 + int(d[3] * 12)}.{int(d[4] * 100):02d}", "expected_days": 20 + int(d[5] * 100),
            **fields,
        }  # fmt: skip
        start = timezone.localdate(taken_at) + datetime.timedelta(days=start_in)
        start = max(start, self._earliest(plan, taken_at, fields["report_time"]))
        return services.job_request_create(
            by=self.by, employer_id=employer.pk, start_date=start, taken_at=taken_at, **fields
        )

    def _offer(self, request, *, emergency=False) -> list:
        """Run the referral order and offer the job to everyone it selected (none: it stays open).
        An emergency call is the demo officer's (an officer's action)."""
        run = services.referral_run(job_request_id=request.pk, by=self.by)
        selected = run.candidates.filter(outcome=CandidateOutcome.SELECTED).order_by("rank")
        by = self.by
        if emergency:
            by = User.objects.filter(groups__name="officer", is_active=True).order_by("id").first()
            if by is None:
                return []
        return [
            services.dispatch_offer(
                job_request_id=request.pk, registration_id=c.registration_id, by=by, run=run, emergency=emergency
            )
            for c in selected
        ]

    def _accept(self, dispatches) -> list:
        return [services.dispatch_accept(dispatch_id=d.pk, by=self.by) for d in dispatches]

    def _bar(self, employer, plan) -> None:
        listing = referral_list(classification=plan["trade"], region=plan["region"])
        out_of_work = list(listing.values_list("member_id", flat=True)[:3])  # near the top: the runs meet them
        if not out_of_work:
            return
        bar = EmployerBar(
            employer=employer, member_id=out_of_work[int(plan["draws"][6] * len(out_of_work))],
            reason="Safety violation on a previous job (employer's letter on file)",
        )  # fmt: skip
        bar._history_user = self.by
        bar.save()

    def requests_of(self, employer, plan) -> None:
        if plan["bar"]:
            self._bar(employer, plan)
        self._story(employer, plan)
        if plan["second_open"]:
            self._open_request(employer, plan, second=True)

    def _open_request(self, employer, plan, *, second=False) -> JobRequest:
        """A call taken in the last two days for a start later this week or next: not referred yet."""
        d = plan["draws"][::-1] if second else plan["draws"]
        taken_at = self.now - datetime.timedelta(hours=1 + int(d[9] * 40))
        start = max(self.today + datetime.timedelta(days=2 + int(d[7] * 8)), self._earliest(plan, taken_at))
        return services.job_request_create(
            by=self.by, employer_id=employer.pk, book_classification=plan["trade"], region=plan["region"],
            workers_wanted=1 + int(d[8] * 3), start_date=start,
            report_time=datetime.time(7, 0), worksite=WORKSITES[int(d[10] * len(WORKSITES))], taken_at=taken_at,
            wage_rate=f"{54 + int(d[3] * 10)}.50", expected_days=30 + int(d[5] * 60),
        )  # fmt: skip

    def _story(self, employer, plan) -> None:
        """Play out the employer's first request ("quiet": none)."""
        story, d = plan["story"], plan["draws"]
        if story == "open":
            self._open_request(employer, plan)
        elif story == "tero":
            # Nobody on the TERO book is an enrolled tribal member in the demo: the run records why.
            request = self._request(
                employer, plan, days_ago=1, start_in=3, category=RequestCategory.TERO, region=BookRegion.SEATTLE,
            )  # fmt: skip
            services.referral_run(job_request_id=request.pk, by=self.by)
        elif story == "pending":
            self._offer(self._request(employer, plan, days_ago=1, start_in=2))
        elif story in ("on_job", "emergency", "pla"):
            fields = {}
            if story == "pla":
                fields |= {"category": RequestCategory.PLA, "priority_zip_codes": "98108, 98118, 98134"}
            request = self._request(employer, plan, days_ago=2 + int(d[9] * 20), start_in=1, **fields)
            self._accept(self._offer(request, emergency=story == "emergency"))
        elif story == "by_name":
            self._by_name(employer, plan)
        elif story in DECLINES:
            self._decline_then_next(employer, plan)
        elif story in ENDS:
            self._ended(employer, plan)

    def _by_name(self, employer, plan) -> None:
        free = list(
            referral_list(classification=plan["trade"], region=plan["region"])
            .exclude(member__dispatches__status__in=OPEN_DISPATCH_STATUSES)
            .values_list("member_id", flat=True)[:20]
        )
        if not free:
            return
        named = free[int(plan["draws"][6] * len(free))]
        request = self._request(
            employer, plan, days_ago=3, start_in=1, by_name_member_ids=[named], by_name_attested=True,
            job_class="foreman",
        )  # fmt: skip
        self._accept(self._offer(request))

    def _decline_then_next(self, employer, plan) -> None:
        story, d = plan["story"], plan["draws"]
        request = self._request(employer, plan, days_ago=2, start_in=1)
        offered = self._offer(request)
        if not offered:
            return
        reason = NoCheckMarkReason.values[int(d[11] * len(NoCheckMarkReason.values))] if story == "excused" else ""
        services.dispatch_decline(
            dispatch_id=offered[0].pk, by=self.by, kind=DECLINES[story], no_check_mark_reason=reason
        )
        following = self._offer(request)  # the one who declined is skipped: already offered
        if story != "no_answer":
            self._accept(following)

    def _ended(self, employer, plan) -> None:
        story, d = plan["story"], plan["draws"]
        if story == "short_call":
            days_ago = 3 + int(d[9] * 5)
            fields = {"is_short_call": True, "expected_days": 2 + int(d[5] * 4)}
        elif story == "laid_off" and d[10] < 0.5:
            days_ago, fields = 5 + int(d[9] * 3), {}  # inside the long call's short-call period: restored
        else:
            days_ago, fields = 16 + int(d[9] * 30), {}
        request = self._request(employer, plan, days_ago=days_ago, start_in=1, **fields)
        last_day = max(request.start_date, self.today - datetime.timedelta(days=int(d[11] * 2)))
        if story == "short_call":
            last_day = self.today  # the member re-registers by the end of the next business day
        for dispatch in self._accept(self._offer(request)):
            services.dispatch_end(dispatch_id=dispatch.pk, by=self.by, end_reason=ENDS[story], end_date=last_day)
