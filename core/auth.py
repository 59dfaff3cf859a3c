"""Local users and roles for the UI: bcrypt password hashes in the ``users`` table.

An administrator creates users from the CLI (``enclave users add``); the UI signs them in
with :func:`verify_password` and allows pages and downloads by role. Each domain maps to
the role that may use it (``finance`` -> ``analyst``); ``admin`` may use everything.
"""

from __future__ import annotations

import functools
import re

import bcrypt
from sqlmodel import select

from core.errors import UserError
from core.storage import User

ROLES: tuple[str, ...] = ("admin", "analyst", "clinician", "operator", "dispatcher")

#: Which role (besides admin) may use each domain's pages, tasks and results.
DOMAIN_ROLES: dict[str, tuple[str, ...]] = {
    "finance": ("analyst",),
    "medical": ("clinician",),
    "industrial": ("operator",),
    "logistics": ("dispatcher",),
}

_USERNAME = re.compile(r"^[A-Za-z0-9._@-]{1,100}$")
MIN_PASSWORD_CHARS = 8
# bcrypt only reads the first 72 bytes; longer passwords are refused rather than truncated.
MAX_PASSWORD_BYTES = 72
#: bcrypt cost: 2**12 rounds takes ~0.2-0.3 s per sign-in on a 2-core server, slow enough
#: to make offline guessing expensive, fast enough that nobody waits at the form.
BCRYPT_ROUNDS = 12


def _store():
    from core.store import Store
    return Store()


def roles_for_domain(domain: str) -> tuple[str, ...]:
    """Roles (besides admin) allowed in ``domain``; unknown domains are admin-only."""
    return DOMAIN_ROLES.get(domain, ("admin",))


def parse_roles(roles: str | list[str] | tuple[str, ...]) -> list[str]:
    """Normalise a comma list or sequence of roles; a UserError names an unknown role."""
    items = roles.split(",") if isinstance(roles, str) else list(roles)
    out: list[str] = []
    for item in items:
        role = item.strip().lower()
        if not role:
            continue
        if role not in ROLES:
            raise UserError(f"unknown role {role!r}; roles are: {', '.join(ROLES)}")
        if role not in out:
            out.append(role)
    return out


def hash_password(password: str) -> str:
    """A bcrypt hash (salted, cost BCRYPT_ROUNDS) of ``password``; raises UserError when too short/long."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"password too short: use at least {MIN_PASSWORD_CHARS} characters")
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        raise UserError(f"password too long: at most {MAX_PASSWORD_BYTES} bytes")
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=BCRYPT_ROUNDS)).decode()


def create_user(username: str, password: str, roles: str | list[str] | tuple[str, ...],
                *, actor: str = "cli") -> User:
    """Create an active user with a hashed password; UserError if the name is taken or bad."""
    if not _USERNAME.match(username):
        raise UserError(f"invalid username {username!r}: use letters, digits and . _ @ -")
    role_list = parse_roles(roles)
    store = _store()
    with store.session() as s:
        if s.get(User, username) is not None:
            raise UserError(f"user {username!r} already exists; use `enclave users set-roles`")
        user = User(username=username, password_hash=hash_password(password),
                    roles=",".join(role_list), active=True)
        s.add(user)
        s.commit()
    store.audit(actor, "user.create", "user", username, roles=role_list)
    return user


def get_user(username: str) -> User | None:
    """The user row, or None."""
    with _store().session() as s:
        return s.get(User, username)


def user_roles(username: str) -> set[str]:
    """Roles of an active user (empty for unknown or deactivated users)."""
    user = get_user(username)
    if user is None or not user.active:
        return set()
    return {r for r in user.roles.split(",") if r}


def verify_password(username: str, password: str) -> bool:
    """True when ``username`` is active and ``password`` matches its bcrypt hash."""
    user = get_user(username)
    if user is None or not user.active:
        # Hash anyway so an unknown name takes as long as a wrong password.
        bcrypt.checkpw(password.encode()[:MAX_PASSWORD_BYTES], _dummy_hash())
        return False
    try:
        return bcrypt.checkpw(password.encode()[:MAX_PASSWORD_BYTES],
                              user.password_hash.encode())
    except ValueError:  # a malformed stored hash never signs anyone in
        return False


def set_roles(username: str, roles: str | list[str] | tuple[str, ...], *,
              actor: str = "cli") -> User:
    """Replace a user's roles; audited."""
    role_list = parse_roles(roles)
    store = _store()
    with store.session() as s:
        user = s.get(User, username)
        if user is None:
            raise UserError(f"no user {username!r}; create it with `enclave users add`")
        before = user.roles
        user.roles = ",".join(role_list)
        s.add(user)
        s.commit()
    store.audit(actor, "user.set_roles", "user", username, before=before, after=role_list)
    return user


def set_password(username: str, password: str, *, actor: str = "cli") -> None:
    """Replace a user's password; audited (without the password)."""
    store = _store()
    with store.session() as s:
        user = s.get(User, username)
        if user is None:
            raise UserError(f"no user {username!r}")
        user.password_hash = hash_password(password)
        s.add(user)
        s.commit()
    store.audit(actor, "user.set_password", "user", username)


def set_active(username: str, active: bool, *, actor: str = "cli") -> None:
    """Activate or deactivate a user (deactivated users cannot sign in); audited."""
    store = _store()
    with store.session() as s:
        user = s.get(User, username)
        if user is None:
            raise UserError(f"no user {username!r}")
        user.active = active
        s.add(user)
        s.commit()
    store.audit(actor, "user.activate" if active else "user.deactivate", "user", username)


def list_users() -> list[User]:
    """Every user, by name."""
    with _store().session() as s:
        return list(s.exec(select(User).order_by(User.username)))


@functools.cache
def _dummy_hash() -> bytes:
    return bcrypt.hashpw(b"enclave-timing-equaliser", bcrypt.gensalt(rounds=BCRYPT_ROUNDS))
