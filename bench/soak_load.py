"""The soak test's client side (bench/soak.sh runs it): a bounded mixed load, then the checks.

  soak_load.py load URL SECONDS WORK   readers, beacons, comments, an editor and an event-stream
                                       follower for SECONDS; every request goes to
                                       WORK/requests.csv, every acknowledged write (and what the
                                       stream told) to WORK/acknowledged.json
  soak_load.py check URL WORK          every acknowledged write is still there, and every approved
                                       story reached the stream once (exit 1 if not)
  soak_load.py report WORK             the table: requests and errors by status, p50/p99 per
                                       30 s, 5xx outside the fault windows (WORK/faults.csv)

Only the standard library, so the soak needs nothing beyond Python. Each reader is a random
address in 10.0.0.0/16 sent as X-Forwarded-For (the nodes trust the nginx in front of them), so the
per-address limits see many readers, as in production, and not one load generator.
"""

import csv
import http.client
import json
import random
import statistics
import sys
import threading
import time
import urllib.parse

READERS = 6
READ_RATE = 120  # public reads a second, over all reader threads
BEACON_RATE = 20  # view beacons a second
COMMENT_EVERY = 1.0  # seconds between reader comments
EDIT_EVERY = 2.0  # seconds between editor writes
EDITOR = ("soak-editor@dateline.example", "soak-editor-password-1")


class Client:
    """One keep-alive connection through nginx; a broken connection is opened again."""

    def __init__(self, url, log):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.connection = None
        self.log = log

    def send(self, kind, method, path, body=None, headers=None, address=None):
        headers = dict(headers or {})
        headers["x-forwarded-for"] = address or f"10.0.{random.randrange(256)}.{random.randrange(1, 255)}"
        if body is not None:
            headers["content-type"] = "application/json"
            body = json.dumps(body).encode()
        started = time.time()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=15)
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            payload = response.read()
            status, answer_headers = response.status, response.msg  # names in any case
        except (OSError, http.client.HTTPException):
            self.connection = None
            status, payload, answer_headers = 0, b"", http.client.HTTPMessage()
        self.log(started, kind, status, (time.time() - started) * 1000)
        return status, answer_headers, payload


class Run:
    def __init__(self, url, seconds, work):
        self.url, self.work = url, work
        self.deadline = time.time() + seconds
        self.lock = threading.Lock()
        self.rows = []
        self.stories = {}  # id → the highest version an answer acknowledged
        self.comments = []  # (comment id, story id) acknowledged with 201
        self.published = []  # stories the editor got approved

    def log(self, started, kind, status, took_ms):
        with self.lock:
            self.rows.append((f"{started:.3f}", kind, status, f"{took_ms:.2f}"))

    def client(self):
        return Client(self.url, self.log)

    def paced(self, every, step):
        client = self.client()
        next_at = time.time()
        while time.time() < self.deadline:
            step(client)
            next_at += every
            time.sleep(max(0.0, next_at - time.time()))

    def corpus(self):
        client = self.client()
        _, _, body = client.send("setup", "GET", "/api/v1/articles?limit=100")
        self.articles = json.loads(body)["data"]
        _, _, body = client.send("setup", "GET", "/api/v1/sections")
        self.sections = [section["slug"] for section in json.loads(body)["data"]]
        self.words = sorted({w for a in self.articles for w in a["headline"].split() if len(w) >= 2})
        self.authors = sorted({p["slug"] for a in self.articles for p in a.get("authors", [])})
        self.tags = sorted({t["slug"] for a in self.articles for t in a.get("tags", [])})

    def read(self, client):
        article = random.choice(self.articles)
        slug = urllib.parse.quote(article["slug"])
        graphql_latest = "{ latest(first: 20) { nodes { id headline url section { slug } } } }"
        surfaces = [
            ("latest", "/api/v1/articles"),
            ("section", f"/api/v1/articles?section={random.choice(self.sections)}"),
            ("article", f"/api/v1/articles/{slug}"),
            ("related", f"/api/v1/articles/{slug}/related"),
            ("popular", f"/api/v1/popular?window={random.choice(['1h', '24h', '7d'])}"),
            ("search", f"/api/v1/search?q={urllib.parse.quote(random.choice(self.words))}"),
            ("comments", f"/api/v1/articles/{article['id']}/comments"),
            ("feed", random.choice(["/feeds/latest.rss", "/feeds/latest.atom", "/feeds/latest.json"])),
            ("sitemap", random.choice(["/sitemap.xml", "/sitemap-news.xml"])),
            ("changes", "/api/v1/changes"),
            ("graphql-get", "/graphql?query=" + urllib.parse.quote(graphql_latest)),
        ]
        if self.authors:
            surfaces.append(("author", f"/api/v1/authors/{random.choice(self.authors)}"))
        if self.tags:
            surfaces.append(("tag", f"/api/v1/tags/{urllib.parse.quote(random.choice(self.tags))}"))
        if random.random() < 0.15:
            query = "query($slug: String!) { article(slug: $slug) { headline bodyHtml commentCount comments(first: 5) { nodes { bodyText agrees } } } }"
            client.send("graphql-post", "POST", "/graphql", {"query": query, "variables": {"slug": article["slug"]}})
        else:
            kind, path = random.choice(surfaces)
            client.send(kind, "GET", path)

    def beacon(self, client):
        article = random.choice(self.articles)
        client.send("beacon", "POST", f"/api/v1/articles/{article['id']}/views", {"readerId": f"soak-{random.randrange(100000)}"})

    def comment(self, client):
        # The editor's fresh stories once there are some (seeded ones may be past the age at
        # which a story stops taking comments).
        with self.lock:
            fresh = list(self.published)
        story = random.choice(fresh) if fresh else random.choice(self.articles[:30])["id"]
        article = {"id": story}
        number = len(self.comments)
        status, _, body = client.send(
            "comment",
            "POST",
            f"/api/v1/articles/{article['id']}/comments",
            {"nickname": "독자", "password": "soak1234", "body": f"소크 댓글 {number} {time.time():.3f}"},
        )
        if status == 201:
            with self.lock:
                self.comments.append((json.loads(body)["data"]["id"], article["id"]))
        elif random.random() < 0.3 and self.comments:
            comment_id, _ = random.choice(self.comments)
            client.send("reaction", "POST", f"/api/v1/comments/{comment_id}/reactions", {"kind": random.choice(["agree", "disagree"])})

    def editor(self):
        client = self.client()
        token = None
        versions = {}
        next_at = time.time()
        count = 0
        while time.time() < self.deadline:
            if token is None:
                status, _, body = client.send("sign-in", "POST", "/api/v1/auth/token", {"email": EDITOR[0], "password": EDITOR[1]}, address="10.1.0.1")
                token = json.loads(body)["accessToken"] if status == 200 else None
            if token is not None:
                auth = {"authorization": f"Bearer {token}"}
                count += 1
                if count % 5 == 1 or not versions:
                    status, headers, body = client.send(
                        "story-create",
                        "POST",
                        "/api/v1/articles",
                        {"headline": f"소크 기사 {count}", "section": random.choice(self.sections), "bodyHtml": f"<p>소크 본문 {count}</p>"},
                        auth,
                        address="10.1.0.1",
                    )
                    if status == 201:
                        story = json.loads(body)["data"]["id"]
                        self.acknowledge(story, headers)
                        versions[story] = headers.get("ETag")
                        status, headers, _ = client.send("story-approve", "POST", f"/api/v1/articles/{story}/approve", {}, auth, address="10.1.0.1")
                        if status == 200:
                            self.acknowledge(story, headers)
                            versions[story] = headers.get("ETag")
                            with self.lock:
                                self.published.append(story)
                else:
                    story = random.choice(list(versions))
                    status, headers, _ = client.send(
                        "story-edit",
                        "PATCH",
                        f"/api/v1/articles/{story}",
                        {"subheadline": f"정정 {count}"},
                        {**auth, "if-match": versions[story] or '"v1"'},
                        address="10.1.0.1",
                    )
                    if status == 200:
                        self.acknowledge(story, headers)
                        versions[story] = headers.get("ETag")
                    elif status in (409, 412):
                        # A write answered 503 may still have committed: read the version again.
                        status, headers, _ = client.send("story-read", "GET", f"/api/v1/newsroom/articles/{story}", None, auth, address="10.1.0.1")
                        if status == 200:
                            versions[story] = headers.get("ETag")
                    elif status == 401:
                        token = None
            next_at += EDIT_EVERY
            time.sleep(max(0.0, next_at - time.time()))

    def follow_stream(self):
        """Holds /api/v1/stream open through nginx the way an EventSource does: when the
        connection breaks (a node killed under it), it reconnects with Last-Event-ID."""
        parts = urllib.parse.urlsplit(self.url)
        last_id = None
        self.streamed = []
        self.stream_reconnects = 0
        while time.time() < self.deadline:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            headers = {"x-forwarded-for": "10.2.0.1", "accept": "text/event-stream"}
            if last_id:
                headers["last-event-id"] = last_id
            try:
                connection.request("GET", "/api/v1/stream?types=published", headers=headers)
                response = connection.getresponse()
                if response.status != 200:
                    raise OSError(f"stream answered {response.status}")
                event_id = None
                while time.time() < self.deadline:
                    line = response.readline().decode()
                    if not line:
                        raise OSError("stream ended")
                    line = line.rstrip("\n")
                    if line.startswith("id:"):
                        event_id = line[3:].strip()
                    elif line.startswith("data:"):
                        story = json.loads(line[5:])["articleId"]
                        with self.lock:
                            self.streamed.append(story)
                        last_id = event_id
            except (OSError, http.client.HTTPException, ValueError):
                self.stream_reconnects += 1
                time.sleep(1)
            finally:
                connection.close()

    def acknowledge(self, story, headers):
        version = int(headers.get("ETag", '"v0"').strip('W/"v'))
        with self.lock:
            self.stories[story] = max(version, self.stories.get(story, 0))

    def run(self):
        self.corpus()
        threads = [threading.Thread(target=self.paced, args=(READERS / READ_RATE, self.read)) for _ in range(READERS)]
        threads.append(threading.Thread(target=self.paced, args=(1 / BEACON_RATE, self.beacon)))
        threads.append(threading.Thread(target=self.paced, args=(COMMENT_EVERY, self.comment)))
        threads.append(threading.Thread(target=self.editor))
        threads.append(threading.Thread(target=self.follow_stream))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with open(f"{self.work}/requests.csv", "w", newline="") as f:
            csv.writer(f).writerows(self.rows)
        with open(f"{self.work}/acknowledged.json", "w") as f:
            json.dump({"stories": self.stories, "comments": self.comments, "published": self.published,
                       "streamed": self.streamed, "stream_reconnects": self.stream_reconnects}, f)


def check(url, work):
    """Every story at (at least) the version an answer acknowledged; every 201 comment present."""
    acknowledged = json.load(open(f"{work}/acknowledged.json"))
    client = Client(url, lambda *_: None)
    _, _, body = client.send("check", "POST", "/api/v1/auth/token", {"email": EDITOR[0], "password": EDITOR[1]}, address="10.1.0.2")
    auth = {"authorization": "Bearer " + json.loads(body)["accessToken"]}
    lost = []
    for story, version in acknowledged["stories"].items():
        status, headers, _ = client.send("check", "GET", f"/api/v1/newsroom/articles/{story}", None, auth, address="10.1.0.2")
        held = int(headers.get("ETag", '"v0"').strip('W/"v')) if status == 200 else 0
        if held < version:
            lost.append(f"story {story}: acknowledged v{version}, holds v{held} (HTTP {status})")
    threads = {}
    for comment, story in acknowledged["comments"]:
        if story not in threads:
            found, cursor = set(), None
            while True:
                path = f"/api/v1/articles/{story}/comments?limit=100" + (f"&cursor={cursor}" if cursor else "")
                _, _, body = client.send("check", "GET", path, address="10.1.0.2")
                page = json.loads(body)
                found |= {c["id"] for c in page["data"]} | {r["id"] for c in page["data"] for r in c.get("replies", [])}
                cursor = page["page"]["nextCursor"]
                if not cursor:
                    break
            threads[story] = found
        if comment not in threads[story]:
            lost.append(f"comment {comment} on {story}: acknowledged 201, not listed")
    streamed = acknowledged["streamed"]
    # The last publications may come after the stream reader stopped; a reader that was following
    # must have heard every earlier one, exactly once, across its reconnects.
    heard = [story for story in acknowledged["published"][:-2] if story not in streamed]
    repeated = len(streamed) - len(set(streamed))
    print(f"stream: {len(set(streamed))} publications heard over {acknowledged['stream_reconnects']} reconnects; "
          f"approved and not heard: {len(heard)}; heard twice: {repeated}")
    lost.extend(f"publication {story}: approved, never on the stream" for story in heard)
    if repeated:
        lost.append(f"{repeated} publications told twice on the stream")
    print(f"acknowledged writes: {len(acknowledged['stories'])} stories, {len(acknowledged['comments'])} comments; lost: {len(lost)}")
    for line in lost[:20]:
        print("  " + line)
    return 1 if lost else 0


def report(work):
    rows = [(float(t), kind, int(status), float(ms)) for t, kind, status, ms in csv.reader(open(f"{work}/requests.csv"))]
    faults = [(name, float(start), float(end)) for name, start, end in csv.reader(open(f"{work}/faults.csv"))]
    begin = min(t for t, *_ in rows)

    def in_fault(t):
        return any(start <= t <= end for _, start, end in faults)

    def quantile(values, q):
        return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else (values[0] if values else 0.0)

    by_status = {}
    for _, _, status, _ in rows:
        by_status[status] = by_status.get(status, 0) + 1
    outside = [(t, kind, status) for t, kind, status, _ in rows if (status >= 500 or status == 0) and not in_fault(t)]
    inside = sum(1 for t, _, status, _ in rows if (status >= 500 or status == 0) and in_fault(t))
    print(f"requests: {len(rows)} over {max(t for t, *_ in rows) - begin:.0f} s")
    print("by status: " + ", ".join(f"{s if s else 'no answer'}: {n}" for s, n in sorted(by_status.items())))
    print(f"5xx or no answer inside the fault windows: {inside}; outside them: {len(outside)}")
    for t, kind, status in outside[:10]:
        print(f"  at {t - begin:.1f} s: {kind} answered {status}")
    print()
    print("| from s | requests | 5xx | p50 ms | p99 ms | fault |")
    print("| --- | --- | --- | --- | --- | --- |")
    buckets = {}
    for t, kind, status, ms in rows:
        buckets.setdefault(int((t - begin) // 30), []).append((status, ms))
    for bucket, answers in sorted(buckets.items()):
        start, end = begin + bucket * 30, begin + bucket * 30 + 30
        names = [name for name, f_start, f_end in faults if f_start < end and f_end > start]
        latencies = [ms for status, ms in answers if status]
        errors = sum(1 for status, _ in answers if status >= 500 or status == 0)
        print(f"| {bucket * 30} | {len(answers)} | {errors} | {quantile(latencies, 50):.1f} | {quantile(latencies, 99):.1f} | {', '.join(names)} |")
    return 1 if outside else 0


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "load":
        Run(sys.argv[2], float(sys.argv[3]), sys.argv[4]).run()
    elif mode == "check":
        sys.exit(check(sys.argv[2], sys.argv[3]))
    elif mode == "report":
        sys.exit(report(sys.argv[2]))
    else:
        sys.exit(f"unknown mode {mode}")
