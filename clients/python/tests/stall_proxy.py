"""A TCP proxy for the end-to-end tests that can stall a link: while stalled it neither reads nor forwards, so the
connections through it stay open and silent, as behind a NAT that forgot them."""

from __future__ import annotations

import socket
import threading


class StallProxy:
    """Forwards ``127.0.0.1:port`` to ``127.0.0.1:upstream``; `stall()` and `resume()` hold and release the bytes."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._passing = threading.Event()
        self._passing.set()
        self._lock = threading.Lock()
        self._connections = 0
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def connections(self) -> int:
        with self._lock:
            return self._connections

    def stall(self) -> None:
        self._passing.clear()

    def resume(self) -> None:
        self._passing.set()

    def close(self) -> None:
        self._closed = True
        self._passing.set()
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._connections += 1
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream))
            except OSError:
                client.close()
                continue
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                self._passing.wait()
                data = source.recv(65536)
                if not data:
                    break
                self._passing.wait()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.close()
                except OSError:
                    pass
