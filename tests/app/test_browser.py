"""The dashboard in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`) drives a
running `streamlit run app.py`: every page opens, a typed tweet gets its prediction, an image and a CSV are
uploaded, a small network trains, and each page is saved as a screenshot in screenshots/ (git-ignored; the
README's copies are in docs/screenshots/)."""

import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from app_pages.shared import EMOTION_COLOURS, MODEL_COLOURS
from emotions import EMOTIONS
from evaluation.runs import RUNS_ENV_VAR

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "screenshots"
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
WIDTH, HEIGHT = 1280, 1600
TWEET = "I am so furious right now, this is an outrage #angry"

pytestmark = [
    pytest.mark.slow,
    # CI must run it (.ci/run installs Chromium): there a missing browser fails the test instead.
    pytest.mark.skipif(not (CHROMIUM and DRIVER) and not os.environ.get("CI"),
                       reason="headless Chromium is not installed; install it with "
                              "`apt-get install -y chromium chromium-driver` (Debian; .ci/run does this)"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`streamlit run app.py` on a free loopback port, with an empty runs folder; always stopped."""
    port = free_port()
    env = dict(os.environ, **{RUNS_ENV_VAR: str(tmp_path_factory.mktemp("runs"))})
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.address",
         "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.read() == b"ok":
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"streamlit did not start:\n{log.read().decode(errors='replace')}")
                time.sleep(0.25)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and DRIVER):
        pytest.fail("CI is set but chromium or chromedriver is missing: .ci/run should have installed them")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # The machine's closed network refuses Chromium's background connections: switch them off.
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--window-size={WIDTH},{HEIGHT}"):
        options.add_argument(flag)
    profile = tempfile.TemporaryDirectory()
    options.add_argument(f"--user-data-dir={profile.name}")
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)  # a given driver: nothing is downloaded
    try:
        yield driver
    finally:
        driver.quit()
        profile.cleanup()


def wait_for(driver, condition, seconds=120, what="the page"):
    # Streamlit replaces elements as it reruns: an element found a moment ago may be gone; look again.
    return WebDriverWait(driver, seconds, poll_frequency=0.25, ignored_exceptions=[StaleElementReferenceException]
                         ).until(lambda d: condition(d), message=f"timed out waiting for {what}")


def texts(driver, selector) -> list[str]:
    """The visible text of every element matching `selector`, read in one step in the page."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]), e => e.innerText.trim())", selector)


def idle(driver) -> bool:
    """No script run in progress (Streamlit shows its 'Running…' widget while one is)."""
    return not driver.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]')


def screenshot(driver, name: str) -> Path:
    """The page as a palette PNG (a few hundred kB at most, small enough to commit)."""
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / f"{name}.png"
    # Streamlit scrolls its main block, not the document: make the window as tall as that block's content.
    height = driver.execute_script("return document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    driver.set_window_size(WIDTH, min(height + 150, 5000))
    time.sleep(0.5)  # let the charts lay themselves out again at the new size
    image = Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("RGB")
    driver.set_window_size(WIDTH, HEIGHT)
    with_palette(image).save(path, optimize=True)
    return path


# The pages' own colours, and as Vega draws its points (at opacity 0.7, on white).
SHOWN = [tuple(int(code[i:i + 2], 16) for i in (1, 3, 5)) for code in [*MODEL_COLOURS, *EMOTION_COLOURS.values()]]
SHOWN += [tuple(round(0.7 * v + 0.3 * 255) for v in colour) for colour in SHOWN]


def with_palette(image: Image.Image) -> Image.Image:
    """`image` in 256 colours: the pages' own (`SHOWN`) and the rest chosen by median cut. Median cut alone (128)
    spent the palette on the page's greys: in the README's Compare picture the default model's blue and the
    WASSA specialist's pink came out grey, `zoo/every_query_word`'s orange as `zoo/text_net`'s red."""
    rest = image.quantize(colors=256 - len(SHOWN), method=Image.Quantize.MEDIANCUT)
    palette = Image.new("P", (1, 1))
    palette.putpalette(rest.getpalette()[:3 * (256 - len(SHOWN))] + [v for colour in SHOWN for v in colour])
    return image.quantize(palette=palette, dither=Image.Dither.NONE)


def test_the_screenshots_keep_the_charts_colours():
    """A page of greys with a dot of each chart colour, as the Compare page is: every colour comes back as it was,
    but for the few levels Pillow's palette lookup rounds away."""
    page = Image.new("RGB", (400, 300), "white")
    for i in range(300):  # the greys of text and grid lines, which median cut favoured
        page.paste((i % 256,) * 3, (i, 0, i + 1, 250))
    for i, colour in enumerate(SHOWN):
        page.paste(colour, (8 * i, 260, 8 * i + 6, 266))
    kept = with_palette(page).convert("RGB")
    came_back = [kept.getpixel((8 * i + 2, 262)) for i in range(len(SHOWN))]
    assert max(abs(a - b) for shown, back in zip(SHOWN, came_back) for a, b in zip(shown, back)) <= 8, came_back


def upload(driver, index: int, path: Path) -> None:
    """Sends a file to the page's `index`-th file uploader (its hidden <input type=file>)."""
    inputs = wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, 'input[type="file"]'), what="an uploader")
    inputs[index].send_keys(str(path))


def click_button(driver, label: str) -> None:
    wait_for(driver, lambda d: d.execute_script(
        "const b = Array.from(document.querySelectorAll('button'))"
        "  .find(b => b.innerText.trim() === arguments[0] && !b.disabled);"
        "if (b) { b.click(); return true; } return false;", label), what=f"the button {label!r}")


def test_every_page_in_a_real_browser(server, browser, tmp_path):
    started = time.monotonic()
    browser.get(server)
    area = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, 'textarea[aria-label="Tweet"]'),
                    what="the Predict page's text box")[0]
    area.send_keys(TWEET)
    area.send_keys(Keys.CONTROL, Keys.ENTER)  # Streamlit takes a text area's value on Ctrl+Enter
    metric = wait_for(browser, lambda d: [t for t in texts(d, '[data-testid="stMetricValue"]') if t in EMOTIONS],
                      what="the predicted emotion")
    assert metric == ["anger"]
    with zipfile.ZipFile(ROOT / "data" / "samples" / "faces_sample.zip") as faces:
        (tmp_path / "face.png").write_bytes(faces.read("faces/joy_1.png"))
    upload(browser, 0, tmp_path / "face.png")
    wait_for(browser, lambda d: "The image" in texts(d, "h3"), what="the image section")
    wait_for(browser, idle)
    screenshot(browser, "predict")

    browser.get(f"{server}/batch")
    upload(browser, 0, ROOT / "data" / "samples" / "tweets_sample.csv")
    click_button(browser, "Score")
    wait_for(browser, lambda d: any(t == "Download the scored file" for t in texts(d, "button")),
             what="the download button")
    counts = wait_for(browser, lambda d: len(texts(d, '[data-testid="stMetricValue"]')) == 4 and
                      texts(d, '[data-testid="stMetricValue"]'), what="the four counts")
    assert counts == ["40", "40", "0", "0"]
    wait_for(browser, idle)
    screenshot(browser, "batch")

    browser.get(f"{server}/compare")  # a fresh clone: the shipped default model and the zoo, no runs of one's own
    listed = wait_for(browser, lambda d: [t for t in texts(d, "p") if " models: default (shipped)" in t],
                      seconds=300, what="the list of models")
    assert int(listed[0].split()[0]) >= 6 and "zoo/" in listed[0]
    wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, '[data-testid="stVegaLiteChart"]')) >= 2,
             seconds=120, what="the heat map and the speed chart")
    wait_for(browser, idle)
    screenshot(browser, "compare_first")

    browser.get(f"{server}/train")
    click_button(browser, "Train")
    # The page's button, in stMain: Streamlit's status widget in the header has a "Stop" of its own (it ends the
    # script run in progress, not the training) while a run or a poll of the curves has lasted 500 ms.
    wait_for(browser, lambda d: "Stop training" in texts(d, '[data-testid="stMain"] button'), what="training to start")
    done = wait_for(browser, lambda d: [t for t in texts(d, '[data-testid="stAlertContentSuccess"]')
                                        if t.startswith(("Finished", "Stopped"))], seconds=300, what="training")
    assert "it is on the Compare page" in done[0]
    # The page reruns once more when the job ends; until then the curves of the last poll may show twice.
    wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, '[data-testid="stVegaLiteChart"]')) == 2,
             seconds=60, what="the two curves")
    screenshot(browser, "train")

    browser.get(f"{server}/compare")
    wait_for(browser, lambda d: any(t.startswith("Where they disagree") for t in texts(d, "p")), seconds=300,
             what="the side-by-side comparison")
    assert "Every saved model" in texts(browser, "h3")
    # Vega-Lite charts mount a moment after the text around them: wait for them rather than count at once.
    wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, '[data-testid="stVegaLiteChart"]')) >= 4,
             seconds=120, what="the charts of the Compare page")
    wait_for(browser, idle)
    screenshot(browser, "compare")
    print(f"browser test: {time.monotonic() - started:.0f} s from the first page to the last screenshot")


# Labels Streamlit shortens with "…" when their column is too narrow for them (a checkbox's, for one).
CUT_OFF = """return Array.from(document.querySelectorAll('[data-testid="stMain"] [data-testid="stMarkdownContainer"]'))
    .filter(e => getComputedStyle(e).textOverflow === 'ellipsis' && e.scrollWidth > e.clientWidth)
    .map(e => e.innerText.trim())"""


def test_no_label_of_the_train_page_is_cut_off(server, browser):
    """A browser pass found "Score on the bundled test sets whe…" beside the seed, in a 1280-pixel window."""
    try:
        for width in (WIDTH, 900):  # 900: the narrowest window the pages are laid out for, the sidebar open
            browser.set_window_size(width, HEIGHT)
            browser.get(f"{server}/train")
            wait_for(browser, lambda d: "Seed" in texts(d, '[data-testid="stWidgetLabel"]'), what="the settings")
            wait_for(browser, idle)
            assert browser.execute_script(CUT_OFF) == [], f"cut off in a {width}-pixel window"
    finally:
        browser.set_window_size(WIDTH, HEIGHT)
