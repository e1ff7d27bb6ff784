"""A small W3C WebDriver client for Debian's chromium-driver, with the
standard library only (urllib): start chromedriver, open a headless
Chromium session, and the few commands the page tests use. Plain HTTP and
JSON, so it works the same on Debian 12 and 13 without Selenium.

    with webdriver.Chrome() as b:
        b.get("http://127.0.0.1:9464/")
        b.execute("return document.title")
"""
import base64
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request


class WebDriverError(Exception):
    pass


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def find(names):
    """The first of NAMES on PATH or in /usr/lib/chromium, or None."""
    for n in names:
        p = shutil.which(n) or (os.path.join("/usr/lib/chromium", n)
                                if os.access(os.path.join("/usr/lib/chromium", n), os.X_OK) else None)
        if p:
            return p
    return None


class Chrome:
    """chromedriver on a free loopback port and one headless session. Root
    needs --no-sandbox (the tests run as root, in a network namespace)."""

    def __init__(self, width=1280, height=800, log=None):
        self.driver = find(["chromedriver"])
        self.binary = find(["chromium", "chromium-browser"])
        if not self.driver or not self.binary:
            raise FileNotFoundError("chromium and chromium-driver")
        self.port = _free_port()
        self.proc = subprocess.Popen([self.driver, "--port=%d" % self.port],
                                     stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self.base = "http://127.0.0.1:%d" % self.port
        self.sid = None
        deadline = time.monotonic() + 15
        while True:
            try:
                if self._call("GET", "/status").get("ready"):
                    break
            except (OSError, WebDriverError):
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise WebDriverError("chromedriver did not start")
            time.sleep(0.1)
        caps = {"browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": self.binary,
                    "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                             "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
                             "--disable-background-networking", "--disable-sync",
                             "--window-size=%d,%d" % (width, height)]},
                "goog:loggingPrefs": {"browser": "ALL"}}
        try:
            self.sid = self._call("POST", "/session", {"capabilities": {"alwaysMatch": caps}})["sessionId"]
        except Exception:
            self.close()
            raise

    def _call(self, method, path, body=None, timeout=30):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                out = json.load(r)
        except urllib.error.HTTPError as e:
            try:
                v = json.load(e).get("value", {})
                msg = "%s: %s" % (v.get("error"), v.get("message", "").splitlines()[0])
            except ValueError:
                msg = str(e)
            raise WebDriverError("%s %s: %s" % (method, path, msg)) from None
        return out.get("value")

    def _s(self, method, path, body=None):
        return self._call(method, "/session/%s%s" % (self.sid, path), body)

    def get(self, url):
        self._s("POST", "/url", {"url": url})

    def execute(self, script, *args):
        """Runs SCRIPT (a function body: `return ...`) in the page, synchronously."""
        return self._s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def viewport(self, width, height, mobile=False):
        """The page's viewport exactly WIDTH x HEIGHT CSS pixels (DevTools'
        device metrics: a phone's with MOBILE)."""
        self._s("POST", "/goog/cdp/execute", {"cmd": "Emulation.setDeviceMetricsOverride", "params": {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}})

    def screenshot(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self._s("GET", "/screenshot")))

    def full_screenshot(self, path):
        """The whole page, below the fold too (DevTools' captureBeyondViewport)."""
        w, h = self.execute("return [document.documentElement.scrollWidth,"
                            " document.documentElement.scrollHeight]")
        shot = self._s("POST", "/goog/cdp/execute", {"cmd": "Page.captureScreenshot", "params": {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": w, "height": h, "scale": 1}}})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))

    def browser_log(self):
        """The console's entries since the last call: [{level, message, ...}]."""
        return self._s("POST", "/se/log", {"type": "browser"})

    def wait(self, script, timeout=10, *args):
        """Polls SCRIPT until it returns something true, which is returned."""
        deadline = time.monotonic() + timeout
        while True:
            v = self.execute(script, *args)
            if v:
                return v
            if time.monotonic() > deadline:
                raise WebDriverError("timed out waiting for: " + script)
            time.sleep(0.1)

    def close(self):
        if self.sid:
            try:
                self._call("DELETE", "/session/" + self.sid, timeout=10)
            except (OSError, WebDriverError):
                pass
            self.sid = None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.close()
