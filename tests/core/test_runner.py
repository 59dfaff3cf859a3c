"""run_task: validation, storage, post-processing, failures, artefacts."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from core.errors import UserError
from core.hookspecs import hookimpl
from core.runner import run_task
from core.tasks import InputSpec, TaskSpec


class WordParams(BaseModel):
    minimum_length: int = 1


class WordResult(BaseModel):
    words: int
    longest: str
    tagged: bool = False


def count_words(ctx, inputs: list[Path], params: WordParams) -> WordResult:
    text = inputs[0].read_text()
    if not text.strip():
        raise UserError(f"{inputs[0]}: the file is empty")
    words = [w for w in text.split() if len(w) >= params.minimum_length]
    ctx.progress(1, 1, "counted")
    ctx.artifact("words.txt").write_text("\n".join(words))
    return WordResult(words=len(words), longest=max(words, key=len))


class WordsPlugin:
    @hookimpl
    def enclave_register_tasks(self, register):
        register(TaskSpec(name="text.words", title="Count words", run=count_words,
                          result_model=WordResult, params_model=WordParams,
                          inputs=InputSpec(extensions=(".txt",))))

    @hookimpl
    def enclave_postprocess_result(self, spec, result, ctx):
        return result.model_copy(update={"tagged": True})


@pytest.fixture
def words_host(register_plugin):
    return register_plugin(WordsPlugin())


def test_run_task_stores_result_artifacts_and_audit(words_host, store, tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("the quick brown fox jumps")
    job, payload = run_task("text.words", [src], {"minimum_length": 4})
    assert job.status == "succeeded"
    assert payload == {"words": 3, "longest": "quick", "tagged": True}
    assert store.get_result(job.id) == payload
    arts = store.artifacts(job.id)
    assert [a.name for a in arts] == ["words.txt"] and arts[0].sha256
    actions = [e.action for e in store.audit_events(object_id=job.id)]
    assert "job.submit" in actions and "job.succeeded" in actions
    assert job.inputs[0]["sha256"]


def test_user_error_fails_job_with_message(words_host, store, tmp_path):
    src = tmp_path / "empty.txt"
    src.write_text("   ")
    job, payload = run_task("text.words", [src])
    assert payload is None and job.status == "failed"
    assert job.error_kind == "user" and "empty.txt: the file is empty" in job.error


@pytest.mark.parametrize("name,params,needle", [
    ("missing.txt", {}, "no such file"),
    ("a.pdf", {}, "wrong file type .pdf"),
    ("a.txt", {"minimum_length": "many"}, "minimum_length"),
])
def test_bad_requests_fail_before_running(words_host, store, tmp_path, name, params, needle):
    if name != "missing.txt":
        (tmp_path / name).write_text("x")
    with pytest.raises(UserError, match=needle) as info:
        run_task("text.words", [tmp_path / name], params)
    job = store.get_job(info.value.job_id)
    assert job.status == "failed" and needle in job.error


def test_unknown_task_lists_known(words_host):
    with pytest.raises(UserError, match="unknown task 'text.nope'.*text.words"):
        run_task("text.nope", [])
