"""Who asked: the requester's address normalized, pseudonymized and encrypted.

The register keeps a keyed hash of the normalized address to recognise the same person
again without storing the address, and the address itself encrypted (Fernet) because the
answer must reach it. Both keys come from `secrets.contact_key`, each by its own
derivation, and neither is the depersonalization key: the register's requester hash is
never the pseudonym that `pseudonym` or `pseudonym_email` wrote for the same address, so
the register cannot be joined to depersonalized records, even when a deployment sets
`pseudonym_key` and `contact_key` to the same value.

Registers written before this kept `HMAC(pseudonym_key, address)`, the very pseudonym;
`intake.upgrade_register` rewrites those rows (REQUESTER_SCHEME tells them apart).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretBytes

from pdpipe.errors import BadInput
from pdpipe.policy.secrets import KeyPurpose, derive_key

REQUESTER_SCHEME = "v2:"  # the prefix of requester hashes derived apart from the pseudonyms


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
    """The register's keys. Held as SecretBytes: a repr, a log line or a traceback shows
    `SecretBytes(b'**********')`, never the key."""

    contact_key: SecretBytes

    def requester(self, normalized: str) -> str:
        """`v2:` and the URL-safe base64 of HMAC-SHA256(derived key, normalized address).
        The derived key is not kept: deriving it again costs microseconds."""
        key = derive_key(self.contact_key, KeyPurpose.REGISTER_REQUESTER)
        digest = hmac.digest(key, normalized.encode("utf-8", "surrogateescape"), hashlib.sha256)
        return REQUESTER_SCHEME + base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def _fernet(self) -> Fernet:
        # Fernet wants 32 url-safe base64 bytes; any secret text becomes one by SHA-256,
        # prefixed by the use (this derivation is the first version's: registers written
        # since then stay readable).
        secret = self.contact_key.get_secret_value()
        digest = hashlib.sha256(b"pdpipe-contact\x00" + secret).digest()
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
