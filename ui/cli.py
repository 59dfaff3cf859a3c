"""``enclave users ...``: the administrator's commands for local UI accounts.

Added to the ``enclave`` group by ``core.cli`` through :func:`add_commands`. Errors are
raised as ``UserError`` so the host's group prints one line and exits with code 2.
"""

from __future__ import annotations

import click

from core.auth import ROLES


def add_commands(group: click.Group) -> None:
    """Attach the ``users`` command group to ``group``."""
    group.add_command(users_group)


@click.group("users")
def users_group() -> None:
    """Local UI accounts and their roles (admin, analyst, clinician, operator, dispatcher)."""


def _roles_option(required: bool):
    return click.option("--role", "-r", "roles", multiple=True, required=required,
                        help=f"Role to grant; repeat or comma-separate. One of: {', '.join(ROLES)}.")


def _flatten(roles: tuple[str, ...]) -> list[str]:
    return [r for item in roles for r in item.split(",") if r.strip()]


@users_group.command("add")
@click.argument("username")
@_roles_option(required=True)
@click.option("--password", "-p", default=None,
              help="Password (prompted, hidden and confirmed, when omitted).")
def add_cmd(username: str, roles: tuple[str, ...], password: str | None) -> None:
    """Create USERNAME with the given roles."""
    from core.auth import create_user, parse_roles

    role_list = parse_roles(_flatten(roles))  # fail on a bad role before prompting
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    create_user(username, password, role_list, actor="cli")
    click.echo(f"created {username} with roles {', '.join(role_list)}")


@users_group.command("list")
def list_cmd() -> None:
    """List accounts with their roles and whether they can sign in."""
    from core.auth import list_users

    users = list_users()
    if not users:
        click.echo("no users yet; create one with `enclave users add NAME --role admin`")
        return
    width = max(len(u.username) for u in users)
    for u in users:
        state = "active" if u.active else "disabled"
        click.echo(f"{u.username:<{width}}  {state:<8}  {u.roles or '(no roles)'}")


@users_group.command("set-roles")
@click.argument("username")
@_roles_option(required=True)
def set_roles_cmd(username: str, roles: tuple[str, ...]) -> None:
    """Replace USERNAME's roles."""
    from core.auth import set_roles

    user = set_roles(username, _flatten(roles), actor="cli")
    click.echo(f"{username}: roles {user.roles}")


@users_group.command("passwd")
@click.argument("username")
@click.option("--password", "-p", default=None, help="New password (prompted when omitted).")
def passwd_cmd(username: str, password: str | None) -> None:
    """Set a new password for USERNAME."""
    from core.auth import set_password

    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    set_password(username, password, actor="cli")
    click.echo(f"{username}: password changed")


@users_group.command("disable")
@click.argument("username")
def disable_cmd(username: str) -> None:
    """Stop USERNAME from signing in (the account and its audit trail are kept)."""
    from core.auth import set_active

    set_active(username, False, actor="cli")
    click.echo(f"{username}: disabled")


@users_group.command("enable")
@click.argument("username")
def enable_cmd(username: str) -> None:
    """Allow a disabled USERNAME to sign in again."""
    from core.auth import set_active

    set_active(username, True, actor="cli")
    click.echo(f"{username}: enabled")
