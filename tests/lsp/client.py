"""A minimal Language Server Protocol client: JSON-RPC 2.0 over a subprocess's stdio.

Written from the protocol (Content-Length framed JSON), not with pygls, so the
tests see exactly the bytes an editor would. Every wait has a deadline: a server
that stops answering fails the test instead of hanging the suite.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

TIMEOUT = 30.0


class ServerGone(Exception):
    """The server closed its output or sent something that is not a framed message."""


class LspClient:
    def __init__(self, cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "phonejail", "lsp", "--stdio"], cwd=cwd,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.notifications: list[dict[str, Any]] = []
        self.next_id = 0
        self.shut_down = False
        threading.Thread(target=self._read, daemon=True).start()

    # -- wire ------------------------------------------------------------------------------
    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        try:
            while True:
                headers: dict[str, str] = {}
                while True:
                    line = stream.readline()
                    if not line:
                        return
                    if line in (b"\r\n", b"\n"):
                        break
                    name, _, value = line.decode("ascii").partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = stream.read(int(headers["content-length"]))
                self.inbox.put(json.loads(body.decode("utf-8")))
        except (OSError, ValueError):
            return  # the stream was closed under us at the end of a test
        finally:
            self.inbox.put(None)

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        stdin.flush()

    def _receive(self) -> dict[str, Any]:
        try:
            message = self.inbox.get(timeout=TIMEOUT)
        except queue.Empty:
            raise TimeoutError(f"no message from the server in {TIMEOUT} s") from None
        if message is None:
            raise ServerGone(self.process.stderr.read().decode() if self.process.stderr
                             else "")
        if "method" in message and "id" in message:  # a request from the server
            self._send({"id": message["id"], "result": None})
        elif "method" in message:
            self.notifications.append(message)
        return message

    # -- protocol --------------------------------------------------------------------------
    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        sent = self.next_id
        self.shut_down = self.shut_down or method == "shutdown"
        self._send({"id": sent, "method": method, "params": params})
        while True:
            message = self._receive()
            if message.get("id") == sent and "method" not in message:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def wait_for(self, method: str, where: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The params of the first notification `method` (already received or next) that fits."""
        for seen in self.notifications:
            if seen["method"] == method and where(seen["params"]):
                self.notifications.remove(seen)
                return seen["params"]
        while True:
            message = self._receive()
            if message.get("method") == method and "id" not in message \
                    and where(message["params"]):
                self.notifications.remove(message)
                return message["params"]

    def close(self) -> int:
        """shutdown, exit, and the server's exit code."""
        if self.process.poll() is None:
            try:
                if not self.shut_down:
                    self.request("shutdown", None)
                self.notify("exit", None)
                return self.process.wait(timeout=TIMEOUT)
            finally:
                if self.process.poll() is None:
                    self.process.kill()
                    self.process.wait()
                for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
                    if stream is not None:
                        stream.close()
        return self.process.returncode
