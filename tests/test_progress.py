"""Progress messages of long computations (issue 15: a long MLE fit showed no sign of life)."""

from __future__ import annotations

from ssm_coint._progress import listening, report
from ssm_coint.estimation import fit_mle
from ssm_coint.simulate import simulate_hedge_model


def test_nothing_is_formatted_without_a_listener():
    calls: list[int] = []

    def message() -> str:
        calls.append(1)
        return "formatted"

    report(message)
    assert calls == []
    heard: list[str] = []
    with listening(heard.append, delay=0.0, interval=0.0):
        report(message)
    assert calls == [1] and heard == ["[0 s] formatted"]


def test_the_global_mle_reports_its_local_fits():
    heard: list[str] = []
    prices = simulate_hedge_model(150, seed=5).prices
    with listening(heard.append, delay=0.0, interval=0.0):
        cal = fit_mle(prices, "alpha1")
    assert heard and all(line.startswith("[") and "MLE: local fit" in line for line in heard)
    last = int(heard[-1].split("local fit ")[1].split()[0])
    assert last == len(heard) >= 2
    assert f"best llf {cal.llf:.6g}" in heard[-1] or cal.llf >= float(
        heard[-1].rsplit(" ", 1)[1]) - 1e-6


def test_messages_are_throttled():
    heard: list[str] = []
    with listening(heard.append, delay=3600.0, interval=3600.0):
        for i in range(100):
            report(f"step {i}")
    assert heard == []
    with listening(heard.append, delay=0.0, interval=3600.0):
        for i in range(100):
            report(f"step {i}")
    assert heard == ["[0 s] step 0"]
