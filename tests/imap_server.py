"""A real IMAP server for tests: Debian's dovecot, started on a free loopback port with its
own configuration, users file and mail folder under a temporary directory.

Installed by scripts/system-deps.sh; tests skip cleanly where dovecot is missing.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


@dataclass
class ImapServer:
    host: str
    port: int
    user: str
    password: str

    def append(self, messages: list[bytes], folder: str = "INBOX") -> None:
        client = imaplib.IMAP4(self.host, self.port)
        client.login(self.user, self.password)
        if folder != "INBOX":
            client.create(folder)
        for raw in messages:
            client.append(folder, None, None, raw)
        client.logout()


def available() -> bool:
    return os.path.exists(DOVECOT)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def dovecot(user: str = "sam", password: str = "mail-test-password") -> Iterator[ImapServer]:
    """A running dovecot serving one user over plain IMAP on 127.0.0.1."""
    # dovecot's own processes run as other users, so its folder must be one they can enter
    # (pytest's temporary folders are private to the user who runs the tests)
    tmp = Path(tempfile.mkdtemp(prefix="buyersync-imap-"))
    tmp.chmod(0o755)
    try:
        yield from _serve(tmp, user, password)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _serve(tmp: Path, user: str, password: str) -> Iterator[ImapServer]:
    port = _free_port()
    for sub in ("run", "state", "mail", "home"):
        (tmp / sub).mkdir(parents=True, exist_ok=True)
    # dovecot will not run mail processes as root: use `nobody` when the tests run as root
    owner = pwd.getpwnam("nobody") if os.getuid() == 0 else pwd.getpwuid(os.getuid())
    for sub in ("mail", "home"):
        os.chown(tmp / sub, owner.pw_uid, owner.pw_gid)
    (tmp / "users").write_text(
        f"{user}:{{PLAIN}}{password}:{owner.pw_uid}:{owner.pw_gid}::{tmp / 'home'}\n")
    (tmp / "dovecot.conf").write_text(f"""\
base_dir = {tmp / 'run'}
state_dir = {tmp / 'state'}
log_path = {tmp / 'dovecot.log'}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:{tmp / 'mail'}/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {tmp / 'users'}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {tmp / 'users'}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
""")
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(tmp / "dovecot.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = tmp / "dovecot.log"
                    raise RuntimeError("dovecot did not start: " +
                                       (log.read_text() if log.exists() else "no log")) from None
                time.sleep(0.1)
        yield ImapServer("127.0.0.1", port, user, password)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
