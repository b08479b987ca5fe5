"""Score taggings against labelled gold records (pure: no I/O).

``score`` takes ``(gold_labels, predicted)`` pairs, where ``gold_labels`` is
the ``labels`` object of a gold line (TAGS.md codes) and ``predicted`` a
:class:`Tagging` however it was produced (direct call, or the XML import
path of ``evidence eval``), so the same numbers describe both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from evidence.tagging.result import Tagging
from evidence.tagging.vocabulary import EVIDENCE_LEVEL

LIST_FIELDS = ("conditions", "interventions", "devices", "outcomes")
NUMBER_FIELDS = ("sample_size", "needle_depth_mm", "sessions", "follow_up_weeks")

# The bar the tagger must clear on gold/dev.jsonl (the lead's acceptance targets).
TARGETS: dict[str, float] = {
    "outcomes_f1": 0.90,
    "conditions_f1": 0.90,
    "interventions_f1": 0.90,
    "design_accuracy": 0.85,
    "relevance_f1": 0.95,
    "sample_size_exact": 0.85,
}


@dataclass(slots=True)
class PRF:
    """Counts and precision/recall/F1 for one field or code (micro-averaged)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        # No prediction and nothing to find is perfect, not undefined.
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float(self.fn == 0)

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float(self.fp == 0)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(slots=True)
class Exact:
    """Exact-match rate over records where gold or prediction has a value."""

    hits: int = 0
    total: int = 0

    @property
    def rate(self) -> float:
        return self.hits / self.total if self.total else 1.0


@dataclass(slots=True)
class Report:
    """Everything ``score`` measures; ``metrics()`` flattens it for targets."""

    records: int = 0
    fields: dict[str, PRF] = field(default_factory=dict)
    codes: dict[str, dict[str, PRF]] = field(default_factory=dict)
    relevance: PRF = field(default_factory=PRF)
    design_correct: int = 0
    level_correct: int = 0
    numbers: dict[str, Exact] = field(default_factory=dict)
    design_confusion: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def design_accuracy(self) -> float:
        return self.design_correct / self.records if self.records else 1.0

    @property
    def evidence_level_accuracy(self) -> float:
        return self.level_correct / self.records if self.records else 1.0

    def metrics(self) -> dict[str, float]:
        """Flat name -> value, the names ``TARGETS`` uses."""
        values = {f"{name}_f1": prf.f1 for name, prf in self.fields.items()}
        values.update({f"{name}_exact": exact.rate for name, exact in self.numbers.items()})
        values["relevance_f1"] = self.relevance.f1
        values["design_accuracy"] = self.design_accuracy
        values["evidence_level_accuracy"] = self.evidence_level_accuracy
        return values

    def failures(self, targets: Mapping[str, float] = TARGETS) -> list[str]:
        """One line per missed target, empty when every target is met."""
        metrics = self.metrics()
        return [
            f"{name}: {metrics.get(name, 0.0):.3f} < {goal:.2f}"
            for name, goal in targets.items()
            if metrics.get(name, 0.0) < goal
        ]

    def format_text(self) -> str:
        """A plain-text table for terminals and CI logs."""
        lines = [f"records: {self.records}", "", f"{'field':<36}{'P':>7}{'R':>7}{'F1':>7}"]
        lines.append(_row("relevance (true)", self.relevance))
        for name, prf in self.fields.items():
            lines.append(_row(name, prf))
            for code, code_prf in sorted(self.codes.get(name, {}).items()):
                lines.append(_row(f"  {code}", code_prf))
        lines += ["", f"design accuracy          {self.design_accuracy:.3f}",
                  f"evidence level accuracy  {self.evidence_level_accuracy:.3f}"]
        for name, exact in self.numbers.items():
            lines.append(f"{name + ' exact':<25}{exact.rate:.3f} ({exact.hits}/{exact.total})")
        confusions = sorted(self.design_confusion.items(), key=lambda item: -item[1])
        if confusions:
            lines += ["", "design errors (gold -> predicted):"]
            lines += [f"  {gold} -> {pred}: {n}" for (gold, pred), n in confusions]
        missed = self.failures()
        lines += ["", "targets: " + ("all met" if not missed else "MISSED " + "; ".join(missed))]
        return "\n".join(lines)


def _row(name: str, prf: PRF) -> str:
    return f"{name:<36}{prf.precision:>7.3f}{prf.recall:>7.3f}{prf.f1:>7.3f}"


def _value(name: str, value: Any) -> Any:
    """Comparable form: depth as a float pair, counts and weeks as floats."""
    if value is None:
        return None
    if name == "needle_depth_mm":
        low, high = value
        return (round(float(low), 3), round(float(high), 3))
    return round(float(value), 3)


def score(pairs: Iterable[tuple[Mapping[str, Any], Tagging]]) -> Report:
    """Compare each gold ``labels`` object with a predicted :class:`Tagging`."""
    report = Report()
    report.fields = {name: PRF() for name in LIST_FIELDS}
    report.codes = {name: {} for name in LIST_FIELDS}
    report.numbers = {name: Exact() for name in NUMBER_FIELDS}
    for gold, predicted in pairs:
        report.records += 1
        for name in LIST_FIELDS:
            expected = set(gold.get(name) or [])
            got = set(getattr(predicted, name))
            total = report.fields[name]
            for code in expected | got:
                code_prf = report.codes[name].setdefault(code, PRF())
                if code in expected and code in got:
                    total.tp += 1
                    code_prf.tp += 1
                elif code in got:
                    total.fp += 1
                    code_prf.fp += 1
                else:
                    total.fn += 1
                    code_prf.fn += 1
        gold_relevant, pred_relevant = bool(gold.get("relevant")), predicted.relevant
        report.relevance.tp += gold_relevant and pred_relevant
        report.relevance.fp += pred_relevant and not gold_relevant
        report.relevance.fn += gold_relevant and not pred_relevant
        gold_design = gold.get("design") or "other"
        if gold_design == predicted.design:
            report.design_correct += 1
        else:
            key = (gold_design, predicted.design)
            report.design_confusion[key] = report.design_confusion.get(key, 0) + 1
        if EVIDENCE_LEVEL.get(gold_design) == predicted.evidence_level:
            report.level_correct += 1
        for name in NUMBER_FIELDS:
            expected_value = _value(name, gold.get(name))
            got_value = _value(name, getattr(predicted, name))
            if expected_value is None and got_value is None:
                continue
            report.numbers[name].total += 1
            report.numbers[name].hits += expected_value == got_value
    return report
