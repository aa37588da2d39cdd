"""Live precision per model version, and the threshold raised when it no longer keeps the promise.

The window is a model version's last `WINDOW` outcomes (`routing_outcomes`, newest decisions first,
read from one index). Its precision comes with a one-sided 95 % Clopper–Pearson lower bound; with fewer
than `MIN_OUTCOMES` outcomes the public figure is the model card's bound instead (a small window's bound
is too wide to mean anything: 58 right out of 58 still bounds below 0.95).

When the window's bound falls below the `TARGET`, the monitor raises the version's threshold to the
lowest confidence at which the window's items at or above it are back above the target (their
confidences are known), or stops automatic routing when no such level exists; it appends the raise to
`routing_threshold_raises` (the record, with the window it saw) and mails every triage admin. Before
`MIN_OUTCOMES` it acts only when even the window's *upper* bound is below the target: the errors
already prove the promise broken.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from scipy.stats import beta
from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from suara.common.actors import Role
from suara.db.columns import utcnow
from suara.db.engine import SessionFactory, transaction
from suara.live_precision.models import RoutingOutcome
from suara.routing.raised_thresholds import RAISED, STOPPED, ThresholdRaise
from suara.submissions.outbox import notify_staff
from suara.triage.escalation import DEFAULT_PUBLIC_URL
from suara.triage.models import Staff

log = logging.getLogger(__name__)

TARGET = 0.95
"""Auto-routed items that reach the right agency, as the design promises."""
CONFIDENCE = 0.95
"""One-sided confidence of the bounds."""
WINDOW = 500
MIN_OUTCOMES = 100
RECENT = timedelta(days=30)
"""The job checks every model version with an outcome this recent (and the loaded one)."""
LOCKS = "suara.live_precision"
"""Advisory locks (hashtext(LOCKS), hashtext(model version)): one check of a version at a time."""


def lower_bound(correct, total):
    """One-sided Clopper–Pearson lower bound of a proportion (0 without a success); arrays work too."""
    correct, total = np.asarray(correct, dtype=float), np.asarray(total, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        bound = beta.ppf(1 - CONFIDENCE, correct, total - correct + 1)
    bound = np.where(correct > 0, bound, 0.0)
    return float(bound) if bound.ndim == 0 else bound


def upper_bound(correct: int, total: int) -> float:
    """One-sided Clopper–Pearson upper bound (1 when every item was right)."""
    if correct >= total:
        return 1.0
    return float(beta.ppf(CONFIDENCE, correct + 1, total - correct))


@dataclass(frozen=True)
class ModelFacts:
    """What a model file says about itself: its own threshold and the bound on its card."""

    version: str
    threshold: float | None = None
    card_lower_bound: float | None = None

    @classmethod
    def of(cls, model) -> ModelFacts | None:
        if model is None:
            return None
        return cls(model.version, float(model.threshold), card_lower_bound(model))


BOUND_KEY = "auto_route_precision_lower_bound"


def card_lower_bound(model) -> float | None:
    """The model card's bound on its automatic routes' precision (read from the model's metadata when it
    states one, in any of its figure tables), else the precision it states."""
    direct = getattr(model, BOUND_KEY, None)
    if isinstance(direct, int | float):
        return float(direct)
    tables = [value for value in vars(model).values() if isinstance(value, dict)]
    for table in tables:
        value = table.get(BOUND_KEY)
        if isinstance(value, int | float):
            return float(value)
    for table in tables:
        for nested in table.values():
            if isinstance(nested, dict) and isinstance(nested.get(BOUND_KEY), int | float):
                return float(nested[BOUND_KEY])
    stated = (getattr(model, "cv_metrics", None) or {}).get("auto_route_precision")
    return float(stated) if isinstance(stated, int | float) else None


@dataclass(frozen=True)
class LivePrecision:
    model_version: str
    outcomes: int
    correct: int
    window_lower_bound: float | None
    card_lower_bound: float | None
    raised_threshold: float | None

    @property
    def precision(self) -> float | None:
        return self.correct / self.outcomes if self.outcomes else None

    @property
    def source(self) -> str:
        """``live`` once the window holds `MIN_OUTCOMES`, else ``model_card``."""
        return "live" if self.outcomes >= MIN_OUTCOMES else "model_card"

    @property
    def lower_bound(self) -> float | None:
        """The bound Suara publishes: the window's, or the model card's while the window is small."""
        return self.window_lower_bound if self.source == "live" else self.card_lower_bound

    @property
    def stopped(self) -> bool:
        return self.raised_threshold is not None and self.raised_threshold >= STOPPED


async def window(session: AsyncSession, model_version: str) -> list[tuple[float, bool]]:
    """(confidence, correct) of the version's last `WINDOW` outcomes."""
    rows = await session.exec(
        select(RoutingOutcome.confidence, RoutingOutcome.correct)
        .where(RoutingOutcome.model_version == model_version)
        .order_by(RoutingOutcome.decided_at.desc(), RoutingOutcome.submission_id.desc())
        .limit(WINDOW)
    )
    return [(float(confidence), bool(correct)) for confidence, correct in rows]


async def raised_threshold(session: AsyncSession, model_version: str) -> float | None:
    """The highest threshold raised for the version, read now (the router's copy may be seconds old)."""
    return (await session.exec(
        select(func.max(ThresholdRaise.threshold)).where(ThresholdRaise.model_version == model_version)
    )).one()


async def live_precision(session: AsyncSession, model_version: str, *, card_bound: float | None = None) -> LivePrecision:
    items = await window(session, model_version)
    correct = sum(ok for _, ok in items)
    return LivePrecision(
        model_version=model_version, outcomes=len(items), correct=correct,
        window_lower_bound=lower_bound(correct, len(items)) if items else None,
        card_lower_bound=card_bound, raised_threshold=await raised_threshold(session, model_version),
    )


async def summary(session: AsyncSession) -> list[LivePrecision]:
    """Every model version with an outcome or a raised threshold (for `suara precision`)."""
    versions = set(await session.exec(select(RoutingOutcome.model_version).distinct()))
    versions |= set(await session.exec(select(ThresholdRaise.model_version).distinct()))
    return [await live_precision(session, version) for version in sorted(versions)]


def falls_short(correct: int, total: int, target: float = TARGET) -> bool:
    """The window says the promise is broken: its lower bound is below the target once it is large enough,
    or even its upper bound is before."""
    if total >= MIN_OUTCOMES:
        return lower_bound(correct, total) < target
    return total > 0 and upper_bound(correct, total) < target


def restoring_threshold(items: list[tuple[float, bool]], *, floor: float, target: float = TARGET) -> float:
    """The lowest confidence, at or above ``floor``, at which the window's items at or above it have a
    lower bound at or above ``target``; `STOPPED` when there is none."""
    above = sorted((item for item in items if item[0] >= floor), key=lambda item: -item[0])
    if not above:
        return STOPPED
    confidences = np.array([confidence for confidence, _ in above])
    correct = np.cumsum([ok for _, ok in above])
    total = np.arange(1, len(above) + 1)
    # A threshold at a confidence lets through every item tied with it: judge only the last of each tie.
    last_of_tie = np.append(confidences[1:] != confidences[:-1], True)
    meets = np.flatnonzero(last_of_tie & (lower_bound(correct, total) >= target))
    return float(confidences[meets[-1]]) if len(meets) else STOPPED


async def check(
    session: AsyncSession, facts: ModelFacts, *, public_url: str | None = None, now: datetime | None = None,
) -> ThresholdRaise | None:
    """Raise the version's threshold if its window falls short; returns the raise (None when none was needed).
    Checks of one version run one at a time (an advisory lock), so a raise is recorded once."""
    await session.exec(select(func.pg_advisory_xact_lock(func.hashtext(LOCKS), func.hashtext(facts.version))))
    items = await window(session, facts.version)
    correct = sum(ok for _, ok in items)
    if not falls_short(correct, len(items)):
        return None
    raised = await raised_threshold(session, facts.version)
    own = facts.threshold if facts.threshold is not None else min(confidence for confidence, _ in items)
    current = max(own, raised if raised is not None else own)
    if current >= STOPPED:
        return None
    new = restoring_threshold(items, floor=current)
    if new <= current:
        return None  # what the current threshold lets through already keeps the promise
    now = now or utcnow()
    record = ThresholdRaise(
        model_version=facts.version, threshold_before=current, threshold=new, window_outcomes=len(items),
        window_correct=correct, lower_bound=lower_bound(correct, len(items)), target=TARGET, created_at=now,
    )
    session.add(record)
    await session.flush()
    subject, body = notice(record, public_url)
    notify_staff(session, await triage_admins(session), subject, body, None, now=now)
    RAISED.forget(facts.version)
    log.warning("live precision of %s fell to %d/%d (bound %.3f): threshold %.3f -> %.3f", facts.version,
                correct, len(items), record.lower_bound, current, new)
    return record


async def triage_admins(session: AsyncSession) -> list[str]:
    return list(await session.exec(
        select(Staff.email).where(Staff.role == Role.TRIAGE_ADMIN, Staff.active.is_(True), Staff.disabled_at.is_(None))
    ))


def notice(record: ThresholdRaise, public_url: str | None) -> tuple[str, str]:
    """The triage admins' mail: figures and a link, never an item's text."""
    link = f"{(public_url or DEFAULT_PUBLIC_URL).rstrip('/')}/petugas/#/triase"
    share = record.window_correct / record.window_outcomes
    figures_id = (f"Dari {record.window_outcomes} laporan terakhir yang dirutekan otomatis oleh model "
                  f"{record.model_version}, {record.window_correct} sampai di instansi yang tepat ({share:.1%}); "
                  f"batas bawah 95 % {record.lower_bound:.3f} di bawah target {record.target:.0%}.")
    figures_en = (f"Of the last {record.window_outcomes} items model {record.model_version} routed automatically, "
                  f"{record.window_correct} reached the right agency ({share:.1%}); the 95 % lower bound "
                  f"{record.lower_bound:.3f} is below the {record.target:.0%} target.")
    if record.threshold >= STOPPED:
        subject = f"Rute otomatis dihentikan / Automatic routing stopped: {record.model_version}"
        action_id = "Rute otomatis dihentikan: setiap laporan baru masuk antrean triase."
        action_en = "Automatic routing is stopped: every new item goes to the triage queue."
    else:
        subject = f"Ambang rute otomatis dinaikkan / Auto-route threshold raised: {record.model_version}"
        action_id = f"Ambang dinaikkan dari {record.threshold_before:.3f} ke {record.threshold:.3f}."
        action_en = f"The threshold was raised from {record.threshold_before:.3f} to {record.threshold:.3f}."
    body = (f"{figures_id}\n{action_id}\nAntrean triase: {link}\n\n{figures_en}\n{action_en}\nTriage queue: {link}\n\n"
            "Email ini dikirim otomatis oleh Suara. / This e-mail was sent automatically by Suara.\n")
    return subject, body


async def check_all(
    session: AsyncSession, models: list[ModelFacts], *, public_url: str | None = None, now: datetime | None = None,
) -> int:
    """The job: check the loaded model versions and every version with a recent outcome; returns the raises."""
    now = now or utcnow()
    known = {facts.version: facts for facts in models}
    recent = await session.exec(
        select(RoutingOutcome.model_version).distinct().where(RoutingOutcome.decided_at >= now - RECENT)
    )
    for version in recent:
        known.setdefault(version, ModelFacts(version))
    raised = 0
    for version in sorted(known):
        raised += await check(session, known[version], public_url=public_url, now=now) is not None
    return raised


async def check_after_error(
    sessions: SessionFactory, model_version: str, model=None, *, public_url: str | None = None,
) -> ThresholdRaise | None:
    """Right after a wrong outcome committed: check its version at once, in a transaction of its own (the
    job checks again every round, so a failure here is only logged)."""
    facts = ModelFacts.of(model)
    if facts is None or facts.version != model_version:
        facts = ModelFacts(model_version)
    try:
        async with transaction(sessions) as session:
            return await check(session, facts, public_url=public_url)
    except Exception:
        log.exception("live precision check of %s failed; the jobs round will check again", model_version)
        return None
