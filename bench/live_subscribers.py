"""Idle GraphQL subscribers for bench/live.sh: COUNT WebSocket clients speaking
graphql-transport-ws, each subscribed to articlePublished, each noting when the next story
reaches it.

  live_subscribers.py URL COUNT WORK

Writes WORK/ready once every client has its subscription sent, then waits (up to 120 s) for
every client's first event and writes WORK/arrivals.json: the wall-clock time each one got it.
"""

import asyncio
import json
import sys
import time

import websockets

SUBSCRIPTION = "subscription { articlePublished { id headline } }"


async def subscriber(url, arrivals, connected):
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"], open_timeout=60, ping_interval=None, max_queue=4) as socket:
        await socket.send(json.dumps({"type": "connection_init"}))
        ack = json.loads(await socket.recv())
        assert ack["type"] == "connection_ack", ack
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}))
        connected.append(True)
        while True:
            message = json.loads(await socket.recv())
            if message.get("type") == "next":
                arrivals.append(time.time())
                return
            if message.get("type") == "ping":
                await socket.send(json.dumps({"type": "pong"}))


async def main(url, count, work):
    arrivals, connected = [], []
    tasks = []
    # Connect in waves, as readers arrive, not all in one instant.
    for start in range(0, count, 250):
        for _ in range(start, min(count, start + 250)):
            tasks.append(asyncio.create_task(subscriber(url, arrivals, connected)))
        while len(connected) < min(count, start + 250):
            failed = [task for task in tasks if task.done() and task.exception()]
            if failed:
                raise failed[0].exception()
            await asyncio.sleep(0.05)
    open(f"{work}/ready", "w").close()
    done, pending = await asyncio.wait(tasks, timeout=120)
    for task in pending:
        task.cancel()
    with open(f"{work}/arrivals.json", "w") as f:
        json.dump({"subscribed": len(connected), "arrived": sorted(arrivals)}, f)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
