"""The ``enclave`` CLI as a user runs it: results as JSON, exit code 2 for user errors."""

from __future__ import annotations

import json

import pytest

from core.store import Store
from tests.core.cli_helpers import enclave


def test_tasks_lists_builtin_and_domain_tasks(enclave_home):
    out = enclave("tasks", "--json", home=enclave_home)
    assert out.returncode == 0, out.stderr
    names = {t["name"] for t in json.loads(out.stdout)}
    assert {"system.echo", "system.check"} <= names


def test_run_inline_prints_result_json(enclave_home, tmp_path):
    src = tmp_path / "hello.txt"
    src.write_bytes(b"hello")
    out = enclave("run", "system.echo", str(src), "--set", "label=greeting", "--json",
                  "--inline", home=enclave_home)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["size_bytes"] == 5 and result["label"] == "greeting"
    assert result["sha256"].startswith("2cf24dba")


@pytest.mark.parametrize("args,needle", [
    (["run", "finance.nope", "x.pdf"], "unknown task 'finance.nope'"),
    (["run", "system.echo", "does-not-exist.txt"], "no such file"),
    (["run", "system.check", "--set", "seconds=lots"], "seconds"),
    (["run", "system.check", "--set", "fail_with=user", "--set", "seconds=0"],
     "failing on purpose"),
    (["run", "system.echo", "/proc/self/mem"], "cannot be read"),
    (["jobs", "show", "0000"], "no job 0000"),
])
def test_user_errors_exit_2_with_one_line_reason(enclave_home, args, needle):
    out = enclave(*args, home=enclave_home)
    assert out.returncode == 2, (out.returncode, out.stdout, out.stderr)
    lines = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and needle in lines[0], out.stderr
    assert "Traceback" not in out.stderr


def test_failed_job_is_stored_with_the_message(enclave_home):
    out = enclave("run", "system.echo", "missing.txt", home=enclave_home)
    assert out.returncode == 2
    jobs = Store().list_jobs(task="system.echo")
    assert jobs and jobs[0].status == "failed" and "no such file" in jobs[0].error


def test_jobs_list_show_retry(enclave_home):
    out = enclave("run", "system.check", "--set", "fail_with=user", "--set", "seconds=0",
                  home=enclave_home)
    assert out.returncode == 2
    job = Store().list_jobs(task="system.check")[0]
    listed = json.loads(enclave("jobs", "list", "--json", home=enclave_home).stdout)
    assert listed[0]["id"] == job.id and listed[0]["status"] == "failed"
    shown = json.loads(enclave("jobs", "show", job.id, home=enclave_home).stdout)
    assert shown["error"].startswith("system.check: failing on purpose")
    retried = enclave("jobs", "retry", job.id, home=enclave_home)
    assert retried.returncode == 0 and "queued again" in retried.stdout
    assert Store().get_job(job.id).status == "queued"
    cancelled = enclave("jobs", "cancel", job.id, home=enclave_home)
    assert cancelled.returncode == 0 and Store().get_job(job.id).status == "cancelled"


def test_first_run_creates_admin_once_with_printed_password(enclave_home, capsys):
    from core.auth import list_users, user_roles, verify_password
    from core.cli_ops import _first_admin

    _first_admin()
    printed = capsys.readouterr().err
    password = printed.split("password ", 1)[1].split()[0]
    assert verify_password("admin", password) and user_roles("admin") == {"admin"}
    _first_admin()
    assert capsys.readouterr().err == "" and len(list_users()) == 1
