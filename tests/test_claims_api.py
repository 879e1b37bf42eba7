"""lstmlib.claims: a claim that fails names itself, its values and its bound; bad calls are
refused; every check is logged for the robustness report."""
import json

import numpy as np
import pytest
import torch

from lstmlib import claims


def test_a_claim_that_holds_returns_nothing_and_one_that_fails_says_what_and_where():
    assert claims.check("every value is above 0.9", [0.95, 0.97], above=0.9) is None
    with pytest.raises(claims.ClaimNotReproduced) as e:
        claims.check("every GRU run with b_z = 3 reaches held-out accuracy above 0.9",
                      torch.tensor([0.86, 0.97, 0.99]), above=0.9)
    message = str(e.value)
    assert message.startswith("claim not reproduced: every GRU run with b_z = 3 reaches")
    assert "the bound: every value > 0.9" in message
    assert "this run: 0.86, 0.97, 0.99" in message and "not within the bound: 0.86" in message
    assert "Run it yourself" in message and "lstmlib.claims.environment()" in message
    assert all(len(line) <= 79 for line in message.splitlines()[1:])
    assert isinstance(e.value, AssertionError)       # nbval and pytest treat it as a failed check


@pytest.mark.parametrize("values, bound, holds", [
    (0.5, dict(below=1.0), True), (1.0, dict(below=1.0), False),
    (np.array([0.2, 0.8]), dict(between=(0.1, 0.9)), True),
    ([0.2, 0.95], dict(between=(0.1, 0.9)), False),
    (4_477, dict(equals=4_477), True), (4_478, dict(equals=4_477), False),
    ({"LSTM": 32}, dict(equals={"LSTM": 32}), True), ([33, 38], dict(equals=[33, 39]), False),
    (float("nan"), dict(above=0.0), False), ([[1.0, 2.0], [3.0]], dict(above=0.5), True),
])
def test_each_kind_of_bound(values, bound, holds):
    if holds:
        claims.check("a claim", values, **bound)
    else:
        with pytest.raises(claims.ClaimNotReproduced):
            claims.check("a claim", values, **bound)


def test_counts():
    claims.count("at least 2 of 3 runs learn", [True, False, True], at_least=2)
    claims.count("at most 1 of 3 runs fails", np.array([True, False, False]), at_most=1)
    with pytest.raises(claims.ClaimNotReproduced, match="this run: 1 of 3"):
        claims.count("at least 2 of 3 runs learn", [True, False, False], at_least=2)


@pytest.mark.parametrize("call, error, match", [
    (lambda: claims.check("x", 1.0), ValueError, "exactly one of above="),
    (lambda: claims.check("x", 1.0, above=0, below=2), ValueError, "exactly one of"),
    (lambda: claims.check("", 1.0, above=0), TypeError, "the claim as a sentence"),
    (lambda: claims.check("x", "high", above=0), TypeError, "expected a number"),
    (lambda: claims.check("x", [], above=0), ValueError, "at least one value"),
    (lambda: claims.check("x", 1.0, between=(2, 1)), ValueError, "low < high"),
    (lambda: claims.check("x", 1.0, between=3), TypeError, "between=\\(low, high\\)"),
    (lambda: claims.count("x", [0.5], at_least=1), TypeError, "sequence of bools"),
    (lambda: claims.count("x", [True], at_least=2), ValueError, "an int from 0 to 1"),
    (lambda: claims.count("x", [True]), ValueError, "exactly one of at_least"),
])
def test_bad_calls_are_refused_with_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_every_check_is_logged_passed_or_not(tmp_path, monkeypatch):
    log = tmp_path / "claims.jsonl"
    monkeypatch.setenv("LSTMLIB_CLAIMS_LOG", str(log))
    claims.check("a", [1.0, 2.0], above=0.5, log_scale=True)
    with pytest.raises(claims.ClaimNotReproduced):
        claims.check("b", 3.0, below=1.0)
    claims.count("c", [True, False], at_least=1)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(r["claim"], r["kind"], r["ok"]) for r in records] == [
        ("a", "above", True), ("b", "below", False), ("c", "at_least", True)]
    assert records[0]["values"] == [1.0, 2.0] and records[0]["log_scale"] is True
    assert records[2]["values"] == [True, False] and records[2]["bound"] == 1


def test_the_environment_names_what_decides_the_arithmetic(monkeypatch):
    monkeypatch.setenv("MKL_CBWR", "COMPATIBLE")
    text = claims.environment()
    assert "torch" in text and "numpy" in text and "CPU capability" in text
    assert "MKL_CBWR=COMPATIBLE" in text and claims.cpu_name() in text
