"""Who asked: the requester's address normalized, pseudonymized and encrypted.

The register keeps an HMAC-SHA256 of the normalized address (`secrets.pseudonym_key`) to
recognise the same person again without storing the address, and the address itself
encrypted (Fernet, `secrets.contact_key`) because the answer must reach it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken

from pdpipe.errors import BadInput


def normalize_address(address: str, *, plus_addressing: bool = True) -> str:
    """`  Ivan.Petrov+news@Mail.RU ` -> `ivan.petrov@mail.ru` (NFKC, case, whitespace, and
    with plus-addressing the `+tag`)."""
    text = unicodedata.normalize("NFKC", address).strip().casefold()
    local, at, domain = text.rpartition("@")
    if not at:
        return text
    if plus_addressing and "+" in local:
        local = local.split("+", 1)[0]
    return f"{local}@{domain.rstrip('.')}"


@dataclass(frozen=True)
class Keys:
    pseudonym_key: bytes
    contact_key: bytes

    def pseudonym(self, normalized: str) -> str:
        return hmac.new(self.pseudonym_key, normalized.encode(), hashlib.sha256).hexdigest()

    def _fernet(self) -> Fernet:
        # Fernet wants 32 url-safe base64 bytes; any secret text becomes one by SHA-256.
        digest = hashlib.sha256(b"pdpipe-contact\x00" + self.contact_key).digest()
        return Fernet(base64.urlsafe_b64encode(digest))

    def encrypt(self, text: str) -> str:
        return self._fernet().encrypt(text.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet().decrypt(token.encode()).decode()
        except InvalidToken:
            raise BadInput(
                "secrets.contact_key does not open the register's encrypted fields: "
                "it is not the key they were written with"
            ) from None
