"""A real SFTP server on loopback: asyncssh's
server, run in this test process on a thread of its own, host key checked by the client,
able to cut the connection in the middle of a chosen file."""

from __future__ import annotations

import asyncio
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import asyncssh

PASSWORD = "correct horse battery staple"


@dataclass
class Plan:
    """What the server does: cut the connection after ``after`` bytes of file ``name``
    (written by the client when sending, read by it when fetching), once."""

    name: str = ""
    after: int = 0
    uploads: dict[str, int] = field(default_factory=dict)  # final name: times renamed into place


@dataclass
class Server:
    root: Path
    port: int
    known_hosts: Path
    client_key: Path
    plan: Plan

    @property
    def outbound(self) -> Path:
        """The clearinghouse's folder for us (what fetch downloads)."""
        return self.root / "outbound"

    @property
    def inbound(self) -> Path:
        """The clearinghouse's folder for our files (what send uploads)."""
        return self.root / "inbound"

    def profile(self, home: Path, *, password: bool = False, name: str = "test") -> str:
        folder = home / "clearinghouses"
        folder.mkdir(parents=True, exist_ok=True)
        auth = 'password_env = "THERABILL_TEST_SFTP_PASSWORD"' if password else (
            f'key_path = "{self.client_key}"'
        )  # fmt: skip
        (folder / f"{name}.toml").write_text(
            SHIPPED_IDS
            + f"""
[connection]
host = "127.0.0.1"
port = {self.port}
user = "practice"
{auth}
known_hosts = "{self.known_hosts}"
outbox = "/inbound"
inbox = "/outbound"
timeout_seconds = 10
""",
            "utf-8",
        )
        return name


SHIPPED_IDS = """
[interchange]
usage = "T"
sender_qualifier = "ZZ"
sender_id = "THERABILL"
receiver_qualifier = "ZZ"
receiver_id = "CLEARINGHOUSE"
sender_code = "THERABILL"
receiver_code = "CLEARINGHOUSE"

[submitter]
name = "THERABILL PRACTICE"
id = "THERABILL"
contact = "BILLING OFFICE"
phone = "5555550100"

[receiver]
name = "CLEARINGHOUSE"
id = "CLEARINGHOUSE"
"""


def _server_classes(plan: Plan, root: Path, client_public: str) -> tuple[Any, Any]:
    authorized = asyncssh.import_authorized_keys(client_public)

    class SSHServer(asyncssh.SSHServer):  # type: ignore[misc]
        def begin_auth(self, username: str) -> bool:
            return True

        def password_auth_supported(self) -> bool:
            return True

        def validate_password(self, username: str, password: str) -> bool:
            return username == "practice" and password == PASSWORD

        def public_key_auth_supported(self) -> bool:
            return True

        def validate_public_key(self, username: str, key: Any) -> bool:
            found = authorized.validate(key, "127.0.0.1", "127.0.0.1")
            return username == "practice" and found is not None

    class SFTPServer(asyncssh.SFTPServer):  # type: ignore[misc]
        def __init__(self, chan: Any) -> None:
            super().__init__(chan, chroot=str(root).encode())
            self.names: dict[int, str] = {}
            self.counts: dict[int, int] = {}

        def open(self, path: bytes, pflags: int, attrs: Any) -> Any:
            handle = super().open(path, pflags, attrs)
            self.names[id(handle)] = Path(path.decode()).name
            self.counts[id(handle)] = 0
            return handle

        def _maybe_drop(self, handle: Any, size: int) -> None:
            name = self.names.get(id(handle), "")
            self.counts[id(handle)] = self.counts.get(id(handle), 0) + size
            if plan.name and plan.name in name and self.counts[id(handle)] > plan.after:
                plan.name = ""  # once
                self.connection.abort()
                raise asyncssh.SFTPFailure("connection cut by the test")

        def write(self, handle: Any, offset: int, data: bytes) -> int:
            self._maybe_drop(handle, len(data))
            return int(super().write(handle, offset, data))

        def read(self, handle: Any, offset: int, size: int) -> bytes:
            data = super().read(handle, offset, size)
            if data:
                self._maybe_drop(handle, len(data))
            return bytes(data)

        def posix_rename(self, oldpath: bytes, newpath: bytes) -> None:
            name = Path(newpath.decode()).name
            plan.uploads[name] = plan.uploads.get(name, 0) + 1
            super().posix_rename(oldpath, newpath)

    return SSHServer, SFTPServer


@pytest.fixture
def sftp(tmp_path: Path) -> Iterator[Server]:
    root = tmp_path / "sftp-root"
    (root / "inbound").mkdir(parents=True)
    (root / "outbound").mkdir()
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    key_path = tmp_path / "client_ed25519"
    key_path.write_bytes(client_key.export_private_key())
    key_path.chmod(0o600)
    plan = Plan()
    ssh_class, sftp_class = _server_classes(plan, root, client_key.export_public_key().decode())
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def start() -> Any:
        return await asyncssh.create_server(
            ssh_class, "127.0.0.1", 0, server_host_keys=[host_key], sftp_factory=sftp_class
        )

    server = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=30)
    port = server.sockets[0].getsockname()[1]
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(
        f"[127.0.0.1]:{port} {host_key.export_public_key().decode().strip()}\n", "utf-8"
    )
    try:
        yield Server(root, port, known_hosts, key_path, plan)
    finally:
        server.close()
        asyncio.run_coroutine_threadsafe(server.wait_closed(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        loop.close()
