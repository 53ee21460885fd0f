"""Navigator accounts: creation, argon2 password checks, roles and sign-in throttling.

There is no default account: the first admin is made with `helpline create-admin`.
Failed sign-ins are counted in the database (so every gateway worker sees them), per
account and per address, over a sliding window.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.accounts.models import ADMIN, NAVIGATOR, ROLES, LoginFailure, Navigator
from bot.accounts.sessions import end_all
from bot.db import utcnow

log = logging.getLogger(__name__)

MIN_PASSWORD = 12
# Throttling over a sliding window. A stranger's guesses lock the account only from the
# stranger's address (account and address together), so nobody can lock a navigator out
# from elsewhere; the address alone, and the account from everywhere at once (a
# distributed guess), have higher ceilings.
FAILURES_PER_ACCOUNT_AT_ADDRESS = 5
FAILURES_PER_ADDRESS = 20
FAILURES_PER_ACCOUNT = 50
FAILURE_WINDOW = timedelta(minutes=15)


class AccountError(ValueError):
    """An account cannot be created as asked (the message says why)."""


@dataclass(frozen=True)
class SignIn:
    """The result of one sign-in attempt."""

    navigator: Navigator | None
    throttled: bool = False


class NavigatorService:
    """Creates and checks navigator accounts."""

    def __init__(self, sessions: sessionmaker, hasher: PasswordHasher | None = None) -> None:
        self.sessions = sessions
        self.hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None

    def create(self, email: str, name: str, password: str, role: str = NAVIGATOR) -> Navigator:
        """A new active account; refuses a weak password, an unknown role or a taken email."""
        email, name = normal_email(email), name.strip()
        if role not in ROLES:
            raise AccountError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
        if "@" not in email or not name:
            raise AccountError("Give an email address and a name.")
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"Use a password of at least {MIN_PASSWORD} characters.")
        navigator = Navigator(
            email=email, name=name, role=role, password_hash=self.hasher.hash(password)
        )
        with self.sessions() as session:
            session.add(navigator)
            try:
                session.commit()
            except IntegrityError:
                raise AccountError("An account with that email already exists.") from None
        log.info("created %s account %s", role, navigator.id)
        return navigator

    def deactivate(self, email: str) -> bool:
        """Stop an account from signing in; its open sessions end now."""
        with self.sessions() as session:
            navigator = session.execute(
                select(Navigator).where(Navigator.email == normal_email(email))
            ).scalar_one_or_none()
            if navigator is None:
                return False
            navigator.active = False
            end_all(session, navigator.id)
            session.commit()
        log.info("deactivated account %s", navigator.id)
        return True

    def admin_exists(self) -> bool:
        """True when at least one active admin account exists."""
        with self.sessions() as session:
            found = session.execute(
                select(Navigator.id).where(Navigator.role == ADMIN, Navigator.active).limit(1)
            ).first()
            return found is not None

    def get(self, navigator_id: int) -> Navigator | None:
        """The active account with this id, if any."""
        with self.sessions() as session:
            navigator = session.get(Navigator, navigator_id)
            return navigator if navigator is not None and navigator.active else None

    def names(self) -> dict:
        """Every account's display name by id."""
        with self.sessions() as session:
            return dict(session.execute(select(Navigator.id, Navigator.name)).all())

    def sign_in(self, email: str, password: str, address: str) -> SignIn:
        """Check a password; too many recent failures refuse the attempt unchecked."""
        email = normal_email(email)
        if self.throttled(email, address):
            log.warning("sign-in throttled for an account or address")
            return SignIn(None, throttled=True)
        with self.sessions() as session:
            navigator = session.execute(
                select(Navigator).where(Navigator.email == email, Navigator.active)
            ).scalar_one_or_none()
            if navigator is None:
                # Same work as a real check, so timing does not reveal which emails exist.
                self._verify(self._dummy(), password)
            elif self._verify(navigator.password_hash, password):
                if self.hasher.check_needs_rehash(navigator.password_hash):
                    navigator.password_hash = self.hasher.hash(password)
                navigator.last_sign_in_at = utcnow()
                session.execute(delete(LoginFailure).where(LoginFailure.email == email))
                session.commit()
                return SignIn(navigator)
            session.add(LoginFailure(email=email, address=address[:64]))
            session.commit()
        return SignIn(None)

    def throttled(self, email: str, address: str) -> bool:
        """True when this account or address has failed too often lately."""
        since = utcnow() - FAILURE_WINDOW
        email, address = normal_email(email), address[:64]
        recent = LoginFailure.created_at >= since
        with self.sessions() as session:
            pair, by_address, by_account = (
                session.execute(
                    select(func.count()).select_from(LoginFailure).where(recent, *where)
                ).scalar_one()
                for where in (
                    (LoginFailure.email == email, LoginFailure.address == address),
                    (LoginFailure.address == address,),
                    (LoginFailure.email == email,),
                )
            )
        return (
            pair >= FAILURES_PER_ACCOUNT_AT_ADDRESS
            or by_address >= FAILURES_PER_ADDRESS
            or by_account >= FAILURES_PER_ACCOUNT
        )

    def failed(self, email: str, address: str) -> None:
        """Count a failed step of signing in (a wrong second-factor code too)."""
        with self.sessions() as session:
            session.add(LoginFailure(email=normal_email(email), address=address[:64]))
            session.commit()

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash("not a real password, only for equal timing")
        return self._dummy_hash


def normal_email(email: str) -> str:
    """How an email is stored and looked up."""
    return email.strip().lower()
