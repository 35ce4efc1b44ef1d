"""Differencing over time (issue 23, item 13): two successive analyses (n → n + 1) gave the
newest respondent's every answer. Figures are now published only as numbered releases that
differ from every earlier release by 0 or at least k respondents: between a release and
the next one, every output an owner or a liaison can obtain — the web page 分析与报告, the
report in three formats, the wave comparison, the lists, ``surveytool analyze`` and the
coverage — is refused or is the earlier release unchanged, so nothing in any two of them
describes one respondent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from surveytool.analysis.releases import publish, read_releases
from surveytool.bank import load_bank
from surveytool.cli import main
from surveytool.errors import UsageError, problem
from surveytool.forms.fill import FormFiller
from surveytool.simulate import Simulator
from surveytool.web import create_app

from webtools import BANK, campaign_site, login, with_users

K = 5
FIRST = 30  # answers in the first release


@pytest.fixture(scope="module")
def forms(tmp_path_factory) -> list[Path]:
    bank = load_bank(BANK)
    folder = tmp_path_factory.mktemp("forms")
    filler = FormFiller(bank)
    people = Simulator(bank, seed=23).respondents(FIRST + K + 1)
    return [filler.fill(p, folder / f"问卷-{i:03}.xlsx") for i, p in enumerate(people)]


def _upload(client, tok, paths) -> None:
    r = client.post(
        f"/api/ingest?bank={BANK}",
        data={"files": [(p.open("rb"), p.name) for p in paths]},
        headers={"X-CSRF-Token": tok},
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["accepted"] == len(paths)


def _outputs(site, client, tok, tmp_path: Path, tag: str) -> dict[str, object]:
    """Every output of topic 1 an owner can ask for now: the web analysis (its JSON), the
    report (md), the lists, ``surveytool analyze --json`` — each its content, or the
    refusal's code."""
    out: dict[str, object] = {}
    t = site.topic(1)
    r = client.post("/topic/1/analysis", data={"csrf_token": tok})
    job = r.headers["Location"].split("job=")[1]
    state = _wait(client, job)
    out["web"] = state if state["state"] == "failed" else json.loads(site.analysis(t).read_text())
    r = client.post(f"/api/report?bank={BANK}&format=md", headers={"X-CSRF-Token": tok})
    out["report"] = (
        r.get_json()["message"]
        if r.status_code != 200
        else site.reports(t).joinpath("report.md").read_text()
    )
    out["page"] = client.get("/topic/1/analysis").get_data(as_text=True).count("<td")
    target = tmp_path / f"analyze-{tag}.json"
    try:
        code = main(
            ["analyze", "--bank", BANK, "--store", str(site.store(t)), "--json", str(target)]
        )
        out["cli"] = target.read_text() if code == 0 else code
    except SystemExit as exc:
        out["cli"] = exc.code
    return out


def _wait(client, job: str) -> dict:
    import time

    for _ in range(600):
        state = client.get(f"/api/jobs/{job}").get_json()
        if state["state"] in ("done", "failed"):
            return state
        time.sleep(0.1)
    raise AssertionError("job did not end")


def test_no_two_outputs_describe_one_respondent(forms, tmp_path: Path, capsys) -> None:
    site = campaign_site(tmp_path / "调研", host="0.0.0.0")
    with_users(site)
    app = create_app(site)
    owner = app.test_client()
    tok = login(owner, "owner")
    _upload(owner, tok, forms[:FIRST])
    first = _outputs(site, owner, tok, tmp_path, "0")
    assert first["web"]["n"] == FIRST and first["web"]["release"] == 1
    web_first = site.analysis(site.topic(1)).read_text()

    for extra in range(1, K):  # n + 1 … n + k − 1: nothing new can be obtained
        _upload(owner, tok, forms[FIRST + extra - 1 : FIRST + extra])
        now = _outputs(site, owner, tok, tmp_path, str(extra))
        assert now["web"]["state"] == "failed"
        assert now["web"]["messages"][0].startswith("这次的答卷与第 1 次发布的结果")
        assert f"只相差 {extra} 份" in now["web"]["messages"][0]
        assert site.analysis(site.topic(1)).read_text() == web_first  # the page is unchanged
        assert now["page"] == first["page"]
        assert "只相差" in now["report"]
        assert now["cli"] != 0 and "只相差" in capsys.readouterr().err
        liaison = app.test_client()
        login(liaison, "liaison")  # a liaison sees the count of their unit only
        assert set(liaison.get("/api/status").get_json()) >= {"coverage"}

    _upload(owner, tok, forms[FIRST + K - 1 : FIRST + K])  # n + k: a new release
    second = _outputs(site, owner, tok, tmp_path, "k")
    assert second["web"]["n"] == FIRST + K and second["web"]["release"] == 2
    releases = read_releases(site.store(site.topic(1)))
    by_number = {r["number"]: set(r["ids"]) for r in releases}
    assert len(by_number[2] ^ by_number[1]) == K
    # every pair of releases of the bank differs by 0 or at least k respondents
    for a in releases:
        for b in releases:
            assert len(set(a["ids"]) ^ set(b["ids"])) in (0, *range(K, 10**6))

    # the newest form alone is never published: the release after it waits for k more
    _upload(owner, tok, forms[FIRST + K : FIRST + K + 1])
    assert _outputs(site, owner, tok, tmp_path, "k1")["web"]["state"] == "failed"


def test_a_release_is_checked_against_every_earlier_one_of_any_wave(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    assert publish(store, "b", "轮次“首轮”", range(100), K) == 1
    assert publish(store, "b", "轮次“首轮”", range(100), K) == 1  # the same answers again
    assert publish(store, "b", "全部轮次", range(110), K) == 2
    with pytest.raises(UsageError) as info:  # 3 answers of 回访 beside 首轮's release 1
        publish(store, "b", "全部轮次", [*range(100), 200, 201, 202], K)
    want = problem(
        "release_too_close", number=1, scope="轮次“首轮”", n=100, diff=3, k=K, more=2
    ).message
    assert info.value.problems[0].message == want
    with pytest.raises(UsageError):  # one answer corrected: two ids differ
        publish(store, "b", "全部轮次", [*range(109), 999], K)
    assert publish(store, "other", "全部轮次", range(101), K) == 3  # another bank's figures


def test_audit_checks_the_answers_against_earlier_releases(forms, tmp_path: Path, capsys) -> None:
    from surveytool.ingest import ingest

    bank, store = load_bank(BANK), tmp_path / "s.db"
    ingest(forms[:FIRST], bank, store)
    audit = ["audit", "--bank", BANK, "--store", str(store)]
    assert main(["analyze", "--bank", BANK, "--store", str(store)]) == 0  # release 1
    capsys.readouterr()
    main(audit)  # (the cell audit's own findings on random answers are not this test's)
    assert "这些答卷就是第 1 次发布的内容" in capsys.readouterr().out
    ingest(forms[FIRST : FIRST + 1], bank, store)
    assert main(audit) == 1
    assert "与第 1 次发布（全部轮次，30 份）只相差 1 份答卷" in capsys.readouterr().out
    ingest(forms[FIRST + 1 : FIRST + K], bank, store)
    main(audit)
    assert "发布检查通过：与以前 1 次发布相比都至少相差 5 份答卷" in capsys.readouterr().out
