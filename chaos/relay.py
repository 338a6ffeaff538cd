"""A TCP relay that can freeze: a hung server (or a dropped network) as its clients see it.

While frozen it still accepts connections (the kernel holds what clients send), but forwards nothing, so a client waits
for answers that do not come, as with a stopped PostgreSQL. Only connections made through the relay are
affected: the shared PostgreSQL cluster stays as it is. Used by `make chaos` and moviesite's tests.
"""
from __future__ import annotations

import select
import socket
import threading

HOST = "127.0.0.1"


class FreezableRelay:
    """Forwards TCP connections to (host, port); while frozen it accepts them but forwards nothing."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.frozen = threading.Event()
        self.stopped = threading.Event()
        self.listener = socket.create_server((HOST, 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True, name="relay-accept").start()

    def _accept(self) -> None:
        self.listener.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._pump, args=(client,), daemon=True, name="relay-pump").start()

    def _pump(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()
            return
        pair = {client: upstream, upstream: client}
        try:
            while not self.stopped.is_set():
                if self.frozen.is_set():  # hold everything: the client waits for an answer that does not come
                    self.stopped.wait(0.05)
                    continue
                readable, _, _ = select.select(list(pair), [], [], 0.2)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    pair[sock].sendall(data)
        except OSError:
            pass
        finally:
            client.close()
            upstream.close()

    def close(self) -> None:
        self.stopped.set()
        self.listener.close()
