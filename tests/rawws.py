"""A bare WebSocket client on plain sockets: what an attacker scripts, without a client library.

Thousands of these fit in one thread (no reader threads, no reconnection, no ping answers unless
asked), which is the point: tests/test_socket_guard.py and bench/attack_room.py open them by the
thousand to hold a server's connections, or write event frames in a tight loop.
"""

import json
import os
import socket
from urllib.parse import urlsplit


def frame(text: str) -> bytes:
    """One masked text frame, as a client must send it."""
    payload = text.encode()
    mask = os.urandom(4)
    size = len(payload)
    length = bytes([0x80 | size]) if size < 126 else bytes([0x80 | 126]) + size.to_bytes(2, "big")
    header = b"\x81" + length
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def read_frame(sock) -> str | None:
    """The next text frame from the server (None when it closed the connection)."""
    head = recv_exactly(sock, 2)
    if head is None:
        return None
    size = head[1] & 0x7F
    if size == 126:
        size = int.from_bytes(recv_exactly(sock, 2) or b"\0\0", "big")
    elif size == 127:
        size = int.from_bytes(recv_exactly(sock, 8) or b"\0" * 8, "big")
    payload = recv_exactly(sock, size) if size else b""
    if payload is None or head[0] & 0x0F == 0x8:
        return None  # closed, or a close frame
    return payload.decode(errors="replace")


def recv_exactly(sock, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def open_websocket(url: str, timeout: float = 10.0) -> tuple[socket.socket, int]:
    """Do the Engine.IO WebSocket upgrade; return the socket and the HTTP status (101 if upgraded)."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
    sock.sendall(
        (
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
            f"Host: {parts.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        # Peek, then take only the response head: the first frame may follow in the same packet.
        peeked = sock.recv(4096, socket.MSG_PEEK)
        if not peeked:
            return sock, 0
        end = (response + peeked).find(b"\r\n\r\n")
        take = len(peeked) if end < 0 else end + 4 - len(response)
        response += sock.recv(take)
    status = int(response.split(b" ", 2)[1])
    return sock, status


def connect_participant(url: str, code: str, token: str) -> socket.socket:
    """A raw socket through the Engine.IO open and the Socket.IO connect as a participant."""
    sock, status = open_websocket(url)
    assert status == 101, status
    assert (read_frame(sock) or "").startswith("0")  # Engine.IO open
    auth = {"session": code, "role": "participant", "token": token}
    sock.sendall(frame("40" + json.dumps(auth)))
    while True:
        text = read_frame(sock)
        assert text is not None, "the server closed the socket at connect"
        if text.startswith("40"):
            return sock
        assert not text.startswith("44"), text
