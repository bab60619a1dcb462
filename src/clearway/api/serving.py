"""Running the service: uvicorn workers, each with its own listening socket.

With several workers, uvicorn binds one socket for all of them. Two things go wrong with that on
Linux: the socket is created without naming the TCP protocol, so asyncio never sets TCP_NODELAY
on accepted connections (every reply on a kept-alive connection then waits ~40 ms for a delayed
ACK), and whichever worker wakes first accepts most connections. Here each worker binds its own
socket with SO_REUSEPORT (the kernel spreads connections across them) and TCP_NODELAY.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys


def _listen(host: str, port: int, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _worker(host: str, port: int) -> None:
    import uvicorn

    sock = _listen(host, port, reuse_port=True)
    config = uvicorn.Config("clearway.asgi:app", log_level="warning", access_log=False, proxy_headers=False)
    uvicorn.Server(config).run(sockets=[sock])


def serve(host: str, port: int, workers: int) -> None:
    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        import uvicorn

        uvicorn.run("clearway.asgi:app", host=host, port=port, workers=workers, log_level="warning",
                    access_log=False, proxy_headers=False)
        return
    # Fail early and clearly when the port is taken (a probe socket without SO_REUSEPORT).
    probe = _listen(host, port, reuse_port=True)
    probe.close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_worker, args=(host, port), daemon=False) for _ in range(workers)]
    for p in procs:
        p.start()

    def stop(signum, _frame):
        for p in procs:
            if p.is_alive():
                p.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for p in procs:
        p.join()
    codes = [p.exitcode for p in procs]
    if any(c not in (0, -signal.SIGTERM, None) for c in codes):
        sys.exit(1)
