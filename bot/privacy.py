"""Phone numbers: looked up by keyed hash, stored only encrypted, never logged."""

from __future__ import annotations

import hashlib
import hmac
import re

from cryptography.fernet import Fernet, InvalidToken

_NOT_DIGITS = re.compile(r"[^\d+]")


class PhoneVault:
    """Turns a phone number into a look-up key and an encrypted copy for replying."""

    def __init__(self, hmac_key: str, encryption_key: str) -> None:
        self._hmac_key = hmac_key.encode()
        self._fernet = Fernet(encryption_key.encode())

    @staticmethod
    def normalize(phone: str) -> str:
        """E.164-ish canonical form, so one phone always gives one key."""
        digits = _NOT_DIGITS.sub("", phone.strip())
        if not digits.startswith("+"):
            digits = "+1" + digits if len(digits) == 10 else "+" + digits
        return digits

    def key(self, phone: str) -> str:
        """HMAC-SHA256 of the number with the server's key: stable, not reversible."""
        return hmac.new(self._hmac_key, self.normalize(phone).encode(), hashlib.sha256).hexdigest()

    def encrypt(self, phone: str) -> str:
        """The number, encrypted for storage."""
        return self._fernet.encrypt(self.normalize(phone).encode()).decode()

    def seal(self, secret: str) -> str:
        """Any other secret (a console account's TOTP key), encrypted with the same key."""
        return self._fernet.encrypt(secret.encode()).decode()

    def decrypt(self, token: str) -> str:
        """The number back, to send a reply; raises ValueError if the key does not match."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as error:
            raise ValueError("phone number cannot be decrypted with this key") from error
