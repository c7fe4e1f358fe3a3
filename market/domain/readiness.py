"""The readiness passport: questionnaires as data, answers, scoring, levels and what the next
level needs. Pure: the clock and the certificates are passed in."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

from market.domain.certificates import CertificateType, CertificateView, counting_types
from market.domain.dates import DATE_RANGE_MESSAGE, FIRST_DAY, LAST_DAY, day_in_range
from market.domain.errors import N_, FieldCollector, FieldError, Msg, ValidationFailed
from market.domain.numbers import NumberError, is_blank, read_number

LANGS = ("en", "es", "pt")


class QuestionType(StrEnum):
    CHOICE = "choice"
    YES_NO = "yes_no"
    NUMBER = "number"
    PERCENTAGE = "percentage"
    DATE = "date"


class Level(IntEnum):
    """Supplier classes after Crompton Greaves (box 5.5 of the study)."""

    L0 = 0
    L1 = 1
    L2 = 2
    L3 = 3
    L4 = 4


LEVEL_LABELS = {
    Level.L0: N_("L0 · not ready"),
    Level.L1: N_("L1 · inspected supplier"),
    Level.L2: N_("L2 · self-certified"),
    Level.L3: N_("L3 · zero-defect"),
    Level.L4: N_("L4 · total quality"),
}


Text = Mapping[str, str]


@dataclass(frozen=True)
class Option:
    value: str
    score: float
    label: Text


@dataclass(frozen=True)
class Question:
    id: str
    type: QuestionType
    weight: float
    text: Text
    help: Text
    options: tuple[Option, ...] = ()
    unit: str = ""
    minimum: float = 0
    maximum: float = 100
    bad: float = 0
    good: float = 100
    good_within_days: int = 365
    bad_after_days: int = 1095
    kpi: str | None = None


@dataclass(frozen=True)
class Dimension:
    id: str
    weight: float
    title: Text
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Questionnaire:
    version: str
    title: Text
    dimensions: tuple[Dimension, ...]

    def question(self, question_id: str) -> Question | None:
        for dimension in self.dimensions:
            for question in dimension.questions:
                if question.id == question_id:
                    return question
        return None

    @property
    def kpis(self) -> dict[str, Question]:
        return {q.kpi: q for d in self.dimensions for q in d.questions if q.kpi}


class QuestionnaireError(ValueError):
    """A questionnaire definition file is malformed (a developer's error, not a user's)."""


def _text(raw: Any, where: str) -> Text:
    if not isinstance(raw, Mapping) or any(not isinstance(raw.get(lang), str) for lang in LANGS):
        raise QuestionnaireError(f"{where}: needs text in {', '.join(LANGS)}")
    return {lang: raw[lang] for lang in LANGS}


def parse_questionnaire(raw: Mapping[str, Any]) -> Questionnaire:
    """Build and check a questionnaire from its JSON form."""
    try:
        dimensions = []
        seen: set[str] = set()
        for d in raw["dimensions"]:
            questions = []
            for q in d["questions"]:
                where = f"question {q.get('id')!r}"
                if q["id"] in seen:
                    raise QuestionnaireError(f"{where}: duplicate id")
                seen.add(q["id"])
                kind = QuestionType(q["type"])
                options = tuple(
                    Option(o["value"], float(o["score"]), _text(o["label"], where))
                    for o in q.get("options", [])
                )
                if kind is QuestionType.CHOICE and len(options) < 2:
                    raise QuestionnaireError(f"{where}: a choice needs two options or more")
                question = Question(
                    id=q["id"],
                    type=kind,
                    weight=float(q["weight"]),
                    text=_text(q["text"], where),
                    help=_text(q.get("help", {"en": "", "es": "", "pt": ""}), where),
                    options=options,
                    unit=q.get("unit", "%" if kind is QuestionType.PERCENTAGE else ""),
                    minimum=float(q.get("min", 0)),
                    maximum=float(q.get("max", 100)),
                    bad=float(q.get("bad", 0)),
                    good=float(q.get("good", 100)),
                    good_within_days=int(q.get("good_within_days", 365)),
                    bad_after_days=int(q.get("bad_after_days", 1095)),
                    kpi=q.get("kpi"),
                )
                if question.weight <= 0 or question.bad == question.good:
                    raise QuestionnaireError(f"{where}: weight must be positive and bad differ from good")
                questions.append(question)
            dimensions.append(
                Dimension(d["id"], float(d["weight"]), _text(d["title"], d["id"]), tuple(questions))
            )
        ids = [d.id for d in dimensions]
        if sorted(ids) != sorted(DIMENSIONS):
            raise QuestionnaireError(f"dimensions must be exactly {DIMENSIONS}, not {ids}")
        return Questionnaire(str(raw["version"]), _text(raw["title"], "title"), tuple(dimensions))
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, QuestionnaireError):
            raise
        raise QuestionnaireError(f"malformed questionnaire: {error!r}") from error


#: The five dimensions of the readiness passport (domain.md), in order.
DIMENSIONS = ("digital", "quality", "process", "strategy", "upgrading")
DIMENSION_LABELS = {
    "digital": N_("Digital and e-procurement readiness"),
    "quality": N_("Quality and standards"),
    "process": N_("Process performance"),
    "strategy": N_("Strategy and market"),
    "upgrading": N_("Upgrading trajectory"),
}


# -- answers ------------------------------------------------------------------------------------

Answer = str  # answers are kept as the text the form sent, normalised


def normalise_answer(question: Question, raw: Any, today: dt.date) -> tuple[Answer | None, str | None]:
    """(normalised answer, None) or (None, error code). An empty answer is (None, None)."""
    value = "" if raw is None else str(raw).strip()
    if value == "":
        return None, None
    if question.type is QuestionType.CHOICE:
        return (value, None) if value in {o.value for o in question.options} else (None, "choice")
    if question.type is QuestionType.YES_NO:
        lowered = value.lower()
        if lowered in {"yes", "true", "1"}:
            return "yes", None
        if lowered in {"no", "false", "0"}:
            return "no", None
        return None, "yes_no"
    if question.type in (QuestionType.NUMBER, QuestionType.PERCENTAGE):
        try:
            number = read_number(value, None)  # the canonical form; a reader's is read by check_answers
        except NumberError:
            return None, "number"
        low, high = (
            (0.0, 100.0) if question.type is QuestionType.PERCENTAGE else (question.minimum, question.maximum)
        )
        if not number.is_finite() or not low <= float(number) <= high:
            return None, "range"
        return format(number.normalize(), "f"), None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None, "date"
    if not day_in_range(day):
        return None, "date_range"
    if day > today:
        return None, "future"
    return day.isoformat(), None


ANSWER_MESSAGES = {
    "choice": N_("Choose one of the options."),
    "yes_no": N_("Answer yes or no."),
    "number": N_("Enter a number, like 12 or 12.5."),
    "range": N_("Enter a number from %(min)s to %(max)s."),
    "date": N_("Enter a date as YYYY-MM-DD."),
    "future": N_("This date is in the future."),
    "date_range": DATE_RANGE_MESSAGE,
    "required": N_("Answer this question to submit."),
}


def check_answers(
    questionnaire: Questionnaire,
    raw: Mapping[str, Any],
    today: dt.date,
    *,
    complete: bool,
    reader: str | None = None,
) -> tuple[dict[str, Answer], list[FieldError]]:
    """The good answers, normalised, and a problem for each bad one (and, when ``complete``, for
    each missing one). Unknown ids are ignored. A draft keeps every good answer even when others
    are wrong, so nothing typed correctly is lost. Numbers are read the ``reader``'s way
    (``market.domain.numbers``; ``None``: the canonical form answers are kept in)."""
    errors = FieldCollector()
    answers: dict[str, Answer] = {}
    for dimension in questionnaire.dimensions:
        for question in dimension.questions:
            given = raw.get(question.id)
            numeric = question.type in (QuestionType.NUMBER, QuestionType.PERCENTAGE)
            typed = reader is not None or (isinstance(given, int | float) and not isinstance(given, bool))
            if numeric and typed and not is_blank(given):  # a JSON number is read as the number it is
                try:
                    given = format(read_number(given, reader), "f")
                except NumberError as error:
                    errors.add(question.id, error.code, error.message, **error.params)
                    continue
            answer, problem = normalise_answer(question, given, today)
            if problem:
                low, high = (
                    (0, 100)
                    if question.type is QuestionType.PERCENTAGE
                    else (question.minimum, question.maximum)
                )
                errors.add(
                    question.id,
                    f"readiness.answer_{problem}",
                    ANSWER_MESSAGES[problem],
                    min=_plain(low),
                    max=_plain(high),
                    first=FIRST_DAY.isoformat(),
                    last=LAST_DAY.isoformat(),
                )
            elif answer is None and complete:
                errors.add(question.id, "readiness.answer_required", ANSWER_MESSAGES["required"])
            elif answer is not None:
                answers[question.id] = answer
    return answers, errors.errors


def validate_answers(
    questionnaire: Questionnaire, raw: Mapping[str, Any], today: dt.date, *, complete: bool
) -> dict[str, Answer]:
    """Like :func:`check_answers`, but any problem refuses the whole set."""
    answers, problems = check_answers(questionnaire, raw, today, complete=complete)
    if problems:
        raise ValidationFailed(problems)
    return answers


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


# -- scoring ------------------------------------------------------------------------------------


def _linear(value: float, bad: float, good: float) -> float:
    share = (value - bad) / (good - bad)
    return 100.0 * min(1.0, max(0.0, share))


def question_score(question: Question, answer: Answer, today: dt.date) -> float:
    """0-100 for one answer."""
    if question.type is QuestionType.CHOICE:
        return next(o.score for o in question.options if o.value == answer)
    if question.type is QuestionType.YES_NO:
        return 100.0 if answer == "yes" else 0.0
    if question.type in (QuestionType.NUMBER, QuestionType.PERCENTAGE):
        return _linear(float(answer), question.bad, question.good)
    age = (today - dt.date.fromisoformat(answer)).days
    return _linear(float(age), question.bad_after_days, question.good_within_days)


@dataclass(frozen=True)
class Scores:
    dimensions: dict[str, float]
    overall: float
    kpis: dict[str, float]


def score(questionnaire: Questionnaire, answers: Mapping[str, Answer], today: dt.date) -> Scores:
    """Per-dimension weighted scores (0-100, one decimal), the overall score and the KPI values."""
    dimension_scores: dict[str, float] = {}
    for dimension in questionnaire.dimensions:
        total = weight = 0.0
        for question in dimension.questions:
            if question.id in answers:
                total += question.weight * question_score(question, answers[question.id], today)
                weight += question.weight
        dimension_scores[dimension.id] = round(total / weight, 1) if weight else 0.0
    weights = {d.id: d.weight for d in questionnaire.dimensions}
    overall = sum(dimension_scores[k] * weights[k] for k in dimension_scores) / sum(weights.values())
    kpis = {kpi: float(answers[q.id]) for kpi, q in questionnaire.kpis.items() if q.id in answers}
    return Scores(dimension_scores, round(overall, 1), kpis)


# -- levels -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """One condition of a level, with the message that says how to meet it."""

    code: str
    message: str
    params: dict[str, Any]
    met: Callable[[Scores, frozenset[CertificateType], frozenset[CertificateType]], bool] = field(
        compare=False
    )


def _overall(minimum: float) -> Condition:
    return Condition(
        "readiness.overall_below",
        N_("Raise the overall score to %(min)s (now %(now)s)."),
        {"min": minimum},
        lambda s, _v, _a: s.overall >= minimum,
    )


def _dimension(name: str, minimum: float) -> Condition:
    return Condition(
        f"readiness.{name}_below",
        N_("Raise “%(dimension)s” to %(min)s (now %(now)s)."),
        {"dimension": Msg(DIMENSION_LABELS[name]), "min": minimum, "name": name},
        lambda s, _v, _a: s.dimensions.get(name, 0.0) >= minimum,
    )


def _every_dimension(minimum: float) -> Condition:
    return Condition(
        "readiness.dimension_below",
        N_("Bring every dimension to %(min)s at least."),
        {"min": minimum},
        lambda s, _v, _a: min(s.dimensions.values(), default=0) >= minimum,
    )


def _kpi_at_least(kpi: str, minimum: float, message: str) -> Condition:
    return Condition(
        f"readiness.kpi_{kpi}",
        message,
        {"min": minimum},
        lambda s, _v, _a: s.kpis.get(kpi, -math.inf) >= minimum,
    )


def _kpi_at_most(kpi: str, maximum: float, message: str) -> Condition:
    return Condition(
        f"readiness.kpi_{kpi}",
        message,
        {"max": maximum},
        lambda s, _v, _a: s.kpis.get(kpi, math.inf) <= maximum,
    )


def _any_certificate() -> Condition:
    return Condition(
        "readiness.needs_certificate",
        N_("Add a valid certificate of your quality system to the certificate wallet."),
        {},
        lambda _s, _v, held: bool(held),
    )


def _verified(*types: CertificateType) -> Condition:
    names = " / ".join(t.label for t in types)
    return Condition(
        "readiness.needs_verified_certificate",
        N_("Have your agency verify a valid %(certificates)s certificate."),
        {"certificates": names},
        lambda _s, verified, _a: any(t in verified for t in types),
    )


LEVEL_CONDITIONS: dict[Level, tuple[Condition, ...]] = {
    Level.L1: (_overall(35), _dimension("digital", 40)),
    Level.L2: (_overall(50), _dimension("quality", 45), _any_certificate()),
    Level.L3: (
        _overall(70),
        _dimension("process", 70),
        _kpi_at_least("on_time_delivery", 95, N_("Deliver at least %(min)s %% of orders on time.")),
        _kpi_at_most("defect_rate", 1, N_("Bring rejected deliveries down to %(max)s %% or less.")),
        _verified(CertificateType.ISO_9001, CertificateType.IATF_16949),
    ),
    Level.L4: (
        _overall(85),
        _every_dimension(75),
        _verified(CertificateType.ISO_9001, CertificateType.IATF_16949),
        _verified(CertificateType.ISO_14001, CertificateType.SA8000, CertificateType.FSC),
    ),
}


@dataclass(frozen=True)
class UnmetCondition:
    code: str
    message: str
    params: dict[str, Any]


def _unmet(
    level: Level, scores: Scores, verified: frozenset[CertificateType], held: frozenset[CertificateType]
) -> list[UnmetCondition]:
    result = []
    for condition in LEVEL_CONDITIONS[level]:
        if not condition.met(scores, verified, held):
            params = dict(condition.params)
            if "name" in params:
                params["now"] = scores.dimensions.get(params.pop("name"), 0.0)
            elif condition.code == "readiness.overall_below":
                params["now"] = scores.overall
            result.append(UnmetCondition(condition.code, condition.message, params))
    return result


@dataclass(frozen=True)
class LevelResult:
    level: Level
    #: What the next level still needs (empty at L4).
    next_level_needs: tuple[UnmetCondition, ...]


def assess_level(scores: Scores, certificates: Sequence[CertificateView], now: dt.datetime) -> LevelResult:
    """The highest level whose conditions, and those of every level below, are met now.

    Certificates count only while valid at ``now`` (and, where a level asks so, verified), so a
    level earned with a certificate falls when that certificate expires.
    """
    verified = counting_types(certificates, now, verified_only=True)
    held = counting_types(certificates, now, verified_only=False)
    level = Level.L0
    for candidate in (Level.L1, Level.L2, Level.L3, Level.L4):
        if _unmet(candidate, scores, verified, held):
            break
        level = candidate
    needs = () if level is Level.L4 else tuple(_unmet(Level(level + 1), scores, verified, held))
    return LevelResult(level, needs)
