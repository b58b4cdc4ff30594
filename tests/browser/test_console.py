#!/usr/bin/env python3
"""The console (`callsift serve`) in a real browser: headless chromium driven by chromedriver.

Run by tests/browser/run.sh, which fills a database of its own (the demo plus a hostile call),
starts the server and passes its URL, the token file and the hostile call's texts. Uses only the
hooks of the console's contract (URLs, forms, DOM ids and classes). Checks, in order:

  no_session    GET without a session: 401 with the login page (over HTTP), and the browser shows
                form#login; a wrong token shows .flash.error; security headers on the 401
  login         the token and a name log in: /features, cookie cs_session HttpOnly SameSite=Strict
  headers       CSP without inline script or style, nosniff, no-store, no-referrer on pages and
                assets; a bearer token reads a page
  features      table#features lists the features: links, counts, sparklines, changes
  filter_theme  select[name=theme] + submit: every row's td.theme is that theme, fewer rows
  feature       a.feature-link opens the feature: h1, its mentions, decisions, history, forms
  merge_undo    form#merge moves the mentions to the target and hides the source from /features;
                form.undo in section#history brings both back as they were
  review_band   form.band-approve on /review: .flash.ok and the band's pending count drops
  hostile       the hostile call's title, quote and speaker show as text on the feature page and
                /calls; no element with onerror/onload, no inline script, no javascript: link,
                no alert; the raw HTML holds them escaped
  csrf          POSTs without the CSRF token (or with a wrong one) answer 403 and change nothing
                (the database's curation actions, labels and features are the same); the same
                POST with the page's token is accepted
  pages         the nav links to trends, themes, customers and calls, each with its hook
  downloads     a#download-csv and a#download-markdown of /features
  logout        form#logout ends the session: the login page, and the old cookie answers 401;
                logging in from /review leads back there, a next= to another site to /features
  no_javascript a second browser with JavaScript off logs in, filters by theme, sets a
                feature's status through form#status and undoes it (pages work without scripts)
  console_log   the browser logged no error (CSP violations, failed assets) on any page

On every page loaded, no alert may be open and no element may carry onerror/onload. Each check
runs even when an earlier one failed (except after a failed login); the summary lists them all.
Screenshots (full page) of features, feature, review, trends, themes, customers, calls and
login land in --artifacts. Exits 0 when every check passed, 1 otherwise.
"""
import argparse
import base64
import http.client
import os
import re
import subprocess
import sys
import time
import traceback
import urllib.parse

from selenium import webdriver
from selenium.common.exceptions import (NoAlertPresentException, NoSuchElementException,
                                        StaleElementReferenceException, TimeoutException,
                                        UnexpectedAlertPresentException, WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

UUID_RE = re.compile(r"/features/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")
LOAD_WAIT = 10  # seconds: a page the server rendered is there once loaded
SUBMIT_WAIT = 30  # seconds: a form's POST, its redirect and the next page
SHOT_MAX_HEIGHT = 12000  # pixels: longer pages are cut


class Failure(Exception):
    pass


def expect(cond, message):
    if not cond:
        raise Failure(message)


class Console:
    def __init__(self, args, javascript=True):
        self.args = args
        self.javascript = javascript
        self.base = args.url.rstrip("/")
        parsed = urllib.parse.urlsplit(self.base)
        self.host, self.port = parsed.hostname, parsed.port
        with open(args.token_file, encoding="utf-8") as f:
            self.token = f.read().strip()
        self.console_errors = []
        self.driver = None

    # ---- the browser ----------------------------------------------------------------------
    def start(self):
        opts = webdriver.ChromeOptions()
        opts.binary_location = self.args.chromium
        profile = self.args.profile + ("" if self.javascript else "-nojs")
        for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                  "--window-size=1366,900", "--no-first-run", "--disable-extensions",
                  "--user-data-dir=" + profile, "--lang=en-US"):
            opts.add_argument(a)
        if not self.javascript:  # the page's scripts are off; WebDriver's still run
            opts.add_experimental_option(
                "prefs", {"profile.managed_default_content_settings.javascript": 2})
        # An alert stays open (instead of being dismissed by the next command), so that
        # no_alert() finds it; the browser's console is kept for console_log.
        opts.set_capability("unhandledPromptBehavior", "ignore")
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = Service(executable_path=self.args.chromedriver,
                          log_path=profile + "-chromedriver.log")
        self.driver = webdriver.Chrome(service=service, options=opts)
        self.driver.set_window_size(1366, 900)
        self.driver.set_page_load_timeout(60)

    def stop(self):
        if self.driver is not None:
            try:
                self.driver.quit()
            except WebDriverException:
                pass

    def path(self):
        return urllib.parse.urlsplit(self.driver.current_url).path

    def state(self):
        """Where the browser is, for failure messages: URL, h1, flash, the start of the text."""
        d = self.driver
        parts = [d.current_url]
        try:
            h1 = d.find_elements(By.TAG_NAME, "h1")
            if h1:
                parts.append("h1 '%s'" % h1[0].text)
            for fl in d.find_elements(By.CSS_SELECTOR, ".flash"):
                parts.append("flash '%s'" % fl.text)
            if d.find_elements(By.CSS_SELECTOR, "form#login"):
                parts.append("(the login page)")
            body = d.find_element(By.TAG_NAME, "body").text.strip().replace("\n", " | ")
            parts.append("text '%s'" % body[:200])
        except WebDriverException as e:
            parts.append("(page unreadable: %s)" % str(e).splitlines()[0])
        return "; ".join(parts)

    def dismiss_alerts(self):
        """Close every open alert; their texts."""
        texts = []
        for _ in range(20):
            try:
                alert = self.driver.switch_to.alert
                texts.append(alert.text)
                alert.accept()
            except NoAlertPresentException:
                break
        return texts

    def no_alert(self, where):
        try:
            alert = self.driver.switch_to.alert
            text = alert.text
            alert.accept()
        except NoAlertPresentException:
            return
        raise Failure("%s: a script ran and opened an alert ('%s')" % (where, text))

    def safe(self, where):
        """The page ran no injected script: no alert, no handler attributes, no javascript:."""
        self.no_alert(where)
        d = self.driver
        handlers = d.execute_script(
            "return Array.from(document.querySelectorAll('*')).filter(e => Array.from(e.attributes)"
            ".some(a => /^on/i.test(a.name))).map(e => e.outerHTML.slice(0, 120));")
        expect(not handlers, "%s: elements with event handler attributes (injected markup): %s"
               % (where, handlers[:3]))
        js_links = d.execute_script(
            "return Array.from(document.querySelectorAll('[href],[src],[action]')).map(e =>"
            " e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action'))"
            ".filter(v => /^\\s*javascript:/i.test(v));")
        expect(not js_links, "%s: javascript: URLs in links: %s" % (where, js_links[:3]))
        inline = d.execute_script(
            "return Array.from(document.scripts).filter(s => !s.src).map(s => s.text.slice(0, 80));")
        expect(not inline, "%s: inline <script> elements: %s" % (where, inline[:3]))
        self.collect_log()

    def collect_log(self):
        try:
            for entry in self.driver.get_log("browser"):
                msg = entry.get("message", "")
                # The login page's 401 is logged as a failed load: by design
                if (entry.get("level") == "SEVERE" and "favicon.ico" not in msg
                        and "status of 401" not in msg):
                    self.console_errors.append("%s: %s" % (self.driver.current_url, msg))
        except WebDriverException:
            pass

    def open(self, path, css, what):
        """GET path in the browser and wait for css; returns the element."""
        self.driver.get(self.base + path)
        el = self.wait(css, what, LOAD_WAIT)
        self.safe(path)
        return el

    def wait(self, css, what, timeout=LOAD_WAIT):
        try:
            return WebDriverWait(self.driver, timeout).until(
                EC.presence_of_element_located((By.CSS_SELECTOR, css)))
        except TimeoutException:
            raise Failure("%s: expected '%s', not there after %d s; the page: %s"
                          % (what, css, timeout, self.state())) from None

    def find(self, css, what, within=None):
        try:
            return (within or self.driver).find_element(By.CSS_SELECTOR, css)
        except NoSuchElementException:
            raise Failure("%s: expected '%s'; the page: %s" % (what, css, self.state())) from None

    def all(self, css, within=None):
        return (within or self.driver).find_elements(By.CSS_SELECTOR, css)

    def submit(self, form, what,
               button_css="button[type=submit], input[type=submit], button:not([type])"):
        """Click the form's submit button and wait until the next page has replaced this one."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        buttons = self.all(button_css, form)
        if buttons:
            buttons[0].click()
        else:
            form.submit()
        def replaced(_driver):
            # the old page is gone once its root can't be read; while it is being torn down
            # chromedriver may also say its node "does not belong to the document"
            try:
                old.is_enabled()
                return False
            except StaleElementReferenceException:
                return True
            except WebDriverException as e:
                if "does not belong to the document" in str(e):
                    return True
                raise

        try:
            WebDriverWait(self.driver, SUBMIT_WAIT).until(replaced)
            WebDriverWait(self.driver, SUBMIT_WAIT).until(
                lambda d: d.execute_script("return document.readyState") == "complete")
        except TimeoutException:
            raise Failure("%s: the form's submission led to no new page within %d s; the page: %s"
                          % (what, SUBMIT_WAIT, self.state())) from None
        self.safe(what)

    def flash_ok(self, what):
        errors = self.all("div.flash.error")
        expect(not errors, "%s: div.flash.error '%s'" % (what, errors[0].text if errors else ""))
        ok = self.all("div.flash.ok")
        expect(ok, "%s: expected div.flash.ok after the action; the page: %s" % (what, self.state()))
        return ok[0].text

    def shot(self, name):
        """A full-page screenshot into the artefact directory."""
        d = self.driver
        path = os.path.join(self.args.artifacts, name + ".png")
        try:
            m = d.execute_cdp_cmd("Page.getLayoutMetrics", {})
            size = m.get("cssContentSize") or m["contentSize"]
            width = max(1366, int(size["width"]))
            height = min(SHOT_MAX_HEIGHT, max(900, int(size["height"])))
            data = d.execute_cdp_cmd("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
            with open(path, "wb") as f:
                f.write(base64.b64decode(data["data"]))
        except WebDriverException as e:
            print("  (full-page screenshot failed: %s; the viewport instead)"
                  % str(e).splitlines()[0])
            d.save_screenshot(path)

    def session_cookie(self):
        c = self.driver.get_cookie("cs_session")
        expect(c is not None, "the browser holds no cs_session cookie")
        return c["value"]

    # ---- plain HTTP (statuses and headers the browser does not show) ---------------------
    def raw(self, method, path, fields=None, cookie=None, headers=None):
        """One request, redirects not followed: (status, headers dict lower-case, body text)."""
        h = dict(headers or {})
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        if cookie:
            h["Cookie"] = "cs_session=" + cookie
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read().decode("utf-8", "replace")
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            conn.close()

    def psql(self, sql):
        out = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d",
                              self.args.database_url, "-c", sql],
                             capture_output=True, text=True, check=False)
        expect(out.returncode == 0, "psql: %s" % out.stderr.strip())
        return out.stdout.strip()

    # ---- what pages show -----------------------------------------------------------------
    # One script per table: a WebDriver call per cell takes seconds on a long list.
    ROWS_JS = """
        return Array.from(document.querySelectorAll('table#features tr.feature')).map(tr => {
            const cell = c => { const e = tr.querySelector('td.' + c);
                                return e ? e.textContent.trim() : null; };
            const a = tr.querySelector('a.feature-link');
            return {link: a ? a.getAttribute('href') : null, name: a ? a.textContent.trim() : null,
                    mentions: cell('mentions'), customers: cell('customers'), mrr: cell('mrr'),
                    urgency: cell('urgency'), status: cell('status'), theme: cell('theme'),
                    change: cell('change'), spark: !!tr.querySelector('td.trend svg.spark')};
        });"""
    MENTIONS_JS = """
        return Array.from(document.querySelectorAll('section#mentions tr.mention')).map(tr => {
            const q = tr.querySelector('td.quote'), c = tr.querySelector('td.call');
            return [c ? c.innerText.trim() : '', q ? q.innerText.trim() : ''];
        });"""

    def feature_rows(self):
        """The rows of table#features on the current page: dicts of id, name, theme, mentions."""
        rows = self.driver.execute_script(self.ROWS_JS)
        for row in rows:
            expect(row["link"], "a row of table#features has no a.feature-link: %s" % row)
            m = UUID_RE.search(urllib.parse.urlsplit(row["link"]).path)
            expect(m, "a.feature-link of '%s' links to '%s', wanted /features/ID"
                   % (row["name"], row["link"]))
            row["id"] = m.group(1)
        return rows

    def mentions(self):
        """The mentions of the feature page shown: (call title, quote) pairs."""
        return [tuple(m) for m in self.driver.execute_script(self.MENTIONS_JS)]

    def open_feature(self, fid, what):
        self.open("/features/" + fid, "section#mentions", what)
        return self.find("h1", what).text.strip(), self.mentions()


class Checks:
    def __init__(self, c):
        self.c = c
        self.hostile_id = c.args.hostile_feature

    def no_session(self):
        c = self.c
        status, headers, body = c.raw("GET", "/features")
        expect(status == 401, "GET /features without a session: HTTP %d, wanted 401" % status)
        expect(re.search(r'<form[^>]*\bid="login"', body),
               "GET /features without a session: no <form id=\"login\"> in the 401 page")
        self.security_headers(headers, "the 401 login page")
        c.open("/features", "form#login", "the browser without a session")
        for css in ("input[name=token][type=password]", "input[name=name]",
                    "input[name=login_nonce][type=hidden]", "input[name=next][type=hidden]",
                    "button[type=submit]"):
            c.find("form#login " + css, "the login form")
        c.shot("login")
        form = c.find("form#login", "the login page")
        c.find("input[name=token]", "the login form", form).send_keys("not-the-token-0123456789")
        c.find("input[name=name]", "the login form", form).send_keys("Browser Tester")
        c.submit(form, "a wrong token")
        c.wait("form#login", "after a wrong token, the login page again")
        c.wait(".flash.error", "after a wrong token, an error")

    def login(self):
        c = self.c
        c.open("/features", "form#login", "the login page")
        form = c.find("form#login", "the login page")
        c.find("input[name=token]", "the login form", form).send_keys(c.token)
        name = c.find("input[name=name]", "the login form", form)
        name.clear()
        name.send_keys("Browser Tester")
        c.submit(form, "logging in with the token")
        c.wait("table#features", "after logging in, the Features page")
        expect(c.path() == "/features", "after logging in: %s, wanted /features" % c.path())
        cookie = c.driver.get_cookie("cs_session")
        expect(cookie is not None, "after logging in: no cs_session cookie in the browser")
        expect(cookie.get("httpOnly") is True, "cs_session is not HttpOnly: %s" % cookie)
        expect(cookie.get("sameSite") == "Strict", "cs_session is not SameSite=Strict: %s" % cookie)
        expect(cookie.get("path") == "/", "cs_session's path is %s, wanted /" % cookie.get("path"))

    def security_headers(self, headers, where):
        csp = headers.get("content-security-policy")
        expect(csp, "%s: no Content-Security-Policy header" % where)
        expect("unsafe-inline" not in csp and "unsafe-eval" not in csp,
               "%s: the Content-Security-Policy allows inline code: %s" % (where, csp))
        expect(re.search(r"(default-src|script-src)[^;]*'(self|none)'", csp),
               "%s: the Content-Security-Policy does not limit scripts to the server: %s"
               % (where, csp))
        expect(headers.get("x-content-type-options") == "nosniff",
               "%s: X-Content-Type-Options is %r, wanted nosniff"
               % (where, headers.get("x-content-type-options")))
        expect("no-store" in headers.get("cache-control", ""),
               "%s: Cache-Control is %r, wanted no-store" % (where, headers.get("cache-control")))
        expect(headers.get("referrer-policy") == "no-referrer",
               "%s: Referrer-Policy is %r, wanted no-referrer" % (where, headers.get("referrer-policy")))

    def headers(self):
        c = self.c
        cookie = c.session_cookie()
        status, headers, _ = c.raw("GET", "/features", cookie=cookie)
        expect(status == 200, "GET /features with the session: HTTP %d" % status)
        self.security_headers(headers, "GET /features")
        for asset, kind in (("/static/console.css", "text/css"), ("/static/console.js", "javascript")):
            status, headers, _ = c.raw("GET", asset, cookie=cookie)
            expect(status == 200, "GET %s: HTTP %d" % (asset, status))
            expect(kind in headers.get("content-type", ""),
                   "GET %s: Content-Type %r" % (asset, headers.get("content-type")))
            self.security_headers(headers, "GET " + asset)
        status, _, body = c.raw("GET", "/features", headers={"Authorization": "Bearer " + c.token})
        expect(status == 200 and 'id="features"' in body,
               "GET /features with Authorization: Bearer TOKEN: HTTP %d, wanted 200 with table#features"
               % status)
        status, _, _ = c.raw("GET", "/features", headers={"Authorization": "Bearer wrong" + c.token})
        expect(status == 401, "GET /features with a wrong bearer token: HTTP %d, wanted 401" % status)

    def features(self):
        c = self.c
        c.open("/features", "table#features", "the Features page")
        c.shot("features")
        for nav in ("features", "review", "trends", "themes", "customers", "calls"):
            link = c.find("nav a#nav-" + nav, "the navigation")
            expect(urllib.parse.urlsplit(link.get_attribute("href")).path == "/" + nav,
                   "a#nav-%s links to %s" % (nav, link.get_attribute("href")))
        c.find("form#logout", "the navigation's logout")
        rows = c.feature_rows()
        expect(len(rows) >= 4, "table#features has %d tr.feature, wanted the demo's features (>= 4)"
               % len(rows))
        for r in rows:
            expect(r["mentions"] is not None and r["mentions"].isdigit(),
                   "feature '%s': td.mentions is %r, wanted a number" % (r["name"], r["mentions"]))
            expect(r["spark"], "feature '%s': no svg.spark in td.trend" % r["name"])
            expect(r["change"] is not None and re.fullmatch(r"[+-]?\d+(\.\d+)?", r["change"]),
                   "feature '%s': td.change is %r, wanted +N, -N or 0" % (r["name"], r["change"]))
            for cell in ("customers", "mrr", "urgency", "status", "theme"):
                expect(r[cell] is not None, "feature '%s': no td.%s" % (r["name"], cell))
        expect(any(r["id"] == self.hostile_id for r in rows),
               "the hostile call's feature (%s) is not in table#features" % self.hostile_id)
        return "%d features" % len(rows)

    def filter_theme(self):
        c = self.c
        c.open("/features", "form#filters", "the Features page")
        rows = c.feature_rows()
        themes = [r["theme"] for r in rows if r["theme"]]
        expect(themes, "no row of table#features has a theme")
        theme = themes[0]
        expected = sum(1 for t in themes if t == theme)
        select = Select(c.find("form#filters select[name=theme]", "the filters"))
        chosen = [o for o in select.options if o.text.strip() == theme or o.get_attribute("value") == theme]
        expect(chosen, "select[name=theme] has no option '%s' (options: %s)"
               % (theme, [o.text for o in select.options]))
        value = chosen[0].get_attribute("value")
        select.select_by_value(value)
        c.submit(c.find("form#filters", "the filters"), "filtering by theme '%s'" % theme)
        c.wait("table#features", "the Features page filtered by theme '%s'" % theme)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(c.driver.current_url).query)
        expect(query.get("theme") == [value],
               "the filtered URL %s has no theme=%s" % (c.driver.current_url, theme))
        filtered = c.feature_rows()
        expect(filtered, "filtering by theme '%s' shows no tr.feature, wanted %d" % (theme, expected))
        wrong = [(r["name"], r["theme"]) for r in filtered if r["theme"] != theme]
        expect(not wrong, "filtering by theme '%s' shows rows of other themes: %s" % (theme, wrong[:3]))
        expect(len(filtered) == expected,
               "filtering by theme '%s' shows %d rows; the unfiltered list has %d of that theme"
               % (theme, len(filtered), expected))
        kept = Select(c.find("form#filters select[name=theme]", "the filtered page"))
        expect(kept.first_selected_option.get_attribute("value") == value,
               "after filtering, select[name=theme] shows '%s', not the theme filtered by ('%s')"
               % (kept.first_selected_option.text, theme))
        return "'%s': %d of %d rows" % (theme, len(filtered), len(rows))

    def feature(self):
        c = self.c
        c.open("/features", "table#features", "the Features page")
        rows = c.feature_rows()
        expect(rows, "table#features has no tr.feature")
        first = rows[0]
        link = c.find("table#features tr.feature a.feature-link", "the Features page")
        old = c.driver.find_element(By.TAG_NAME, "html")
        link.click()
        WebDriverWait(c.driver, SUBMIT_WAIT).until(EC.staleness_of(old))
        c.wait("section#mentions", "the page of feature '%s'" % first["name"])
        c.safe("the feature page")
        c.shot("feature")
        expect(c.path() == "/features/" + first["id"],
               "a.feature-link of '%s' led to %s" % (first["name"], c.path()))
        h1 = c.find("h1", "the feature page").text.strip()
        expect(h1 == first["name"], "the feature page's h1 is '%s', wanted '%s'" % (h1, first["name"]))
        trs = c.all("section#mentions tr.mention")
        # td.mentions counts the confident mentions (as `callsift report`); the page shows all
        expect(trs and len(trs) >= int(first["mentions"]),
               "feature '%s': %d tr.mention on its page, td.mentions on /features says %s"
               % (first["name"], len(trs), first["mentions"]))
        for tr in trs:
            for cell in ("td.quote", "td.speaker", "td.customer", "td.call", "td.date"):
                c.find(cell, "a mention (tr.mention) of '%s'" % first["name"], tr)
            quote = c.find("td.quote", "a mention", tr).text.strip()
            expect(quote, "a mention of '%s' has an empty td.quote" % first["name"])
            date = c.find("td.date", "a mention", tr).text.strip()
            expect(re.search(r"\d{4}-\d{2}-\d{2}", date),
                   "a mention of '%s' has td.date '%s', wanted YYYY-MM-DD" % (first["name"], date))
        gong = [a.get_attribute("href") for a in c.all("section#mentions tr.mention a.gong")]
        expect(any(h and h.startswith("https://app.gong.io/") for h in gong),
               "no mention of '%s' links to its call in Gong (a.gong): %s" % (first["name"], gong[:3]))
        c.find("section#decisions", "the feature page")
        c.find("section#history", "the feature page")
        for form in ("merge", "reject", "rename", "move", "status", "describe", "split"):
            f = c.find("form#" + form, "the feature page's actions")
            expect((f.get_attribute("method") or "").lower() == "post",
                   "form#%s is not method=post" % form)
            expect(c.all("input[name=csrf][type=hidden]", f), "form#%s has no hidden csrf input" % form)
        return "'%s', %d mentions" % (first["name"], len(trs))

    def merge_undo(self):
        c = self.c
        c.open("/features", "table#features", "the Features page")
        rows = [r for r in c.feature_rows() if r["id"] != self.hostile_id]
        expect(len(rows) >= 2, "fewer than two features to merge")
        source, target = rows[-1], rows[-2]
        t_name, t_before = c.open_feature(target["id"], "the merge's target")
        s_name, s_before = c.open_feature(source["id"], "the merge's source")
        expect(s_before, "the merge's source '%s' shows no mention" % s_name)
        form = c.find("form#merge", "the source's page")
        select = Select(c.find("select[name=into]", "form#merge", form))
        options = [o for o in select.options if o.get_attribute("value") == target["id"]]
        if not options:
            options = [o for o in select.options if o.text.strip() == t_name]
        expect(options, "form#merge's select[name=into] has no option for '%s' (%s)"
               % (t_name, target["id"]))
        select.select_by_value(options[0].get_attribute("value"))
        c.submit(form, "merging '%s' into '%s'" % (s_name, t_name))
        expect(c.path() == "/features/" + target["id"],
               "after the merge the browser is on %s, wanted the target /features/%s; the page: %s"
               % (c.path(), target["id"], c.state()))
        c.flash_ok("the merge")
        c.wait("section#mentions", "the target after the merge")
        t_after = c.mentions()
        missing = [m for m in s_before if m not in t_after]
        expect(not missing, "after the merge, the target '%s' lacks the source's mentions: %s"
               % (t_name, missing[:3]))
        c.shot("feature-merged")
        c.open("/features", "table#features", "the Features page after the merge")
        ids = [r["id"] for r in c.feature_rows()]
        expect(source["id"] not in ids, "after the merge, the source '%s' is still in /features" % s_name)
        expect(target["id"] in ids, "after the merge, the target '%s' is gone from /features" % t_name)

        # Undo: the merge's row in the history of the target (or else of the source).
        undo = None
        for fid in (target["id"], source["id"]):
            c.open("/features/" + fid, "section#history", "the history after the merge")
            for tr in c.all("section#history tr.action"):
                words = tr.text.lower()
                if "merge" in words and "unmerge" not in words and c.all("form.undo", tr):
                    undo = c.find("form.undo", "the merge's history row", tr)
                    break
            if undo is not None:
                break
        expect(undo is not None, "no tr.action with form.undo for the merge in section#history of "
               "the target or the source")
        c.submit(undo, "undoing the merge")
        c.flash_ok("undoing the merge")
        c.open("/features", "table#features", "the Features page after the undo")
        ids = [r["id"] for r in c.feature_rows()]
        expect(source["id"] in ids and target["id"] in ids,
               "after the undo, /features lacks the %s" %
               ("source" if source["id"] not in ids else "target"))
        _, s_again = c.open_feature(source["id"], "the source after the undo")
        expect(sorted(s_again) == sorted(s_before),
               "after the undo, the source shows %d mentions, %d before the merge"
               % (len(s_again), len(s_before)))
        _, t_again = c.open_feature(target["id"], "the target after the undo")
        expect(sorted(t_again) == sorted(t_before),
               "after the undo, the target shows %d mentions, %d before the merge"
               % (len(t_again), len(t_before)))
        return "'%s' (%d mentions) into '%s' (%d), then undone" % (
            s_name, len(s_before), t_name, len(t_before))

    def bands(self):
        """The rows of table#bands: dicts of lo, hi, pending, the approve form."""
        c = self.c
        headers = [th.text.strip().lower() for th in c.all("table#bands tr th")]
        col = next((i for i, h in enumerate(headers) if "pending" in h), None)
        out = []
        for tr in c.all("table#bands tr.band"):
            cells = c.all("td.pending", tr)
            if cells:
                text = cells[0].text
            else:
                tds = c.all("td, th", tr)
                expect(col is not None and col < len(tds),
                       "table#bands: no td.pending and no column headed 'pending' (%s)" % headers)
                text = tds[col].text
            m = re.search(r"\d+", text.replace(",", ""))
            expect(m, "table#bands: pending count '%s' is no number" % text)
            forms = c.all("form.band-approve", tr)
            lo = hi = None
            if forms:
                lo = c.find("input[name=lo]", "form.band-approve", forms[0]).get_attribute("value")
                hi = c.find("input[name=hi]", "form.band-approve", forms[0]).get_attribute("value")
            out.append({"lo": lo, "hi": hi, "pending": int(m.group(0)),
                        "form": forms[0] if forms else None, "text": tr.text})
        return out

    def review_band(self):
        c = self.c
        c.open("/review", "table#bands", "the Review page")
        c.shot("review")
        items = len(c.all("table#review tr.item"))
        expect(items > 0, "table#review has no tr.item (the demo leaves a queue)")
        c.find("form#band", "the Review page's free band")
        bands = self.bands()
        expect(bands, "table#bands has no tr.band")
        band = next((b for b in bands if b["pending"] > 0 and b["form"] is not None), None)
        expect(band, "no tr.band with pending items and a form.band-approve: %s"
               % [b["text"] for b in bands])
        c.submit(band["form"], "approving the band %s-%s" % (band["lo"], band["hi"]))
        flash = c.flash_ok("approving a band")
        c.wait("table#bands", "the Review page after approving a band")
        after = [b for b in self.bands() if (b["lo"], b["hi"]) == (band["lo"], band["hi"])]
        pending = after[0]["pending"] if after else 0
        expect(pending < band["pending"],
               "after approving band %s-%s (flash '%s') its pending count is %d, was %d"
               % (band["lo"], band["hi"], flash, pending, band["pending"]))
        return "band %s-%s: %d pending, then %d ('%s')" % (
            band["lo"], band["hi"], band["pending"], pending, flash)

    def hostile_texts(self, where):
        c = self.c
        a = c.args
        text = c.find("body", where).text
        for label, value in (("title", a.hostile_title), ("quote", a.hostile_quote)):
            expect(value in text, "%s: the hostile call's %s is not shown as text: %r"
                   % (where, label, value))
        return text

    def hostile(self):
        c = self.c
        a = c.args
        where = "the hostile call's feature"
        c.open("/features/" + self.hostile_id, "section#mentions", where)
        c.shot("feature-hostile")
        self.hostile_texts(where)
        row = [tr for tr in c.all("section#mentions tr.mention") if a.hostile_quote in tr.text]
        expect(row, "%s: no tr.mention holds the hostile quote" % where)
        call = c.find("td.call", where, row[0]).text
        expect(a.hostile_title in call, "%s: the hostile mention's td.call is %r" % (where, call))
        speaker = c.find("td.speaker", where, row[0]).text
        expect(a.hostile_speaker in speaker,
               "%s: the hostile mention's td.speaker is %r, wanted %r" % (where, speaker, a.hostile_speaker))
        expect(not c.all("section#mentions td.speaker b"),
               "%s: the speaker's <b> became an element" % where)
        status, _, body = c.raw("GET", "/features/" + self.hostile_id, cookie=c.session_cookie())
        expect(status == 200, "GET /features/%s: HTTP %d" % (self.hostile_id, status))
        for bad in ("<script>alert(", "<img src=x onerror", "<img onerror", "<svg onload", "<b>Bold"):
            expect(bad not in body, "the raw HTML of %s holds %r unescaped" % (where, bad))
        expect("&lt;script&gt;alert(" in body, "the raw HTML of %s lacks the escaped &lt;script&gt;"
               % where)
        c.open("/calls", "table#calls", "the Calls page")
        calls = [tr for tr in c.all("table#calls tr.call") if a.hostile_title in tr.text]
        expect(calls, "the Calls page shows the hostile call's title nowhere as text")
        c.no_alert("the Calls page")

    def csrf(self):
        c = self.c
        cookie = c.session_cookie()
        c.open("/features", "table#features", "the Features page")
        rows = [r for r in c.feature_rows() if r["id"] != self.hostile_id]
        expect(len(rows) >= 2, "fewer than two features in table#features")
        victim, other = rows[0], rows[1]
        snapshot_sql = (
            "SELECT (SELECT count(*) FROM curation_actions) || ' ' ||"
            " (SELECT count(*) FROM review_labels) || ' ' ||"
            " (SELECT md5(string_agg(concat_ws('|', id, name, status, theme_id, merged_into,"
            "  description), ',' ORDER BY id)) FROM features) || ' ' ||"
            " (SELECT md5(string_agg(concat_ws('|', feature_id, message_id), ',' ORDER BY"
            "  feature_id, message_id)) FROM feature_messages)")
        before = c.psql(snapshot_sql)
        c.open("/features/" + victim["id"], "form#rename", "the feature to rename")
        token = c.find("form#rename input[name=csrf]", "form#rename").get_attribute("value")
        expect(token, "form#rename's csrf input is empty")
        posts = [
            ("/features/%s/rename" % victim["id"], {"name": "Renamed without CSRF"}),
            ("/features/%s/rename" % victim["id"], {"name": "Renamed, wrong CSRF", "csrf": "x" + token}),
            ("/features/%s/merge" % victim["id"], {"into": other["id"]}),
            ("/features/%s/reject" % victim["id"], {"reason": "no CSRF", "csrf": ""}),
            ("/review", {"lo": "0", "hi": "1", "verdict": "approve"}),
        ]
        for path, fields in posts:
            status, _, _ = c.raw("POST", path, fields, cookie=cookie)
            expect(status == 403, "POST %s %s from the session without its CSRF token: HTTP %d, "
                   "wanted 403" % (path, sorted(fields), status))
        after = c.psql(snapshot_sql)
        expect(after == before, "POSTs refused for CSRF changed the database (curation actions, "
               "labels, features, links): %s -> %s" % (before, after))
        h1 = c.open("/features/" + victim["id"], "h1", "the feature after the refused POSTs").text
        expect(h1.strip() == victim["name"], "after the refused POSTs the feature is named '%s'" % h1)
        # The same request with the page's token is accepted: the 403s were the CSRF check's.
        status, headers, _ = c.raw("POST", "/features/%s/rename" % victim["id"],
                                   {"name": victim["name"] + " (renamed)", "csrf": token}, cookie=cookie)
        expect(status == 303, "POST rename with the page's CSRF token: HTTP %d, wanted 303" % status)
        h1 = c.open("/features/" + victim["id"], "h1", "the renamed feature").text.strip()
        expect(h1 == victim["name"] + " (renamed)",
               "after a rename with the CSRF token the feature is named '%s'" % h1)
        status, _, _ = c.raw("POST", "/features/%s/rename" % victim["id"],
                             {"name": victim["name"], "csrf": token}, cookie=cookie)
        expect(status == 303, "renaming it back: HTTP %d" % status)
        return "%d POSTs refused, nothing changed; with the token: 303" % len(posts)

    def pages(self):
        c = self.c
        c.open("/features", "nav", "the Features page")
        hooks = {
            "trends": ("svg.chart", "table#emerging"),
            "themes": ("table#themes", "svg"),
            "customers": ("table#customers tr.customer",),
            "calls": ("table#calls tr.call", "select[name=state]"),
        }
        failures = []
        for page, css in hooks.items():
            try:
                link = c.find("nav a#nav-" + page, "the navigation")
                old = c.driver.find_element(By.TAG_NAME, "html")
                link.click()
                WebDriverWait(c.driver, SUBMIT_WAIT).until(EC.staleness_of(old))
                c.wait("nav", "the %s page" % page)
                c.shot(page)
                expect(c.path() == "/" + page, "a#nav-%s led to %s" % (page, c.path()))
                for hook in css:
                    c.wait(hook, "the %s page" % page)
                c.find("h1", "the %s page" % page)
                c.safe("the %s page" % page)
            except Failure as e:
                failures.append(str(e))
        expect(not failures, "; ".join(failures))

    def downloads(self):
        c = self.c
        c.open("/features", "table#features", "the Features page")
        rows = c.feature_rows()
        cookie = c.session_cookie()
        for kind, want in (("csv", "csv"), ("markdown", "markdown")):
            link = c.find("a#download-" + kind, "the Features page's downloads")
            href = urllib.parse.urlsplit(link.get_attribute("href"))
            expect(("format=" + kind) in href.query, "a#download-%s links to %s" % (kind, href.geturl()))
            path = href.path + ("?" + href.query if href.query else "")
            status, headers, body = c.raw("GET", path, cookie=cookie)
            expect(status == 200, "GET %s: HTTP %d" % (path, status))
            expect(want in headers.get("content-type", "") or "attachment" in
                   headers.get("content-disposition", ""),
                   "GET %s: Content-Type %r, Content-Disposition %r" % (
                       path, headers.get("content-type"), headers.get("content-disposition")))
            expect(len(body.strip().splitlines()) > len(rows),
                   "GET %s: %d lines for the %d features of the page"
                   % (path, len(body.strip().splitlines()), len(rows)))

    def logout(self):
        c = self.c
        c.open("/features", "form#logout", "the Features page")
        cookie = c.session_cookie()
        c.submit(c.find("form#logout", "the navigation"), "logging out")
        c.wait("form#login", "after logging out, the login page")
        c.open("/features", "form#login", "/features after logging out")
        status, _, _ = c.raw("GET", "/features", cookie=cookie)
        expect(status == 401, "GET /features with the cookie of a logged-out session: HTTP %d, "
               "wanted 401" % status)
        # Logging in from another page leads back to it; a `next` elsewhere leads to /features.
        for asked, lands in (("/review", "/review"), ("//evil.example/x", "/features"),
                             ("https://evil.example/x", "/features")):
            c.open("/review", "form#login", "/review without a session")
            form = c.find("form#login", "the login page")
            if asked != "/review":
                c.driver.execute_script("arguments[0].value = arguments[1];",
                                        c.find("input[name=next]", "the login form", form), asked)
            c.find("input[name=token]", "the login form", form).send_keys(c.token)
            c.find("input[name=name]", "the login form", form).send_keys("Browser Tester")
            c.submit(form, "logging in with next=%s" % asked)
            url = urllib.parse.urlsplit(c.driver.current_url)
            expect(url.netloc == "%s:%d" % (c.host, c.port) and url.path == lands,
                   "logging in with next=%s led to %s, wanted %s"
                   % (asked, c.driver.current_url, lands))
            c.submit(c.find("form#logout", "the navigation"), "logging out")

    def no_javascript(self):
        """A browser with JavaScript off logs in, filters, and changes a feature and undoes it."""
        c = Console(self.c.args, javascript=False)
        try:
            c.start()
            c.open("/features", "form#login", "without JavaScript, the login page")
            form = c.find("form#login", "without JavaScript, the login page")
            c.find("input[name=token]", "the login form", form).send_keys(c.token)
            c.find("input[name=name]", "the login form", form).send_keys("No-script Tester")
            c.submit(form, "without JavaScript, logging in")
            c.wait("table#features", "without JavaScript, the Features page after logging in")
            rows = c.feature_rows()
            expect(rows, "without JavaScript, table#features has no tr.feature")
            theme = next((r["theme"] for r in rows if r["theme"]), None)
            select = Select(c.find("form#filters select[name=theme]", "the filters"))
            value = next((o.get_attribute("value") for o in select.options
                          if o.text.strip() == theme or o.get_attribute("value") == theme), None)
            expect(value, "without JavaScript, select[name=theme] has no option '%s'" % theme)
            select.select_by_value(value)
            c.submit(c.find("form#filters", "the filters"), "without JavaScript, filtering")
            c.wait("table#features", "without JavaScript, the filtered Features page")
            wrong = [r["name"] for r in c.feature_rows() if r["theme"] != theme]
            expect(not wrong, "without JavaScript, filtering by '%s' shows other themes: %s"
                   % (theme, wrong[:3]))
            fid = next(r["id"] for r in rows if r["id"] != self.hostile_id)
            c.open("/features/" + fid, "form#status", "without JavaScript, a feature page")
            status = Select(c.find("form#status select[name=status]", "form#status"))
            now = status.first_selected_option.get_attribute("value")
            other = next((o.get_attribute("value") for o in status.options
                          if o.get_attribute("value") not in (now, "rejected", "")), None)
            expect(other, "form#status offers no other status than '%s'" % now)
            status.select_by_value(other)
            c.submit(c.find("form#status", "the feature page"), "without JavaScript, form#status")
            c.flash_ok("without JavaScript, setting the status")
            c.open("/features/" + fid, "form#status", "the feature after its status was set")
            shown = Select(c.find("form#status select[name=status]", "form#status"))
            expect(shown.first_selected_option.get_attribute("value") == other,
                   "without JavaScript, the status set to '%s' shows as '%s'"
                   % (other, shown.first_selected_option.get_attribute("value")))
            undo = None
            for tr in c.all("section#history tr.action"):
                if "status" in tr.text.lower() and c.all("form.undo", tr):
                    undo = c.find("form.undo", "the status change's history row", tr)
                    break
            expect(undo is not None, "without JavaScript, no tr.action with form.undo for the "
                   "status change in section#history")
            c.submit(undo, "without JavaScript, undoing the status change")
            c.flash_ok("without JavaScript, undoing the status change")
            c.open("/features/" + fid, "form#status", "the feature after the undo")
            back = Select(c.find("form#status select[name=status]", "form#status"))
            expect(back.first_selected_option.get_attribute("value") == now,
                   "without JavaScript, after the undo the status is '%s', was '%s'"
                   % (back.first_selected_option.get_attribute("value"), now))
            return "logged in, filtered by '%s', status %s -> %s and undone" % (theme, now, other)
        finally:
            self.c.console_errors += c.console_errors
            c.stop()

    def console_log(self):
        c = self.c
        c.collect_log()
        expect(not c.console_errors, "the browser logged errors: %s" % c.console_errors[:5])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", required=True)
    p.add_argument("--token-file", required=True)
    p.add_argument("--database-url", required=True)
    p.add_argument("--artifacts", required=True)
    p.add_argument("--profile", required=True, help="chromium's user data directory")
    p.add_argument("--chromium", default="/usr/bin/chromium")
    p.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    p.add_argument("--hostile-feature", required=True)
    p.add_argument("--hostile-title", required=True)
    p.add_argument("--hostile-quote", required=True)
    p.add_argument("--hostile-speaker", required=True)
    p.add_argument("--only", help="comma-separated checks to run (login is always run)")
    args = p.parse_args()
    os.makedirs(args.artifacts, exist_ok=True)
    os.makedirs(args.profile, exist_ok=True)

    c = Console(args)
    checks = Checks(c)
    order = ["no_session", "login", "headers", "features", "filter_theme", "feature",
             "merge_undo", "review_band", "hostile", "csrf", "pages", "downloads", "logout",
             "no_javascript", "console_log"]
    if args.only:
        wanted = set(args.only.split(",")) | {"login"}
        order = [n for n in order if n in wanted]
    results = []
    try:
        c.start()
        for name in order:
            if any(n == "login" and not ok for n, ok, _ in results):
                results.append((name, False, "not run: the login failed"))
                continue
            t0 = time.monotonic()
            try:
                detail = getattr(checks, name)()
                results.append((name, True, "%.1f s%s" % (time.monotonic() - t0,
                                                          ": " + detail if detail else "")))
            except Failure as e:
                results.append((name, False, str(e)))
            except UnexpectedAlertPresentException as e:
                texts = [e.alert_text] + c.dismiss_alerts()
                results.append((name, False, "a script ran: the browser opened alerts %s (on %s)"
                                % (texts, c.state())))
            except WebDriverException as e:
                results.append((name, False, "the browser: %s (on %s)"
                                % (str(e).strip().splitlines()[0], c.state())))
            except Exception:  # a bug of this script: say where, go on with the next check
                results.append((name, False, traceback.format_exc().strip()))
            status = "ok  " if results[-1][1] else "FAIL"
            print("%s %-13s %s" % (status, name, results[-1][2]), flush=True)
    finally:
        c.stop()
    failed = [r for r in results if not r[1]]
    print("console_browser: %d of %d checks passed%s" % (
        len(results) - len(failed), len(results),
        "; failed: " + ", ".join(n for n, _, _ in failed) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
