#!/usr/bin/env python3
"""A PostgreSQL outage, measured (issue #26): two `verity serve` nodes and one `verity worker` on a throwaway
cluster; the database is stopped for OUTAGE seconds under a steady stream of requests and then started again.

Prints, for before / during / after the outage: the HTTP statuses the nodes answered (and whether every 503
carried Retry-After); how long after the database came back each node served again; whether the checks queued
before the outage all finished (and when); and how long a document stored after the outage took to reach both
nodes' indexes (index_lag 0).

    scripts/pg-outage.sh [OUTAGE_SECONDS]      (builds the release binary, then runs this)
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict

VERITY = os.path.abspath("target/release/verity")
NEWSROOM = os.path.abspath("examples/newsroom")
PATHS = ["/api/v1/reports", "/", "/archive", "/api/v1/health"]


def pg_bin():
    versions = sorted(os.listdir("/usr/lib/postgresql"), key=lambda v: int(v) if v.isdigit() else 0)
    return os.path.join("/usr/lib/postgresql", versions[-1], "bin")


class Cluster:
    def __init__(self, work):
        self.work, self.bin = work, pg_bin()
        self.as_pg = []
        if os.geteuid() == 0:
            shutil.chown(work, "nobody", "nogroup")
            self.as_pg = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        self.data = os.path.join(work, "pg")
        subprocess.run(self.as_pg + [f"{self.bin}/initdb", "-D", self.data, "-U", "verity", "--auth=trust", "-E",
                                     "UTF8", "--locale=C"], check=True, stdout=subprocess.DEVNULL)
        self.process = None
        self.start()
        subprocess.run([f"{self.bin}/createdb", "-h", work, "-U", "verity", "verity"], check=True)
        self.url = f"postgres://verity@{urllib.parse.quote(work, safe='')}/verity"

    def start(self):
        log = open(os.path.join(self.work, "pg.log"), "a")
        self.process = subprocess.Popen(self.as_pg + [f"{self.bin}/postgres", "-D", self.data, "-k", self.work, "-c",
                                                      "listen_addresses=", "-c", "max_connections=200"],
                                        stdout=log, stderr=log)
        while subprocess.run([f"{self.bin}/pg_isready", "-q", "-h", self.work, "-U", "verity", "-d", "postgres"]
                             ).returncode != 0:
            time.sleep(0.05)

    def stop(self):
        # A fast shutdown: every connection is closed, as when the server is restarted or fails over.
        self.process.send_signal(signal.SIGINT)
        self.process.wait()


def get(addr, path):
    try:
        with urllib.request.urlopen(f"http://{addr}{path}", timeout=30) as response:
            return response.status, response.headers.get("Retry-After"), response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Retry-After"), e.read()
    except OSError:
        return 0, None, b""


def post(addr, path, body):
    request = urllib.request.Request(f"http://{addr}{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, None


def main():
    outage = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
    work = tempfile.mkdtemp(prefix="verity-outage-")
    os.chmod(work, 0o755)
    processes = []
    cluster = None
    try:
        cluster = Cluster(work)
        env = dict(os.environ, VERITY_NO_WEB="1")

        def verity(data, *args, log=None):
            command = [VERITY, "--data-dir", os.path.join(work, data), "--database", cluster.url, *args]
            return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log or subprocess.DEVNULL)

        subprocess.run([VERITY, "--data-dir", os.path.join(work, "ingest"), "--database", cluster.url, "ingest",
                        NEWSROOM], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(os.path.join(work, "site.json"), "w") as f:
            f.write('{"checks_per_minute": 100000}')
        nodes = []
        for i in range(2):
            port = 20000 + (os.getpid() * 7 + i) % 20000
            addr = f"127.0.0.1:{port}"
            log = open(os.path.join(work, f"node{i}.log"), "w")
            processes.append(verity(f"node{i}", "serve", "--judge", "lexical", "--addr", addr, "--site",
                                    os.path.join(work, "site.json"), log=log))
            nodes.append(addr)
        worker_log = open(os.path.join(work, "worker.log"), "w")
        processes.append(verity("worker", "worker", "--judge", "lexical", "--name", "w1", log=worker_log))
        for addr in nodes:
            while get(addr, "/api/v1/health")[0] != 200:
                time.sleep(0.1)

        # A steady stream of reads at both nodes, every 50 ms, until told to stop.
        answers = []  # (time, node, path, status, retry_after)
        stop = threading.Event()

        def load():
            i = 0
            while not stop.is_set():
                addr, path = nodes[i % 2], PATHS[(i // 2) % len(PATHS)]
                status, retry_after, _ = get(addr, path)
                answers.append((time.monotonic(), addr, path, status, retry_after))
                i += 1
                time.sleep(0.05)

        loader = threading.Thread(target=load)
        loader.start()
        time.sleep(5)

        # Checks queued just before the outage: some run, some wait in the queue when the database goes.
        queued = []
        for i in range(12):
            status, body = post(nodes[i % 2], "/api/v1/checks",
                                {"question": f"Did the council of town number {i} close the harbour?", "fresh": True})
            assert status == 202, status
            queued.append(body["id"])
        down_at = time.monotonic()
        cluster.stop()
        print(f"database stopped; {outage:.0f} s outage", flush=True)
        refused = Counter(post(nodes[i % 2], "/api/v1/checks", {"question": "Did the ferry sink?"})[0]
                          for i in range(4))
        time.sleep(max(0.0, outage - (time.monotonic() - down_at)))
        cluster.start()
        up_at = time.monotonic()
        print("database started again", flush=True)

        # When each node answered 200 to everything again.
        back = {}
        while len(back) < len(nodes) and time.monotonic() - up_at < 120:
            for addr in nodes:
                if addr not in back and all(get(addr, path)[0] == 200 for path in PATHS):
                    back[addr] = time.monotonic() - up_at
            time.sleep(0.05)

        # The queued checks: all finish, each once.
        finished = {}
        while len(finished) < len(queued) and time.monotonic() - up_at < 300:
            for job in queued:
                if job not in finished:
                    status, _, body = get(nodes[0], f"/api/v1/jobs/{job}")
                    if status == 200 and json.loads(body)["status"] != "running":
                        finished[job] = (json.loads(body)["status"], time.monotonic() - up_at)
            time.sleep(0.2)

        # A document stored after the outage reaches both nodes' indexes.
        more = os.path.join(work, "more")
        os.makedirs(more)
        with open(os.path.join(more, "quay.txt"), "w") as f:
            f.write("The harbour authority reopened the north quay on Monday after the storm.")
        stored_at = time.monotonic()
        subprocess.run([VERITY, "--data-dir", os.path.join(work, "ingest"), "--database", cluster.url, "ingest",
                        more], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        indexed = {}
        while len(indexed) < len(nodes) and time.monotonic() - stored_at < 60:
            for addr in nodes:
                status, _, body = get(addr, "/api/v1/health")
                if addr not in indexed and status == 200 and json.loads(body).get("index_lag") == 0:
                    indexed[addr] = time.monotonic() - stored_at
            time.sleep(0.05)
        time.sleep(3)
        stop.set()
        loader.join()

        phases = defaultdict(Counter)
        without_retry_after = 0
        for at, _addr, _path, status, retry_after in answers:
            phase = "before" if at < down_at else "during" if at < up_at else "after"
            phases[phase][status] += 1
            if status == 503 and retry_after is None:
                without_retry_after += 1
        print(f"\nrequests every 50 ms to 2 nodes ({', '.join(PATHS)}):")
        for phase in ["before", "during", "after"]:
            counts = ", ".join(f"{n} x {s or 'no answer'}" for s, n in sorted(phases[phase].items()))
            print(f"  {phase:>6} the outage: {counts}")
        print(f"  503s without Retry-After: {without_retry_after}")
        print(f"checks asked during the outage: {dict(refused)}")
        for addr in nodes:
            when = back.get(addr)
            print(f"node {addr} served every page again {when:.2f} s after the database" if when is not None
                  else f"node {addr} never served again")
        outcomes = Counter(status for status, _ in finished.values())
        last = max((t for _, t in finished.values()), default=float("nan"))
        print(f"checks queued before the outage: {len(queued)}; ended {dict(outcomes)}; last ended {last:.1f} s after "
              f"the database came back; unfinished: {len(queued) - len(finished)}")
        for addr in nodes:
            when = indexed.get(addr)
            print(f"node {addr}: a document stored after the outage was indexed in {when:.2f} s" if when is not None
                  else f"node {addr}: index still behind after 60 s")
        worker_log.flush()
        notes = [line for line in open(os.path.join(work, "worker.log"))
                 if "out of reach" in line or "answers again" in line]
        print(f"the worker's log during the outage ({len(notes)} notes): {notes[0].strip() if notes else ''}")
        if notes:
            print(f"  ... {notes[-1].strip()}")
    finally:
        for process in processes:
            process.kill()
        if cluster and cluster.process and cluster.process.poll() is None:
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
