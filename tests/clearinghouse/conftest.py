"""A practice (tests/posting_fixtures.py) and a real SFTP server on loopback (sftp_server.py)."""

from sftp_server import sftp

from posting_fixtures import home, practice

__all__ = ["home", "practice", "sftp"]
