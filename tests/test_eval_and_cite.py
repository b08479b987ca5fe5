"""`evidence eval` on the gold set through the import path, and `evidence cite`."""

from __future__ import annotations

import json

from click.testing import CliRunner

from evidence.cli import main
from evidence.tagging.evaluate import TARGETS
from tests.conftest import FIXTURES, GOLD_DEV, need_shared


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_eval_on_the_gold_set_meets_the_targets(tmp_path):
    gold = need_shared(GOLD_DEV)
    result = run("eval", str(gold), "--check-targets")
    assert result.exit_code == 0, result.output
    report = json.loads(run("eval", str(gold), "--json").stdout)
    assert report["records"] == len(gold.read_text(encoding="utf-8").splitlines())
    assert report["failures"] == []
    for name, goal in TARGETS.items():
        assert report["metrics"][name] >= goal, name
    assert "hair_density" in report["per_code"]["outcomes"]
    text = result.stdout.lower()
    for field in ("outcomes", "conditions", "interventions", "design", "relevan", "sample"):
        assert field in text


def test_eval_fails_below_target_on_mislabelled_records(tmp_path):
    gold = need_shared(GOLD_DEV)
    wrong = tmp_path / "wrong.jsonl"
    with wrong.open("w", encoding="utf-8") as out:
        for line in gold.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            record["labels"]["design"] = "preclinical"  # every design label wrong
            record["labels"]["relevant"] = not record["labels"]["relevant"]
            out.write(json.dumps(record) + "\n")
    result = run("eval", str(wrong), "--check-targets")
    assert result.exit_code == 1
    assert "below target" in result.stderr


def test_cite_ama_with_evidence_line(db_url):
    assert run("import", "--db", db_url, str(FIXTURES / "edge_cases.xml")).exit_code == 0
    result = run("cite", "90000001", "--style", "ama", "--db", db_url)
    assert result.exit_code == 0, result.output
    citation, evidence_line = result.stdout.strip().splitlines()[:2]
    assert citation.startswith("Müller K, Núñez-García A, Invented Hair Study Group.")
    assert "J Invent Dermatol. 2023;12(4):101-109." in citation
    assert "doi:10.9999/jid.2023.0001" in citation
    assert evidence_line.startswith("RCT")
    vancouver = run("cite", "90000001", "90000003", "--style", "vancouver", "--db", db_url)
    assert "PubMed PMID: 90000001" in vancouver.stdout
    assert "[RETRACTED]" in vancouver.stdout
