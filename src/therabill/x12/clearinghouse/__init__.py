"""Clearinghouse profiles: sender/receiver ids, submitter contact, test or production, and
how to reach the clearinghouse (the ``[connection]`` section: SFTP host, port, user, key or
the name of the environment variable holding the password, remote folders, file names).

A profile is a TOML file (format documented in ``data/default.toml``). The package ships a
test placeholder named ``default``; ``<data dir>/clearinghouses/<name>.toml`` overrides a
shipped profile of the same name or adds a new one. A malformed profile is a
``DataFileError`` naming the file, the key and the problem.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from therabill.config import data_dir
from therabill.errors import DataFileError, InvalidInput
from therabill.x12.writer import Delimiters, InterchangeSettings, Party

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,59}$")
USER_FOLDER = "clearinghouses"

Id = Annotated[str, Field(min_length=1, max_length=80)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Interchange(_Section):
    usage: Literal["T", "P"] = "T"
    sender_qualifier: Annotated[str, Field(min_length=2, max_length=2)]
    sender_id: Annotated[str, Field(min_length=1, max_length=15)]
    receiver_qualifier: Annotated[str, Field(min_length=2, max_length=2)]
    receiver_id: Annotated[str, Field(min_length=1, max_length=15)]
    sender_code: Annotated[str, Field(min_length=2, max_length=15)]
    receiver_code: Annotated[str, Field(min_length=2, max_length=15)]
    acknowledgment_requested: bool = False


class Submitter(_Section):
    name: Annotated[str, Field(min_length=1, max_length=60)]
    id: Id
    contact: Annotated[str, Field(min_length=1, max_length=60)]
    phone: Annotated[str, Field(pattern=r"^\d{10}$")] | None = None
    email: Annotated[str, Field(max_length=256)] = ""


class Receiver(_Section):
    name: Annotated[str, Field(min_length=1, max_length=60)]
    id: Id


class Format(_Section):
    uppercase: bool = True
    newline: bool = True


class Connection(_Section):
    """Where and how to reach the clearinghouse's SFTP server. A password is never written in
    the profile: ``password_env`` names the environment variable that holds it."""

    host: Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.:-]+$")]
    port: Annotated[int, Field(ge=1, le=65535)] = 22
    user: Annotated[str, Field(min_length=1, max_length=100)]
    key_path: str = ""  # a private key file (OpenSSH format); ~ is the user's home
    key_passphrase_env: str = ""  # the environment variable holding the key's passphrase
    password_env: str = ""  # the environment variable holding the password
    known_hosts: str = "~/.ssh/known_hosts"  # the server's host key must be in this file
    outbox: str = "/inbound"  # remote folder our 837/270/276 files go to
    inbox: str = "/outbound"  # remote folder the clearinghouse's answers come from
    upload_pattern: Annotated[str, Field(min_length=6, max_length=120)] = "{name}"
    download_pattern: Annotated[str, Field(min_length=1, max_length=60)] = "*"
    timeout_seconds: Annotated[int, Field(ge=5, le=600)] = 60

    def upload_name(self, local_name: str, day: str) -> str:
        """The remote name of an outbox file: ``upload_pattern`` with ``{name}`` (the local
        name), ``{stem}``, ``{ext}`` and ``{date}`` (YYYYMMDD) filled in."""
        stem, dot, ext = local_name.rpartition(".")
        if not dot:
            stem, ext = local_name, ""
        name = self.upload_pattern.format(name=local_name, stem=stem, ext=ext, date=day)
        if "/" in name or name.startswith(".") or not name.strip():
            raise InvalidInput(
                f"upload_pattern gives {name!r}, not a plain file name",
                field="connection.upload_pattern",
            )
        return name


class Clearinghouse(_Section):
    """One clearinghouse profile, as read from its TOML file."""

    name: str = "default"
    source: str = ""
    description: str = ""
    interchange: Interchange
    submitter: Submitter
    receiver: Receiver
    format: Format = Format()
    connection: Connection | None = None

    @property
    def settings(self) -> InterchangeSettings:
        """What the ISA/GS writer needs."""
        i = self.interchange
        return InterchangeSettings(
            sender=Party(i.sender_qualifier, i.sender_id, i.sender_code),
            receiver=Party(i.receiver_qualifier, i.receiver_id, i.receiver_code),
            usage=i.usage,
            acknowledgment_requested=i.acknowledgment_requested,
        )

    @property
    def delimiters(self) -> Delimiters:
        return Delimiters(newline=self.format.newline)


def user_folder() -> Path:
    return data_dir() / USER_FOLDER


def parse_clearinghouse(text: str, *, name: str, source: str) -> Clearinghouse:
    """Read a profile from TOML text; errors name ``source`` and the key."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(source, None, f"not valid TOML: {exc}") from None
    raw.pop("name", None)
    try:
        return Clearinghouse.model_validate({**raw, "name": name, "source": source})
    except ValidationError as exc:
        problems = [
            f"key {'.'.join(str(p) for p in error['loc']) or '(top level)'}: {error['msg']}"
            for error in exc.errors()
        ]
        raise DataFileError(source, None, "; ".join(problems)) from None


def load_clearinghouse(name: str = "default") -> Clearinghouse:
    """The named profile: the user's file if there is one, else the shipped one."""
    if not NAME_PATTERN.match(name):
        raise InvalidInput(
            f"{name!r} is not a clearinghouse profile name (letters, digits, '-', '_', '.')",
            field="--clearinghouse",
        )
    user_file = user_folder() / f"{name}.toml"
    if user_file.is_file():
        return parse_clearinghouse(user_file.read_text("utf-8"), name=name, source=str(user_file))
    shipped = resources.files(__package__).joinpath("data", f"{name}.toml")
    if shipped.is_file():
        return parse_clearinghouse(shipped.read_text("utf-8"), name=name, source=f"{name}.toml")
    raise InvalidInput(
        f"no clearinghouse profile {name!r}",
        field="--clearinghouse",
        hint=f"Create {user_file} (copy the shipped 'default' profile and edit it).",
    )


def available_clearinghouses() -> list[str]:
    """Names of every profile, shipped and the user's."""
    names = {
        Path(entry.name).stem
        for entry in resources.files(__package__).joinpath("data").iterdir()
        if entry.name.endswith(".toml")
    }
    folder = user_folder()
    if folder.is_dir():
        names.update(p.stem for p in folder.glob("*.toml"))
    return sorted(names)
