"""The console's second factor: TOTP (RFC 6238, pyotp) with one-time recovery codes.

The console holds health information about people who use drugs, so a password alone is
not enough. Every account enrols on its first sign-in (an authenticator app scans a QR
code), gets ten recovery codes shown once, and from then on signs in with a code. A code
works once (its time step is remembered); an admin can reset a lost authenticator
(`helpline reset-second-factor`), which also ends the account's sessions.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import List

import pyotp
import segno
from sqlalchemy import delete, select, update
from sqlalchemy.orm import sessionmaker

from bot.accounts.models import Navigator, RecoveryCode
from bot.accounts.service import normal_email
from bot.accounts.sessions import end_all
from bot.db import utcnow
from bot.privacy import PhoneVault

ISSUER = "Overdose helpline console"
RECOVERY_CODES = 10
STEP = 30  # seconds per code


def _hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def _recovery_code() -> str:
    return f"{secrets.token_hex(2)}-{secrets.token_hex(2)}"


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows: the key to type in, and the same as a QR code."""

    secret: str
    uri: str
    qr_svg: str


class SecondFactor:
    """Enrols, checks and resets console accounts' second factor."""

    def __init__(self, sessions: sessionmaker, vault: PhoneVault) -> None:
        self.sessions = sessions
        self.vault = vault  # encrypts the TOTP secrets with the line's encryption key

    def enrolled(self, navigator_id: int) -> bool:
        """True once the account confirmed an authenticator."""
        with self.sessions() as session:
            navigator = session.get(Navigator, navigator_id)
            return navigator is not None and navigator.totp_enrolled_at is not None

    def begin(self, navigator_id: int) -> Enrolment:
        """The secret to enrol (the same one until it is confirmed, so a reload is safe)."""
        with self.sessions() as session:
            navigator = session.get(Navigator, navigator_id)
            if navigator is None or navigator.totp_enrolled_at is not None:
                raise ValueError("nothing to enrol")
            if navigator.totp_secret_encrypted:
                secret = self.vault.decrypt(navigator.totp_secret_encrypted)
            else:
                secret = pyotp.random_base32()
                navigator.totp_secret_encrypted = self.vault.seal(secret)
                session.commit()
            uri = pyotp.TOTP(secret).provisioning_uri(name=navigator.email, issuer_name=ISSUER)
        svg = segno.make(uri, error="m").svg_inline(scale=4, title="Authenticator QR code")
        return Enrolment(secret, uri, svg)

    def confirm(self, navigator_id: int, code: str, now: float | None = None) -> List[str]:
        """Finish enrolment with a first code; the recovery codes, shown once ([] if the
        code was wrong)."""
        with self.sessions() as session:
            navigator = session.get(Navigator, navigator_id)
            if navigator is None or not navigator.totp_secret_encrypted:
                return []
            step = self._step(navigator, code, now)
            if step is None:
                return []
            navigator.totp_last_step = step
            navigator.totp_enrolled_at = utcnow()
            codes = [
                f"{secrets.token_hex(2)}-{secrets.token_hex(2)}" for _ in range(RECOVERY_CODES)
            ]
            session.execute(delete(RecoveryCode).where(RecoveryCode.navigator_id == navigator_id))
            session.add_all(
                RecoveryCode(navigator_id=navigator_id, code_hash=_hash(c)) for c in codes
            )
            session.commit()
        return codes

    def verify(self, navigator_id: int, code: str, now: float | None = None) -> bool:
        """A current authenticator code not used before, or an unused recovery code."""
        with self.sessions() as session:
            navigator = session.get(Navigator, navigator_id)
            if navigator is None or navigator.totp_enrolled_at is None:
                return False
            step = self._step(navigator, code, now)
            if step is not None:
                navigator.totp_last_step = step
                session.commit()
                return True
            used = session.execute(
                update(RecoveryCode)
                .where(
                    RecoveryCode.navigator_id == navigator_id,
                    RecoveryCode.code_hash == _hash(code),
                    RecoveryCode.used_at.is_(None),
                )
                .values(used_at=utcnow())
            ).rowcount
            session.commit()
            return used == 1

    def reset(self, email: str) -> bool:
        """An admin's reset for a lost authenticator: enrol again at the next sign-in."""
        with self.sessions() as session:
            navigator = session.execute(
                select(Navigator).where(Navigator.email == normal_email(email))
            ).scalar_one_or_none()
            if navigator is None:
                return False
            navigator.totp_secret_encrypted = None
            navigator.totp_enrolled_at = None
            navigator.totp_last_step = None
            session.execute(delete(RecoveryCode).where(RecoveryCode.navigator_id == navigator.id))
            end_all(session, navigator.id)
            session.commit()
        return True

    def _step(self, navigator: Navigator, code: str, now: float | None) -> int | None:
        """The time step `code` belongs to (one step of clock drift allowed either way), if
        it is later than the last one used."""
        code = (code or "").replace(" ", "").strip()
        if not (code.isdigit() and len(code) == 6):
            return None
        totp = pyotp.TOTP(self.vault.decrypt(navigator.totp_secret_encrypted or ""))
        current = int((time.time() if now is None else now) // STEP)
        for step in (current - 1, current, current + 1):
            if secrets.compare_digest(totp.at(step * STEP), code):
                if navigator.totp_last_step is not None and step <= navigator.totp_last_step:
                    return None  # already used: a code works once
                return step
        return None
