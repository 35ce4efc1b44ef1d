"""Load on ``surveytool serve``: 20 concurrent clients each upload 50 respondent forms (one
upload of 50 files each, as the page sends them: ``POST /api/ingest?async=1``, then polling
the job) while a prober requests pages (总览, 选题, /api/status) one after another.

Checks, and prints: exactly 1,000 answers accepted (summed over the uploads, and counted in
the store), none lost or doubled; the median and p95 page latency while the uploads run;
how long the uploads took. The server runs as its own process (``surveytool serve``) on a
free port of 127.0.0.1, as a person would start it; nothing leaves this machine.

Run: python benchmarks/bench_web.py [--clients 20] [--forms 50]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from surveytool.bank import load_bank
from surveytool.demo import write_returns
from surveytool.followup.init import init_campaign
from surveytool.simulate import Simulator
from surveytool.store import load_answers

BANK = "young_researchers"
PAGES = ("/", "/topic/1", "/api/status")
DEADLINE = 1800  # seconds: the whole run stops by itself after this


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def multipart(files: list[Path]) -> tuple[bytes, str]:
    """A multipart/form-data body with the files in the field ``files``."""
    boundary = secrets.token_hex(16)
    parts = []
    for f in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="{f.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        parts += [head.encode(), f.read_bytes(), b"\r\n"]
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def request(port: int, method: str, path: str, body=None, headers=None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def client(port: int, files: list[Path], out: list, stop_at: float) -> None:
    """One client: upload its files at once, then poll the job to the end."""
    body, ctype = multipart(files)
    path = f"/api/ingest?bank={BANK}&wave=%E9%A6%96%E8%BD%AE&async=1"
    status, data = request(port, "POST", path, body, {"Content-Type": ctype})
    if status != 202:
        out.append({"error": f"HTTP {status}: {data[:200]!r}"})
        return
    url = json.loads(data)["status_url"]
    while time.monotonic() < stop_at:
        status, data = request(port, "GET", url)
        job = json.loads(data)
        if job["state"] in ("done", "failed"):
            out.append(job)
            return
        time.sleep(0.5)
    out.append({"error": "timed out"})


def prober(port: int, latencies: list[float], done: threading.Event, stop_at: float) -> None:
    """Pages one after another while the uploads run; their latencies in seconds."""
    i = 0
    while not done.is_set() and time.monotonic() < stop_at:
        start = time.perf_counter()
        status, _ = request(port, "GET", PAGES[i % len(PAGES)])
        if status == 200:
            latencies.append(time.perf_counter() - start)
        i += 1
        time.sleep(0.2)


def distinct(sim: Simulator, n: int) -> list[dict]:
    """``n`` simulated respondents, no two alike: the simulator repeats some answer sets
    (straight-liners who skip the same questions), which the store rightly counts as
    duplicates — here every form must be a new answer."""
    seen, out = set(), []
    while len(out) < n:
        for a in sim.respondents(n):
            key = json.dumps(a, sort_keys=True, default=str)
            if key not in seen and len(out) < n:
                seen.add(key)
                out.append(a)
    return out


def forms(n: int, folder: Path) -> list[Path]:
    bank = load_bank(BANK)
    cache = folder / f"forms-{n}"
    if not cache.exists():
        t = time.perf_counter()
        write_returns(bank, distinct(Simulator(bank, seed=16), n), cache)
        print(f"{n} 份模拟问卷已生成（{time.perf_counter() - t:.0f} 秒）")
    return sorted(cache.rglob("*.xlsx"))


def wait_up(port: int, proc: subprocess.Popen) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise SystemExit("服务没有启动：" + (proc.stdout.read() if proc.stdout else ""))
        try:
            if request(port, "GET", "/api/banks")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("服务 60 秒内没有响应")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--forms", type=int, default=50)
    args = ap.parse_args()
    total = args.clients * args.forms
    root = Path(tempfile.mkdtemp(prefix="surveytool-bench-web-"))
    paths = forms(total, root)
    site = root / "调研"
    init_campaign(site, 2026)
    port = free_port()
    cmd = [sys.executable, "-m", "surveytool", "serve", str(site), "--no-browser"]
    proc = subprocess.Popen(
        [*cmd, "--port", str(port), "--max-upload", "500"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        wait_up(port, proc)
        stop_at = time.monotonic() + DEADLINE
        results: list = []
        latencies: list[float] = []
        done = threading.Event()
        probe = threading.Thread(target=prober, args=(port, latencies, done, stop_at))
        probe.start()
        start = time.perf_counter()
        threads = [
            threading.Thread(
                target=client,
                args=(port, paths[i * args.forms : (i + 1) * args.forms], results, stop_at),
            )
            for i in range(args.clients)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.perf_counter() - start
        done.set()
        probe.join()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return report(results, latencies, took, total, site)


def report(results: list, latencies: list[float], took: float, total: int, site: Path) -> int:
    errors = [r["error"] for r in results if "error" in r]
    failed = [m for r in results if r.get("state") == "failed" for m in r["messages"]]
    accepted = sum(r["result"]["accepted"] for r in results if r.get("state") == "done")
    stored = len(load_answers(site / "选题1.db", load_bank(BANK)))
    each = total // max(len(results), 1)
    print(f"{len(results)} 个客户端，每个上传 {each} 份问卷，用时 {took:.1f} 秒")
    print(f"回收结果中的有效答卷 {accepted} 份；数据库中的答卷 {stored} 份（应为 {total}）")
    if latencies:
        ms = sorted(x * 1000 for x in latencies)
        p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
        print(
            f"上传进行中的页面响应（{len(ms)} 次）：中位数 {statistics.median(ms):.0f} ms，"
            f"p95 {p95:.0f} ms，最长 {ms[-1]:.0f} ms"
        )
    for e in errors + failed:
        print("错误：", e)
    ok = accepted == stored == total and not errors and not failed
    print("结果：" + ("通过，无丢失、无重复。" if ok else "未通过。"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
