"""The web console in headless Chromium against a real campaignd (see console-browser.sh).

Each run has its own temp directory and ports; the daemon and the second site's server are
stopped at the end whatever happened. Every wait is bounded (WebDriverWait, the log line).
"""
import http.server, json, os, re, shutil, signal, socket, struct, subprocess, sys, tempfile, threading, time, urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

KEY = "crm-secret-0123456789"
failures = []


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what, flush=True)
    if not condition:
        failures.append(what)


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sipp(directory, calls):
    """A SIPp UAS answering `calls` calls (each hung up by the callee), ready once its port is bound."""
    scenario = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "deploy", "sipp", "uas-answer-hangup.xml")
    for _ in range(3):
        port = free_udp_port()
        log = open(os.path.join(directory, f"sipp-{port}.log"), "w")
        process = subprocess.Popen(["sipp", "-sf", scenario, "-i", "127.0.0.1", "-p", str(port), "-m", str(calls), "-nostdin",
                                    "-timeout", "90s", "-timeout_error"], cwd=directory, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and process.poll() is None:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    return process, port
            time.sleep(0.01)
        if process.poll() is None:
            process.kill()
            process.wait()
    raise SystemExit("SIPp did not start; see " + directory)


def start_daemon(binary, directory, sipp_port):
    config = {
        "trunks": [{"name": "nowhere", "host": "127.0.0.1", "port": free_udp_port()},
                   {"name": "sipp", "host": "127.0.0.1", "port": sipp_port}],
        "sip": {"bindAddress": "127.0.0.1", "port": 0, "t1Ms": 100},
        "limits": {"dialoutLimitPerSecond": 5},
        "defaults": {"trunk": "nowhere", "defaultCountryCode": "1", "caller": "+15550001111", "timezone": "UTC", "answerTimeoutSec": 2,
                     "window": {"start": "00:00", "end": "24:00"}, "maxRetryNo": 0},
        "api": {"listen": "127.0.0.1:0", "keys": [
            {"name": "crm", "secret": KEY, "scopes": ["calls", "campaigns", "read"]}]},
    }
    os.makedirs(os.path.join(directory, "campaigns", "lists"))
    with open(os.path.join(directory, "campaignd.json"), "w") as f:
        json.dump(config, f)
    log_path = os.path.join(directory, "daemon.log")
    log = open(log_path, "w")
    process = subprocess.Popen([binary, "run"], cwd=directory, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        with open(log_path) as f:
            for line in f:
                if "HTTP API listening" in line:
                    address = next(p for p in line.split() if p.startswith("address="))
                    return process, int(address.rsplit(":", 1)[1]), log_path
        time.sleep(0.02)
    process.kill()
    raise SystemExit("the daemon's API did not start within 30 s; see " + log_path)


def api(port, method, path, body=None, content_type=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                     data=body.encode() if body is not None else None,
                                     headers={"Authorization": "Bearer " + KEY, **({"Content-Type": content_type} if content_type else {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def other_site(target_port):
    """A page on http://localhost:PORT (another site than 127.0.0.1) whose form posts to the console's pause."""
    page = f"""<!doctype html><title>elsewhere</title>
<form id="f" method="post" action="http://127.0.0.1:{target_port}/v1/campaigns/spring/pause"></form>
<p id="ready">posting</p>""".encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def set_viewport(driver, width, height):
    """Sizes the window so that the page itself gets width x height (the window's own frame and bars
    take some of a window's size, even headless)."""
    driver.set_window_size(width, height)
    inner_width, inner_height = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    if (inner_width, inner_height) != (width, height):
        driver.set_window_size(2 * width - inner_width, 2 * height - inner_height)


def shoot(driver, shots, name, focus=None):
    """Screenshots with the page at both sizes; `focus` (an element id) is scrolled to the middle first."""
    for width, height in ((1280, 800), (390, 844)):
        set_viewport(driver, width, height)
        if focus:
            driver.execute_script("document.getElementById(arguments[0]).scrollIntoView({block: 'center'})", focus)
        path = os.path.join(shots, f"{name}-{width}x{height}.png")
        driver.save_screenshot(path)
        with open(path, "rb") as png:
            size = struct.unpack(">II", png.read(24)[16:24])
        check(size == (width, height), f"{name} screenshot is {width}x{height} (it is {size[0]}x{size[1]})")
    set_viewport(driver, 1280, 800)


def settled(read, tries=100):
    """`read()` again while the console's once-a-second refresh replaces the element it found."""
    for _ in range(tries):
        try:
            return read()
        except StaleElementReferenceException:
            time.sleep(0.02)
    return read()


def state_of(driver, campaign):
    return settled(lambda: driver.find_element(By.CSS_SELECTOR, f'tr[data-id="{campaign}"] td.state').text)


def choose_file(driver, path):
    field = driver.find_element(By.ID, "upload-file")
    driver.execute_script("arguments[0].value = ''", field)
    field.send_keys(path)


def upload(driver, wait, port, directory, shots):
    """A new campaign's CSV with one bad row (refused, every problem listed, nothing imported), the
    fixed file (checked, then imported on confirm), and a contacts CSV onto an existing campaign."""
    bad = os.path.join(directory, "autumn-bad.csv")
    with open(bad, "w") as f:
        f.write("target,name\n5551230020,Ann\nnot-a-number,Bob\n5551230022,Cy\n")
    choose_file(driver, bad)
    driver.find_element(By.ID, "upload-id").send_keys("autumn")
    driver.find_element(By.ID, "upload-check").click()
    problem = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#upload-errors li")))
    check("line 3" in problem.text and "field target" in problem.text,
          f"a CSV with one bad row: its problem is shown with its line and field ({problem.text!r})")
    check(not driver.find_element(By.ID, "upload-confirm").is_displayed(), "no Import button for a file with problems")
    check(api(port, "GET", "/v1/campaigns/autumn")[0] == 404, "nothing of the bad file is imported")
    shoot(driver, shots, "upload-refused", "upload-errors")

    good = os.path.join(directory, "autumn.csv")
    with open(good, "w") as f:
        f.write("target,name\n5551230020,Ann\n5551230021,Bob\n5551230022,Cy\n")
    choose_file(driver, good)
    driver.find_element(By.ID, "upload-check").click()
    confirm = wait.until(EC.visibility_of_element_located((By.ID, "upload-confirm")))
    result = driver.find_element(By.ID, "upload-result").text
    check("valid" in result and "3 contacts" in result and driver.find_elements(By.CSS_SELECTOR, "#upload-errors li") == [],
          f"the fixed file is checked valid, no problems listed ({result!r})")
    check(api(port, "GET", "/v1/campaigns/autumn")[0] == 404, "checking imports nothing before the confirm")
    shoot(driver, shots, "upload-checked", "upload-result")
    confirm.click()
    wait.until(lambda d: "Imported" in d.find_element(By.ID, "upload-result").text)
    status, body = api(port, "GET", "/v1/campaigns/autumn")
    check(status == 200 and body.get("total") == 3, f"Import imports the fixed file ({status} {body})")
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, 'tr[data-id="autumn"]')))
    check(True, "the imported campaign appears in the table")
    shoot(driver, shots, "upload-imported", "upload-result")

    # A file dropped on the drop zone (a drop event with a DataTransfer, as a drag from the desktop makes).
    driver.execute_script("""
        const transfer = new DataTransfer();
        transfer.items.add(new File(["target\\n5551230030\\nnope\\n"], "dropped.csv", {type: "text/csv"}));
        document.getElementById("drop").dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
    """)
    driver.find_element(By.ID, "upload-id").send_keys("dropped")
    driver.find_element(By.ID, "upload-check").click()
    problem = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#upload-errors li")))
    check("dropped.csv" in driver.find_element(By.ID, "upload-result").text and "line 3" in problem.text,
          f"a dropped file is checked like a chosen one ({problem.text!r})")
    check(api(port, "GET", "/v1/campaigns/dropped")[0] == 404, "nothing of the dropped bad file is imported")
    driver.find_element(By.ID, "upload-id").clear()

    contacts = os.path.join(directory, "spring-more.csv")
    with open(contacts, "w") as f:
        f.write("target\n5551230013\n")
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, '#upload-target option[value="spring"]')))
    Select(driver.find_element(By.ID, "upload-target")).select_by_value("spring")
    choose_file(driver, contacts)
    driver.find_element(By.ID, "upload-check").click()
    wait.until(EC.visibility_of_element_located((By.ID, "upload-confirm"))).click()
    wait.until(lambda d: "Imported" in d.find_element(By.ID, "upload-result").text)
    check(api(port, "GET", "/v1/campaigns/spring")[1].get("total") == 4, "a contacts CSV is added to the campaign chosen")


def progress_against_sipp(driver, wait, port, directory, sipp, shots):
    """A JSON campaign uploaded through the console, dialed through SIPp: its bar reaches 100 %."""
    path = os.path.join(directory, "summer.json")
    with open(path, "w") as f:
        json.dump({"id": "summer", "trunk": "sipp", "contacts": [{"target": f"555123004{i}"} for i in range(3)]}, f)
    Select(driver.find_element(By.ID, "upload-target")).select_by_value("")
    choose_file(driver, path)
    driver.find_element(By.ID, "upload-check").click()
    wait.until(EC.visibility_of_element_located((By.ID, "upload-confirm"))).click()
    wait.until(lambda d: "Imported into summer" in d.find_element(By.ID, "upload-result").text)
    bar = '#campaigns tr[data-id="summer"] .bar'
    try:
        WebDriverWait(driver, 60, ignored_exceptions=[StaleElementReferenceException]).until(lambda d: (d.find_element(By.CSS_SELECTOR, bar).get_attribute("aria-label") or "").startswith("100% finished: 3 done"))
    except TimeoutException:
        pass
    label = settled(lambda: driver.find_element(By.CSS_SELECTOR, bar).get_attribute("aria-label"))
    check(label.startswith("100% finished: 3 done"), f"a JSON campaign uploaded in the console reaches 100 % against SIPp ({label!r})")
    answer = settled(lambda: driver.find_element(By.CSS_SELECTOR, '#campaigns tr[data-id="summer"] td.answer').text)
    check(answer == "100.0 % of 3", f"its answer rate is shown ({answer!r})")
    shoot(driver, shots, "campaigns-done", "campaigns")
    try:
        code = sipp.wait(timeout=30)
    except subprocess.TimeoutExpired:
        code = None
    check(code == 0, f"SIPp answered every call and exited 0 ({code})")


def do_not_call(driver, wait, port, shots):
    """The do-not-call list: a bad number refused with its line, nothing added; add; remove (confirmed)."""
    box = driver.find_element(By.ID, "dnc-targets")
    box.send_keys("5551230050\nnot-a-number")
    driver.find_element(By.ID, "dnc-add").click()
    problem = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#dnc-errors li")))
    check(problem.text.startswith("line 2:"), f"a bad number is refused with its line ({problem.text!r})")
    check(api(port, "GET", "/v1/dnc")[1].get("entries") == [], "nothing of the refused list is added")
    box.clear()
    box.send_keys("5551230050")
    driver.find_element(By.ID, "dnc-source").send_keys("complaint")
    driver.find_element(By.ID, "dnc-add").click()
    row = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, '#dnc-list tr[data-target="+15551230050"]')))
    entries = api(port, "GET", "/v1/dnc")[1].get("entries")
    check("complaint" in row.text and [e.get("target") for e in entries] == ["+15551230050"],
          f"a number is added to the do-not-call list ({row.text!r})")
    shoot(driver, shots, "dnc", "dnc")
    row.find_element(By.TAG_NAME, "button").click()
    wait.until(EC.alert_is_present()).accept()
    wait.until(EC.invisibility_of_element_located((By.CSS_SELECTOR, '#dnc-list tr[data-target="+15551230050"]')))
    check(api(port, "GET", "/v1/dnc")[1].get("entries") == [], "Remove, confirmed, takes it off the list")


def campaign_page(driver, port, shots):
    """spring's page: its settings, its calls as their CDRs are written, and the CSV download."""
    driver.find_element(By.CSS_SELECTOR, 'tr[data-id="spring"] td.name a').click()
    slow = WebDriverWait(driver, 30, ignored_exceptions=[StaleElementReferenceException])
    slow.until(EC.visibility_of_element_located((By.ID, "campaign")))
    slow.until(lambda d: "maxRetryNo" in d.find_element(By.ID, "campaign-settings").text)
    check("Campaign spring" in driver.find_element(By.ID, "campaign-title").text and not driver.find_element(By.ID, "overview").is_displayed(),
          "the campaign's link opens its page")
    settings = driver.find_element(By.ID, "campaign-settings").text
    check("caller" in settings and "+15550001111" in settings, f"the page shows the campaign's settings ({settings[:80]!r})")
    # Its calls fail on the silent trunk within seconds; the page polls and shows their CDRs.
    # The row's text is read inside the wait: the page's 2 s refresh may replace the row between
    # finding it and reading it (a stale read is tried again).
    row_text = slow.until(lambda d: d.find_element(By.CSS_SELECTOR, "#cdrs tbody tr[data-cdr-id]:not([data-cdr-id=''])").text)
    check("+1555123" in row_text and "failed" in row_text, f"the latest CDRs stream in ({row_text!r})")
    # The reason cell says why as well as the code, and the start time reads as a local clock
    # with the CDR's own UTC time on hover, as the CDR has them.
    cdr_id = slow.until(lambda d: d.find_element(By.CSS_SELECTOR, "#cdrs tbody tr[data-cdr-id]:not([data-cdr-id=''])").get_attribute("data-cdr-id"))
    cookie = driver.get_cookie("campaignd_session")["value"]
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/cdrs?campaign=spring",
                                     headers={"Cookie": "campaignd_session=" + cookie})
    with urllib.request.urlopen(request, timeout=10) as response:
        records = [json.loads(line) for line in response.read().decode().splitlines() if line.strip()]
    record = next((r for r in records if r.get("cdrId") == cdr_id), None)
    # Read in one go (the page's 2 s refresh replaces the rows; a stale read is tried again).
    def shown(d):
        cells = d.find_element(By.CSS_SELECTOR, f'#cdrs tbody tr[data-cdr-id="{cdr_id}"]').find_elements(By.TAG_NAME, "td")
        return cells[0].text, cells[0].get_attribute("title"), cells[4].text
    started, started_utc, reason = slow.until(shown)
    check(record is not None and bool(record.get("reason")) and reason.splitlines() == [record["reasonCode"], record["reason"]],
          f"the reason cell shows the code and why ({reason!r} for {record and (record.get('reasonCode'), record.get('reason'))})")
    check(record is not None and started_utc == record["startTime"]
          and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", started) is not None,
          f"the start time reads as a local clock with the UTC time on hover ({started!r}, {started_utc!r})")
    link = driver.find_element(By.ID, "cdrs-download")
    href = link.get_attribute("href")
    check(href.endswith("/v1/cdrs?campaign=spring&format=csv") and link.get_attribute("download") == "spring-cdrs.csv",
          f"the download link asks the API for spring's CDRs as CSV ({href})")
    # What the link downloads, fetched with the browser's own session cookie (no key).
    cookie = driver.get_cookie("campaignd_session")["value"]
    request = urllib.request.Request(href, headers={"Cookie": "campaignd_session=" + cookie})
    with urllib.request.urlopen(request, timeout=10) as response:
        lines = response.read().decode().splitlines()
        kind = response.headers.get("Content-Type")
    check(kind == "text/csv" and lines[0].startswith("outboundCall,cdrId,") and len(lines) >= 2
          and all(",spring," in line for line in lines[1:]),
          f"the download is spring's CDRs as CSV ({len(lines) - 1} rows)")
    frame = driver.find_element(By.ID, "report")
    check(frame.get_attribute("src").endswith("/v1/campaigns/spring/report?format=html"), "the page frames spring's HTML report")
    driver.switch_to.frame(frame)
    try:
        heading = WebDriverWait(driver, 10, ignored_exceptions=[StaleElementReferenceException]).until(EC.presence_of_element_located((By.TAG_NAME, "h1"))).text
    except TimeoutException:
        heading = ""
    driver.switch_to.default_content()
    check("Campaign spring" in heading, f"the framed report is spring's ({heading!r})")
    # Opened before spring's first call ended; refreshed, it counts the attempts since.
    driver.find_element(By.ID, "report-refresh").click()
    frame = driver.find_element(By.ID, "report")
    try:
        WebDriverWait(driver, 10, ignored_exceptions=[StaleElementReferenceException]).until(lambda d: "&at=" in frame.get_attribute("src"))
        driver.switch_to.frame(frame)
        WebDriverWait(driver, 10, ignored_exceptions=[StaleElementReferenceException]).until(lambda d: re.search(r"Attempts\s+[1-9]", d.find_element(By.TAG_NAME, "body").text))
        counted = True
    except TimeoutException:
        counted = False
    driver.switch_to.default_content()
    check(counted, "Refresh the report: it counts spring's finished attempts")
    shoot(driver, shots, "campaign")
    shoot(driver, shots, "campaign-report", "report")
    shoot(driver, shots, "campaign-cdrs", "cdrs")
    driver.find_element(By.LINK_TEXT, "← All campaigns").click()
    WebDriverWait(driver, 10, ignored_exceptions=[StaleElementReferenceException]).until(EC.visibility_of_element_located((By.ID, "overview")))


def main():
    # A SIGTERM (the Swift wrapper's timeout) ends the run through the finally below, which stops
    # the daemon, the browser and the second site.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    binary, shots = sys.argv[1], sys.argv[2]
    directory = tempfile.mkdtemp(prefix="campaignd-console-")
    sipp, sipp_port = start_sipp(directory, 3)
    daemon, port, log_path = start_daemon(binary, directory, sipp_port)
    elsewhere = other_site(port)
    driver = None
    try:
        status, body = api(port, "POST", "/v1/campaigns?id=spring", "target\n5551230010\n5551230011\n5551230012\n", "text/csv")
        check(status == 201, f"campaign spring created through the API ({status} {body})")

        options = webdriver.ChromeOptions()
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800"):
            options.add_argument(argument)
        options.binary_location = shutil.which("chromium")
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
        wait = WebDriverWait(driver, 10, ignored_exceptions=[StaleElementReferenceException])
        base = f"http://127.0.0.1:{port}"

        driver.get(base + "/")
        check(driver.find_elements(By.ID, "key") != [], "GET / shows the login form")
        shoot(driver, shots, "login")

        driver.find_element(By.ID, "key").send_keys("wrong-secret-0123456789")
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        error = wait.until(EC.presence_of_element_located((By.ID, "login-error")))
        check("not valid" in error.text, f"a wrong key is refused with a message ({error.text!r})")
        check(driver.get_cookie("campaignd_session") is None, "a wrong key sets no cookie")
        shoot(driver, shots, "login-refused")

        driver.find_element(By.ID, "key").send_keys(KEY)
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, 'tr[data-id="spring"]')))
        check(True, "the right key opens the console with campaign spring in its table")
        cookie = driver.get_cookie("campaignd_session") or {}
        check(cookie.get("httpOnly") is True and cookie.get("sameSite") == "Strict" and cookie.get("path") == "/",
              f"the session cookie is HttpOnly, SameSite=Strict, Path=/ ({ {k: cookie.get(k) for k in ('httpOnly', 'sameSite', 'path')} })")
        check(driver.execute_script("return document.cookie").find("campaignd_session") < 0, "the page's script cannot read the cookie")
        bar_label = settled(lambda: driver.find_element(By.CSS_SELECTOR, 'tr[data-id="spring"] .bar').get_attribute("aria-label") or "")
        check("%" in bar_label, f"the progress bar is labelled ({bar_label!r})")
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, 'tr[data-trunk="nowhere"]')))
        version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
        check(version == "campaignd " + settled(lambda: driver.find_element(By.ID, "health-version").text),
              f"Health shows the version ({version!r})")
        check(settled(lambda: driver.find_element(By.ID, "health-calls").text.isdigit() and driver.find_element(By.ID, "health-webhooks").text == "0"),
              "Health shows calls in progress and an empty webhook backlog")
        trunk = settled(lambda: driver.find_element(By.CSS_SELECTOR, 'tr[data-trunk="nowhere"]').text)
        check("does not register" in trunk and "up to 5/s" in trunk, f"Health lists the trunk ({trunk!r})")
        rate, rate_label = settled(lambda: (lambda cell: (cell.text, cell.get_attribute("data-label")))(
            driver.find_element(By.CSS_SELECTOR, 'tr[data-id="spring"] td.rate')))
        check(rate.isdigit() and rate_label == "Calls per minute", f"the table shows calls per minute ({rate!r})")
        check(all(driver.find_elements(By.CSS_SELECTOR, f'tr[data-id="spring"] td.{name}') for name in ("answer", "amd", "abandoned")),
              "the table has answer rate, AMD split and abandonment columns")
        shoot(driver, shots, "campaigns")

        upload(driver, wait, port, directory, shots)
        campaign_page(driver, port, shots)
        progress_against_sipp(driver, wait, port, directory, sipp, shots)
        do_not_call(driver, wait, port, shots)

        settled(lambda: driver.find_element(By.CSS_SELECTOR, 'tr[data-id="spring"] button[data-command="pause"]').click())
        try:
            wait.until(lambda d: state_of(d, "spring") == "paused")
        except TimeoutException:
            pass
        check(state_of(driver, "spring") == "paused" and api(port, "GET", "/v1/campaigns/spring")[1].get("state") == "paused",
              "Pause pauses the campaign (the table and the API agree)")
        shoot(driver, shots, "campaigns-paused")

        # Another site's page posting to the console: the browser sends no SameSite=Strict cookie,
        # and without the CSRF token the API would refuse it anyway.
        settled(lambda: driver.find_element(By.CSS_SELECTOR, 'tr[data-id="spring"] button[data-command="resume"]').click())
        try:
            wait.until(lambda d: state_of(d, "spring") == "active")
        except TimeoutException:
            pass
        check(api(port, "GET", "/v1/campaigns/spring")[1].get("state") == "active", "Resume resumes it")
        driver.get(f"http://localhost:{elsewhere.server_address[1]}/")
        driver.execute_script("document.getElementById('f').submit()")
        wait.until(lambda d: d.current_url.startswith(base))
        refused = driver.find_element(By.TAG_NAME, "body").text
        check(api(port, "GET", "/v1/campaigns/spring")[1].get("state") == "active" and ("unauthorized" in refused or "csrf" in refused),
              f"a cross-site form post is refused and changes nothing ({refused[:80]!r})")

        driver.get(base + "/")
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, 'tr[data-id="spring"] button[data-command="cancel"]')))
        settled(lambda: driver.find_element(By.CSS_SELECTOR, 'tr[data-id="spring"] button[data-command="cancel"]').click())
        wait.until(EC.alert_is_present()).accept()
        try:
            wait.until(lambda d: state_of(d, "spring") == "cancelled")
        except TimeoutException:
            pass
        check(api(port, "GET", "/v1/campaigns/spring")[1].get("state") == "cancelled", "Cancel, confirmed, cancels it")

        with open(log_path) as f:
            check(KEY not in f.read(), "the key is not in the daemon's log")
    finally:
        if driver is not None:
            driver.quit()
        elsewhere.shutdown()
        if sipp.poll() is None:
            sipp.kill()
            sipp.wait()
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=10)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        shutil.rmtree(directory, ignore_errors=True)
    print(f"screenshots in {shots}")
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        sys.exit(1)
    print("every check passed")


if __name__ == "__main__":
    main()
