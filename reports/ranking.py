"""The Home Affairs ranking tables, built from the KPI facts (domain.md section 6).

`ranking_build(period=…)` reads the facts of the period and of the same kind of period just
before it (for the previous rank), the targets and the scoring weights: a constant number of
queries, whatever the number of agencies. The arithmetic is `reports.scoring`.

Four tables: `so` (provincial agencies), `huyen` (districts), `xa` (communes) and `all` (every unit
directly under the province in the period: provincial agencies and districts before 1/7/2025,
provincial agencies and communes after, all of them for a period that straddles the reform),
each ranked on its own. A provincial agency and a district are scored on their node (a district
answers for its communes' dossiers too), a commune on its own dossiers (it has no sub-units).
Only units that existed on some day of the period are listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext

from agencies.models import Agency, AgencyLevel
from directives.deadlines import deadline_end
from directives.pilot_results import pilot_priorities
from kpi_portal import clock
from kpi_portal.periods import Period, PeriodError, parse_period
from reports.indicators import indicator_fraction
from reports.models import Indicator, ScoringWeight, ScoringWeightChange
from reports.scoring import (
    DEFAULT_WEIGHTS,
    DIRECTIVE_INDICATORS,
    Disqualification,
    eligibility_check,
    previous_period_code,
    ranks_with_ties,
    score_compute,
)
from reports.selectors import (
    Counters,
    TargetBook,
    TargetHistory,
    kpi_counters_for_period,
    zero_counters,
)

# Table code -> the levels it ranks; `all` ranks the province's direct children instead.
TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("so", (AgencyLevel.DEPARTMENT.value,)),
    ("huyen", (AgencyLevel.DISTRICT.value,)),
    ("xa", (AgencyLevel.COMMUNE.value,)),
    ("all", (AgencyLevel.DEPARTMENT.value, AgencyLevel.DISTRICT.value, AgencyLevel.COMMUNE.value)),
)
TABLE_LABELS = {
    "so": "Sở, ban, ngành",
    "huyen": "UBND cấp huyện",
    "xa": "UBND cấp xã",
    "all": "Toàn tỉnh",
}


# --- Weights ----------------------------------------------------------------------------------


def scoring_weights() -> dict[str, Decimal]:
    """The scored indicators and their weights (> 0), in display order; the default when none."""
    weights = {
        code: weight
        for code, weight in ScoringWeight.objects.order_by(
            "indicator__sort_order", "indicator__code"
        ).values_list("indicator__code", "weight")
        if weight > 0
    }
    return weights or dict(DEFAULT_WEIGHTS)


@dataclass(frozen=True)
class WeightVersion:
    """The weights in force on a day: the scored indicators (weight > 0) in display order, and
    the first day of the latest change in force (None: the weights the portal started with)."""

    weights: dict[str, Decimal]
    valid_from: date | None


@dataclass
class WeightHistory:
    """The weights as last set and the changes that apply from a given day (two queries),
    answering which weights were in force on any day (docs/rankings.md, "Versions")."""

    current: list[tuple[str, int, Decimal]]  # (indicator, sort order, weight)
    # (indicator, sort order, first day, weight before), oldest first
    dated: list[tuple[str, int, date, Decimal | None]]

    @classmethod
    def load(cls) -> WeightHistory:
        return cls(
            current=list(
                ScoringWeight.objects.values_list(
                    "indicator__code", "indicator__sort_order", "weight"
                )
            ),
            dated=list(
                ScoringWeightChange.objects.filter(valid_from__isnull=False)
                .order_by("id")
                .values_list("indicator__code", "indicator__sort_order", "valid_from", "old_weight")
            ),
        )

    def on(self, day: date) -> WeightVersion:
        """A change applying from after `day` is undone: the indicator keeps the weight it had
        before the first such change (the days of one indicator's changes never go back)."""
        weights = {code: (order, weight) for code, order, weight in self.current}
        undone: set[str] = set()
        for code, order, valid_from, old in self.dated:
            if valid_from <= day or code in undone:
                continue
            undone.add(code)
            if old is None:
                weights.pop(code, None)
            else:
                weights[code] = (order, old)
        scored = {
            code: weight
            for code, (_, weight) in sorted(weights.items(), key=lambda item: (item[1][0], item[0]))
            if weight > 0
        }
        valid_from = max((d for _, _, d, _ in self.dated if d <= day), default=None)
        return WeightVersion(weights=scored or dict(DEFAULT_WEIGHTS), valid_from=valid_from)


@transaction.atomic
def scoring_weight_set(
    *,
    indicator: Indicator,
    weight: Decimal | None,
    user: AbstractBaseUser | None = None,
    note: str = "",
    valid_from: date | None = None,
) -> ScoringWeight | None:
    """Set (None: remove) an indicator's weight, recording who changed it, when, old and new.

    `valid_from` is the first day the change applies (reports.models.ChangeRecord): the weights
    page gives the day of the change, so a ranking of a period that had already ended keeps its
    scores. None (from the beginning) is for the defaults and for tests. The days of one
    indicator's changes never go back, so its history is a timeline.
    """
    current = ScoringWeight.objects.select_for_update().filter(indicator=indicator).first()
    old = current.weight if current else None
    if old == weight:
        return current
    latest = (
        ScoringWeightChange.objects.filter(indicator=indicator)
        .exclude(valid_from=None)
        .order_by("-valid_from")
        .values_list("valid_from", flat=True)
        .first()
    )
    if latest is not None and (valid_from is None or valid_from < latest):
        raise ValueError(f"a change of this weight already applies from {latest}")
    if weight is None:
        current.delete()  # type: ignore[union-attr]
        current = None
    elif current is None:
        current = ScoringWeight.objects.create(indicator=indicator, weight=weight)
    else:
        current.weight = weight
        current.save(update_fields=["weight", "updated_at"])
    ScoringWeightChange.objects.create(
        indicator=indicator,
        old_weight=old,
        new_weight=weight,
        changed_by=user if user is not None and user.is_authenticated else None,
        note=note,
        valid_from=valid_from,
    )
    _audit_weight(indicator, old, weight, user, note, valid_from)
    return current


def _audit_weight(indicator, old, weight, user, note: str, valid_from: date | None) -> None:
    from agencies.audit import audit_record
    from agencies.models import AuditAction

    since = valid_from.isoformat() if valid_from else None
    audit_record(
        actor=user,
        action=AuditAction.WEIGHT_CHANGE,
        subject_type="reports.scoringweight",
        subject_id=indicator.code,
        summary=f"Trọng số {indicator.code}" + (f": {note}" if note else ""),
        before={
            "indicator": indicator.code,
            "weight": None if old is None else float(old),
            "valid_from": since,
        },
        after={
            "indicator": indicator.code,
            "weight": None if weight is None else float(weight),
            "valid_from": since,
        },
    )


def scoring_weight_change(
    *,
    indicator: Indicator,
    weight: Decimal | None,
    user: AbstractBaseUser | None = None,
    note: str = "",
) -> ScoringWeight | None:
    """Change one weight as Home Affairs sees it (None or 0: no longer scored), from today on:
    the rankings of periods that ended before today keep their scores.

    While no weight is stored the score uses the defaults; the first change writes the defaults
    down first (from the beginning, as they were in force), so that changing one indicator keeps
    the other three instead of scoring it alone.
    """
    with transaction.atomic():
        if not ScoringWeight.objects.exists():
            for code, default in DEFAULT_WEIGHTS.items():
                scoring_weight_set(
                    indicator=Indicator.objects.get(code=code),
                    weight=Decimal(str(default)),
                    user=user,
                    note=gettext("Trọng số mặc định được ghi lại trước thay đổi đầu tiên"),
                )
        return scoring_weight_set(
            indicator=indicator,
            weight=weight if weight else None,
            user=user,
            note=note,
            valid_from=clock.today(),
        )


def weights_overview() -> dict[str, object]:
    """Every indicator with its current weight (None: not scored), and the latest changes."""
    current = dict(ScoringWeight.objects.values_list("indicator_id", "weight"))
    defaults = DEFAULT_WEIGHTS if not current else {}
    indicators = [
        {
            "indicator": indicator,
            "weight": current.get(indicator.pk, defaults.get(indicator.code)),
        }
        for indicator in Indicator.objects.order_by("sort_order", "code")
    ]
    changes = ScoringWeightChange.objects.select_related("indicator", "changed_by")[:50]
    return {"weights": indicators, "changes": list(changes), "using_defaults": not current}


# --- Tables -----------------------------------------------------------------------------------


@dataclass
class RankingRow:
    agency: str
    name: str
    level: str
    score: float | None
    rank: int | None
    fractions: dict[str, tuple[int, int]]
    rates: dict[str, float | None]
    earned: dict[str, float | None]
    possible: dict[str, float | None]
    disqualified_by: list[Disqualification]
    # The pilot result at the period's end reaches the pilot's threshold (directives/
    # pilot_results.py, docs/pilot.md); None: no data (no pilot yet, no list, no dossiers).
    pilot_priority: bool | None = None
    previous_rank: int | None = None
    # "từ 1/7/2025" / "đến 30/6/2025" when the unit existed for only part of the period.
    validity: str = ""

    @property
    def eligible(self) -> bool:
        return not self.disqualified_by

    @property
    def rank_change(self) -> int | None:
        """Places moved up since the previous period (negative: down); None without both ranks."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

    @property
    def disqualified_codes(self) -> list[str]:
        return [d.indicator for d in self.disqualified_by]

    @property
    def lost(self) -> dict[str, float | None]:
        """Points each scored indicator lost: possible − earned (None where it is not scored)."""
        return {
            code: None if possible is None else max(0.0, possible - (self.earned[code] or 0.0))
            for code, possible in self.possible.items()
        }


@dataclass
class Ranking:
    period: Period
    previous_period: Period | None
    computed_at: datetime | None
    weights: dict[str, Decimal]
    province: dict[str, tuple[int, int]]
    province_targets: dict[str, Decimal | None]
    tables: dict[str, list[RankingRow]] = field(default_factory=dict)
    # False when no dossier was received in the period anywhere in the province (the portal has
    # no data for it; a few dossiers left open for years do not make one): nobody is scored,
    # ranked or judged eligible, and the tables are empty.
    has_data: bool = True
    # The versions used (docs/rankings.md, "Versions"): the first day of the latest weight and
    # target changes in force on the period's last day; None: the values the portal started with.
    weights_from: date | None = None
    targets_from: date | None = None

    @property
    def province_rates(self) -> dict[str, float | None]:
        return {code: (num / den if den else None) for code, (num, den) in self.province.items()}


def _fractions(counters: Mapping[str, int] | None, codes: tuple[str, ...]) -> dict:
    counters = counters or zero_counters()
    return {code: indicator_fraction(code, counters) for code in codes}


def previous_period(period: Period) -> Period | None:
    code = previous_period_code(
        code=period.code, kind=period.kind.value, year=period.year, first_month=period.first_month
    )
    if code is None:
        return None
    try:
        return parse_period(code, period.basis)
    except PeriodError:
        return None


def _scores(
    *,
    agencies: list[Agency],
    counters: Mapping[str, Counters],
    weights: Mapping[str, Decimal],
    book: TargetBook,
    year: int,
    codes: tuple[str, ...],
) -> dict[str, tuple[dict, Any]]:
    result = {}
    for agency in agencies:
        fractions = _fractions(counters.get(agency.code), codes)
        targets = {
            code: book.value(indicator=code, year=year, level=agency.level) for code in codes
        }
        result[agency.code] = (
            fractions,
            score_compute(fractions=fractions, targets=targets, weights=weights),
        )
    return result


def _ranked_agencies(period: Period) -> list[Agency]:
    """Provincial agencies, districts and communes valid on some day of the period, in tree
    order."""
    return list(
        Agency.objects.filter(
            level__in=[AgencyLevel.DEPARTMENT, AgencyLevel.DISTRICT, AgencyLevel.COMMUNE]
        )
        .existing_during(period.start, period.end)
        .order_by("path")
        .only("code", "name", "level", "path", "parent", "valid_from", "valid_to")
    )


def _table_members(table: str, agencies: list[Agency], root: Agency | None) -> list[Agency]:
    levels = dict(TABLES)[table]
    if table == "all":
        return [a for a in agencies if root is not None and a.parent_id == root.id]
    return [a for a in agencies if a.level in levels]


def ranking_build(*, period: Period) -> Ranking:
    """The four ranking tables of the period, rows ordered by rank (no score last).

    Scored with the weights and targets in force on the period's last day (domain.md section 6:
    they are versioned), so a change made after a period ended never alters its ranking; the
    previous period's ranks (for the movement) with those in force on its own last day.
    """
    weight_history, target_history = WeightHistory.load(), TargetHistory.load()
    version = weight_history.on(period.end)
    weights = version.weights
    codes = tuple(dict.fromkeys([*weights, *DIRECTIVE_INDICATORS]))
    book = target_history.book(as_of=period.end)
    agencies = _ranked_agencies(period)
    root = Agency.objects.filter(level=AgencyLevel.PROVINCE, parent__isnull=True).first()
    counters, computed_at = kpi_counters_for_period(period=period)
    priorities = pilot_priorities(as_of=deadline_end(period.end))
    province = _fractions(counters.get(root.code) if root else None, codes)
    province_targets = {
        code: book.value(indicator=code, year=period.year, level=AgencyLevel.PROVINCE.value)
        for code in codes
    }
    current = _scores(
        agencies=agencies,
        counters=counters,
        weights=weights,
        book=book,
        year=period.year,
        codes=codes,
    )
    before = previous_period(period)
    previous_scores: dict[str, Any] = {}
    if before is not None:
        previous_counters, _ = kpi_counters_for_period(period=before)
        previous_weights = weight_history.on(before.end).weights
        previous_scores = _scores(
            agencies=agencies,
            counters=previous_counters,
            weights=previous_weights,
            book=target_history.book(as_of=before.end),
            year=before.year,
            codes=tuple(dict.fromkeys([*previous_weights, *DIRECTIVE_INDICATORS])),
        )
    ranking = Ranking(
        period=period,
        previous_period=before,
        computed_at=computed_at,
        weights=weights,
        province=province,
        province_targets=province_targets,
        has_data=bool(root and (counters.get(root.code) or zero_counters())["received"]),
        weights_from=version.valid_from,
        targets_from=book.valid_from,
    )
    if not ranking.has_data:
        ranking.tables = {table: [] for table, _levels in TABLES}
        return ranking
    for table, _levels in TABLES:
        members = _table_members(table, agencies, root)
        ranks = ranks_with_ties([current[a.code][1].score for a in members])
        previous_ranks: list[int | None] = [None] * len(members)
        if previous_scores:
            previous_ranks = ranks_with_ties([previous_scores[a.code][1].score for a in members])
        rows = []
        for agency, rank, previous_rank in zip(members, ranks, previous_ranks, strict=True):
            fractions, breakdown = current[agency.code]
            rows.append(
                RankingRow(
                    agency=agency.code,
                    name=agency.name,
                    level=agency.level,
                    score=breakdown.score,
                    rank=rank,
                    previous_rank=previous_rank,
                    fractions=fractions,
                    rates={c: (n / d if d else None) for c, (n, d) in fractions.items()},
                    earned=breakdown.earned,
                    possible=breakdown.possible,
                    disqualified_by=eligibility_check(
                        fractions=fractions,
                        province_fractions=province,
                        province_targets=province_targets,
                    ),
                    pilot_priority=priorities.get(agency.code),
                    validity=agency.validity_note(period.start, period.end),
                )
            )
        order = {a.code: i for i, a in enumerate(members)}
        rows.sort(key=lambda r: (r.rank is None, r.rank or 0, order[r.agency]))
        ranking.tables[table] = rows
    return ranking


def ranking_as_dict(ranking: Ranking) -> dict[str, Any]:
    """The JSON of design.md ("The JSON of export_ranking")."""
    from reports.exports import _iso

    def weight(value: Decimal) -> int | float:
        return int(value) if value == value.to_integral_value() else float(value)

    data: dict[str, Any] = {
        "period": ranking.period.code,
        "basis": ranking.period.basis.value,
        "computed_at": _iso(ranking.computed_at),
        "weights": {code: weight(value) for code, value in ranking.weights.items()},
        # The versions used (null: the values the portal started with).
        "weights_from": ranking.weights_from.isoformat() if ranking.weights_from else None,
        "targets_from": ranking.targets_from.isoformat() if ranking.targets_from else None,
        "province": ranking.province_rates,
        "tables": {
            table: [
                {
                    "agency": row.agency,
                    "name": row.name,
                    "score": row.score,
                    "rank": row.rank,
                    "rates": row.rates,
                    "points": row.earned,
                    "eligible": row.eligible,
                    "disqualified_by": row.disqualified_codes,
                    "pilot_priority": row.pilot_priority,
                }
                for row in rows
            ]
            for table, rows in ranking.tables.items()
        },
    }
    if not ranking.has_data:
        data["note"] = ranking_no_data_text(ranking.period)
    return data


def ranking_no_data_text(period: Period) -> str:
    """What a ranking of a period without dossiers says instead of ranking anybody."""
    return (
        f"Kỳ {period.label} không có hồ sơ nào được tiếp nhận trong dữ liệu của cổng: "
        "không xếp hạng, không chấm điểm đơn vị nào."
    )


def ranking_for_agency(ranking: Ranking, *, agency: Agency) -> Ranking:
    """The same ranking with only the rows of `agency` (an agency head sees their own row)."""
    return Ranking(
        period=ranking.period,
        previous_period=ranking.previous_period,
        computed_at=ranking.computed_at,
        weights=ranking.weights,
        province=ranking.province,
        province_targets=ranking.province_targets,
        weights_from=ranking.weights_from,
        targets_from=ranking.targets_from,
        tables={
            table: [row for row in rows if row.agency == agency.code]
            for table, rows in ranking.tables.items()
        },
        has_data=ranking.has_data,
    )


def ranking_chart(ranking: Ranking, *, table: str) -> dict[str, Any]:
    """A plotly bar chart of the table's scores (a figure dict for json_script)."""
    rows = [row for row in ranking.tables.get(table, []) if row.score is not None]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": [round(row.score, 2) for row in rows],
                "y": [row.name for row in rows],
                "marker": {"color": ["#1f6f43" if row.eligible else "#b5481f" for row in rows]},
                "hovertemplate": "%{y}: %{x:.2f} " + gettext("điểm") + "<extra></extra>",
            }
        ],
        "layout": {
            "height": max(240, 28 * len(rows) + 80),
            "autosize": True,
            "margin": {"l": 10, "r": 20, "t": 10, "b": 40},
            "xaxis": {"range": [0, 100], "title": {"text": gettext("Điểm")}},
            "yaxis": {"autorange": "reversed", "automargin": True},
        },
        "config": {"displayModeBar": False},
    }
