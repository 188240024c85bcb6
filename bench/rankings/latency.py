#!/usr/bin/env python3
"""Serial latency of one URL: requests one at a time on one keep-alive connection for a number
of seconds, and prints "p50_ms p99_ms max_ms requests". Every response must be 200.

wrk's latency percentiles are unreliable with one connection when a few requests are very slow
(its averages exceed the run's wall time), so the one-at-a-time figures come from here.
"""

import http.client
import sys
import time
import urllib.parse


def main() -> None:
    url = urllib.parse.urlsplit(sys.argv[1])
    seconds = float(sys.argv[2])
    path = url.path + (f"?{url.query}" if url.query else "")
    connection = http.client.HTTPConnection(url.hostname, url.port)
    latencies = []
    deadline = time.monotonic() + seconds
    while not latencies or time.monotonic() < deadline:
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            sys.exit(f"{sys.argv[1]} answered {response.status}")
    latencies.sort()

    def percentile(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    print(f"{percentile(0.5):.3f} {percentile(0.99):.3f} {latencies[-1]:.3f} {len(latencies)}")


if __name__ == "__main__":
    main()
