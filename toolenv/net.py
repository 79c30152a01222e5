"""The listening socket of the project's servers (`toolenv serve`, `toolenv serve-mcp --transport http`)."""

from __future__ import annotations

import socket


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on (host, port); port 0 picks a free one. OSError when it cannot.

    Made with ``proto=IPPROTO_TCP``: asyncio sets TCP_NODELAY only on connections whose socket says
    so, and without it every response (headers and body are two writes) waits ~40 ms for the
    client's delayed ACK (Nagle's algorithm)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    family, _, proto, _, addr = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    return sock
