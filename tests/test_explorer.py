"""The explorer (``parcours explore``): its model, and its page in a real headless Chromium."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sim.present.explore import (
    ExplorerModel,
    _caption,
    free_port,
    model_params,
    month_text,
    page,
)
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_S = 90  # first start imports solara, mesa and the model
PAGE_S = 60_000  # [ms] playwright waits


# ----------------------------------------------------------------------------- the model
def test_levers_reach_the_scenario_and_a_step_records_a_month():
    base = load_scenario(BASELINE)
    model = ExplorerModel(
        scenario_path=BASELINE,
        iterative_share=0.85,
        same_practice=True,
        siae_posts_scale=2.0,
        phc_places=9,
        modulation=True,
        persons=600,
        seed=7,
    )
    scn = model.sim.spec
    assert scn.policy.practice_override == pytest.approx(0.85)
    for name, group in base.territory.siae.items():
        assert scn.territory.siae[name].posts == round(2 * group.posts)
    assert scn.territory.siae["aci_phc_hosts"].phc_places == 9
    assert scn.territory.siae["aci_worksites"].phc_places == 0  # not a host
    assert scn.policy.funding.modulation.enabled is True
    assert scn.run.persons == 600 and scn.run.seed == 7
    assert scn.run.person_views is False
    assert model.levers["practice_override"] == pytest.approx(0.85)

    model.step()
    frame = model.frame()
    assert list(frame["month"]) == [0]
    assert {"n_outside", "n_supported", "n_waiting", "queue_siae", "share_employed"} <= set(frame)
    assert 0 <= frame["share_employed"].iloc[0] <= 1
    assert model.running


def test_without_same_practice_each_structure_keeps_its_own():
    model = ExplorerModel(scenario_path=BASELINE, iterative_share=1.0, same_practice=False)
    scn = model.sim.spec
    assert scn.policy.practice_override is None
    assert scn.territory.siae["aci_phc_hosts"].phc_places == 6  # the scenario's
    assert scn.policy.funding.modulation.enabled is False
    assert scn.run.persons == 2000


def test_sliders_start_at_the_scenarios_values():
    scn = load_scenario(ROOT / "scenarios" / "more_phc.yaml")  # 8 PHC places in 6 host ACI
    params = model_params(ROOT / "scenarios" / "more_phc.yaml")
    assert params["phc_places"]["value"] == scn.territory.siae["aci_phc_hosts"].phc_places == 8
    assert params["phc_places"]["label"] == "PHC places per host (6 ACI)"
    assert params["siae_posts_scale"]["value"] == 1.0, "x1: the scenario's posts"
    assert params["modulation"]["value"] is scn.policy.funding.modulation.enabled
    model = ExplorerModel(scenario_path=ROOT / "scenarios" / "more_phc.yaml", persons=600)
    assert model.levers["phc_places"] == 8


def test_captions_and_levers_name_the_same_month():
    model = ExplorerModel(scenario_path=BASELINE, persons=500)
    assert month_text(model) == "no month run yet (months 0 to 59)"
    model.step()
    model.step()
    frame = model.frame()
    caption = _caption(frame, {"n_job": "job"}, percent=False)
    assert caption.startswith("month 1:"), caption
    assert month_text(model) == "month 1 (months 0 to 59)"


def test_stops_at_the_last_month(tmp_path):
    short = tmp_path / "short.yaml"
    short.write_text(f"extends: {BASELINE}\nname: short\nrun: {{months: 2}}\n")
    model = ExplorerModel(scenario_path=short, persons=500)
    for _ in range(3):
        model.step()
    assert not model.running
    assert list(model.frame()["month"]) == [0, 1]


# Mesa 3.3's ComponentsView calls a hook after an early return (fixed in Mesa 3.5); solara warns.
@pytest.mark.filterwarnings("ignore:.*found despite early return:UserWarning")
def test_page_inputs_are_model_arguments():
    params = model_params(BASELINE)
    accepted = inspect.signature(ExplorerModel.__init__).parameters
    assert set(params) <= set(accepted)
    assert {"iterative_share", "siae_posts_scale", "phc_places", "modulation"} <= set(params)
    sliders = {k for k, v in params.items() if isinstance(v, dict)}
    assert {"iterative_share", "siae_posts_scale", "phc_places"} <= sliders
    assert page(BASELINE) is not None  # builds the SolaraViz element and its first model


# ----------------------------------------------------------------------------- the page
def _parcours_command() -> list[str]:
    script = Path(sys.executable).with_name("parcours")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim.present.cli"]


def _wait_for_server(proc: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"parcours explore exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"parcours explore did not answer within {SERVER_START_S} s:\n{log.read_text()}")


@pytest.fixture
def explorer(tmp_path):
    """A running ``parcours explore`` server on a free localhost port; stopped at the end."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "explore.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [*_parcours_command(), "explore", str(BASELINE), "--no-browser", "--port", str(port)]
    with open(log, "w") as out:
        proc = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path, env=env
        )
    try:
        _wait_for_server(proc, url + "/", log)
        yield url, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def _chart_shot(chart, differs_from: bytes | None = None, timeout_s: float = 30) -> bytes:
    """A screenshot of the chart once its image is loaded (and differs, if asked)."""
    deadline = time.monotonic() + timeout_s
    while True:
        loaded = chart.evaluate("img => img.complete && img.naturalWidth > 0")
        shot = chart.screenshot() if loaded else None
        if shot is not None and shot != differs_from:
            return shot
        if time.monotonic() > deadline:
            pytest.fail("the chart did not change" if loaded else "the chart image did not load")
        time.sleep(0.25)


def _local(url: str, base: str) -> bool:
    for prefix in ("blob:", "data:"):
        if url.startswith(prefix):
            return prefix == "data:" or url[len(prefix) :].startswith(base)
    host = base.split("://", 1)[1]
    return url.startswith((f"http://{host}", f"ws://{host}"))


@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is missing: `make test` installs Debian's chromium when run as "
    "root; otherwise install it (apt-get install chromium) to run the explorer's browser test",
)
def test_explorer_page_in_headless_chromium(explorer):
    from playwright.sync_api import expect, sync_playwright

    url, log = explorer
    assert f"http://127.0.0.1:{url.rsplit(':', 1)[1]}" in log.read_text()  # the URL is printed
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            pg = browser.new_page(viewport={"width": 1400, "height": 1000})
            pg.set_default_timeout(PAGE_S)
            expect.set_options(timeout=PAGE_S)
            pg.on("request", lambda request: requests.append(request.url))
            pg.goto(url + "/")

            chart = pg.locator(".parcours-chart-statuses img")
            caption = pg.locator(".parcours-caption-statuses")
            levers = pg.locator(".parcours-levers")
            expect(caption).to_contain_text("no month run yet")
            expect(levers).to_contain_text("no month run yet (months 0 to 59)")
            expect(levers).to_contain_text("each structure's own")
            expect(pg).to_have_title("Parcours explorer: baseline")
            # The one tab is named, not "Page 0".
            tab = pg.locator(".v-tab").first
            name = tab.evaluate("t => getComputedStyle(t, '::after').content")
            assert name == '"Territory, month by month"', name
            assert tab.evaluate("t => getComputedStyle(t).fontSize") == "0px", "Page 0 hidden"
            # Every slider shows its value, and starts at the scenario's.
            phc = pg.get_by_role("slider", name="PHC places per host (2 ACI)")
            expect(phc).to_have_attribute("aria-valuenow", "6")  # baseline: 6 per host
            for label, value in (
                ("Share of iterative practice", "0.2"),
                ("PHC places per host (2 ACI)", "6"),
                ("Persons at start", "2000"),
            ):
                shown = pg.locator(".v-input", has_text=label).locator(".v-slider__thumb-label")
                expect(shown).to_have_text(value)

            # Move the iterative-practice slider to its end, apply it everywhere, add 10% SIAE
            # posts, and reset the model: the levers reach it.
            slider = pg.get_by_role("slider", name="Share of iterative practice")
            slider.focus()
            slider.press("End")
            expect(slider).to_have_attribute("aria-valuenow", "1")
            iterative = pg.locator(".v-input", has_text="Share of iterative practice")
            expect(iterative.locator(".v-slider__thumb-label")).to_have_text("1")
            pg.locator(".v-input", has_text="Apply it to every structure").locator("label").click()
            posts = pg.get_by_role("slider", name="SIAE posts (x the scenario's)")
            posts.focus()
            posts.press("ArrowRight")
            expect(posts).to_have_attribute("aria-valuenow", "1.1")
            pg.get_by_role("button", name="Reset").click()
            expect(levers).to_contain_text("iterative practice: 1.00 everywhere")
            expect(levers).to_contain_text("SIAE posts: x1.10")
            expect(caption).to_contain_text("no month run yet")
            empty = _chart_shot(chart)

            # Step twice: the chart (its pixels) and its caption follow the run.
            step = pg.get_by_role("button", name="Step")
            step.click()
            expect(caption).to_contain_text("month 0:")
            first = _chart_shot(chart, differs_from=empty)
            step.click()
            expect(caption).to_contain_text("month 1:")
            expect(pg.locator(".parcours-caption-indicators")).to_contain_text("month 1:")
            expect(levers).to_contain_text("month 1 (months 0 to 59)")  # the same month
            _chart_shot(chart, differs_from=first)
            expect(pg.get_by_text("error in step")).to_have_count(0)
        finally:
            browser.close()

    outside = sorted({u for u in requests if not _local(u, url)})
    assert requests and not outside, f"requests outside localhost: {outside}"
