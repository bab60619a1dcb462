"""People who sign in to the web pages: a username, a role, a password kept as a slow salted hash.

Passwords are hashed with scrypt (``hashlib.scrypt``: memory-hard, in the standard library) and a
per-user random salt; the parameters are stored with the hash. A check against an unknown or
disabled user still spends the same work, so timing does not tell which usernames exist.

Sessions remember who signed in by id; :func:`get_user` and :func:`get_key` let every request
re-check that the user or key is still live (a disabled user or a revoked key is signed out).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from .schema import api_keys
from .store import ROLE_RANK, ROLES, ApiKey, Store, now
from .users_schema import users

# scrypt work factors: 16 MiB of memory and ~50 ms per hash on a 2020s core.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,99}$")


class UserError(ValueError):
    """A username, role or password that cannot be accepted, or an unknown user."""


@dataclass(frozen=True, slots=True)
class User:
    id: str
    username: str
    role: str
    created_at: str
    disabled_at: str | None

    def allows(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


def _row(r) -> User:
    return User(r.id, r.username, r.role, r.created_at, r.disabled_at)


def hash_password(password: str, *, salt: bytes | None = None, n: int = SCRYPT_N, r: int = SCRYPT_R,
                  p: int = SCRYPT_P) -> str:
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=128 * 1024 * 1024, dklen=32)
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        again = hash_password(password, salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(again.rsplit("$", 1)[1], digest)


# Spent on unknown usernames so that a miss costs as much as a wrong password.
_DUMMY = hash_password("not a password", salt=b"\0" * 16)


def normalise_username(username: str) -> str:
    return username.strip().lower()


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise UserError(f"a password has at most {MAX_PASSWORD} characters")


def create_user(store: Store, username: str, role: str, password: str) -> User:
    name = normalise_username(username)
    if not USERNAME_RE.match(name):
        raise UserError("a username is 2–100 characters: letters, digits and . _ @ - (starting with a letter or digit)")
    if role not in ROLE_RANK:
        raise UserError(f"unknown role {role!r} (use one of: {', '.join(ROLES)})")
    check_new_password(password)
    user = User("u_" + secrets.token_hex(6), name, role, now(), None)
    try:
        with store.engine.begin() as conn:
            conn.execute(insert(users).values(id=user.id, username=user.username, role=user.role,
                                              password=hash_password(password), created_at=user.created_at))
    except IntegrityError:
        raise UserError(f"a user named {name!r} exists already") from None
    return user


def authenticate(store: Store, username: str, password: str) -> User | None:
    """The live user with this username and password, or None (unknown, wrong or disabled)."""
    name = normalise_username(username)
    with store.engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == name)).first()
    if row is None or len(password) > MAX_PASSWORD:
        verify_password(password[:MAX_PASSWORD], _DUMMY)
        return None
    if not verify_password(password, row.password) or row.disabled_at:
        return None
    return _row(row)


def get_user(store: Store, user_id: str) -> User | None:
    with store.engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return None if row is None else _row(row)


def list_users(store: Store) -> list[User]:
    with store.engine.connect() as conn:
        return [_row(r) for r in conn.execute(select(users).order_by(users.c.created_at)).all()]


def disable_user(store: Store, username: str) -> User:
    name = normalise_username(username)
    with store.engine.begin() as conn:
        conn.execute(update(users).where(users.c.username == name, users.c.disabled_at.is_(None))
                     .values(disabled_at=now()))
        row = conn.execute(select(users).where(users.c.username == name)).first()
    if row is None:
        raise UserError(f"no user named {name!r}")
    return _row(row)


def set_password(store: Store, username: str, password: str) -> User:
    check_new_password(password)
    name = normalise_username(username)
    with store.engine.begin() as conn:
        res = conn.execute(update(users).where(users.c.username == name).values(password=hash_password(password)))
        row = conn.execute(select(users).where(users.c.username == name)).first()
    if res.rowcount == 0 or row is None:
        raise UserError(f"no user named {name!r}")
    return _row(row)


def get_key(store: Store, key_id: str) -> ApiKey | None:
    """The API key record with this id, live or revoked (a session made with a key re-checks it)."""
    with store.engine.connect() as conn:
        r = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
    return None if r is None else ApiKey(r.id, r.name, r.role, r.created_at, r.revoked_at, r.scope)
