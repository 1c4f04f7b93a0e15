from __future__ import annotations

import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from z2h.checkpoint import load_checkpoint
from z2h.errors import CheckpointError, Z2HError
from z2h.run import read_scalars
from z2h.train import TrainConfig, Trainer, TrainingDiverged, load_model_state

VOCAB = 7


class Tiny(nn.Module):
    """A bigram-ish model honouring forward(idx, targets) -> (logits, loss)."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, 8)
        self.drop = nn.Dropout(0.1)
        self.head = nn.Linear(8, VOCAB)

    def forward(self, idx, targets=None):
        logits = self.head(self.drop(self.emb(idx)))
        loss = None if targets is None else F.cross_entropy(logits, targets)
        return logits, loss


DATA_X = torch.randint(0, VOCAB, (256,), generator=torch.Generator().manual_seed(0))
DATA_Y = (DATA_X * 3 + 1) % VOCAB


def batch(gen):
    ix = torch.randint(0, len(DATA_X), (16,), generator=gen)
    return DATA_X[ix], DATA_Y[ix]


def evaluate(model):
    _, loss = model(DATA_X, DATA_Y)
    return {"dev": loss.item()}


def make(tmp_path, boom_at=None, on_step=None, **cfg):
    torch.manual_seed(0)
    model = Tiny()
    calls = {"n": 0}

    def maybe_boom(gen):
        calls["n"] += 1
        if boom_at is not None and calls["n"] == boom_at:
            raise KeyboardInterrupt("simulated kill")
        return batch(gen)

    cfg = TrainConfig(**{"max_steps": 30, "eval_interval": 10, "lr": 0.05, **cfg})
    return model, Trainer(
        model,
        cfg,
        train_batch=maybe_boom,
        evaluate=evaluate,
        run_dir=tmp_path,
        kind="test",
        extra={"model": "tiny"},
        on_step=on_step,
    )


def test_trains_and_writes_checkpoints(tmp_path):
    _, trainer = make(tmp_path)
    result = trainer.fit()
    assert result.steps == 30
    assert result.best["dev"] < math.log(VOCAB)
    assert [h["step"] for h in result.history] == [10, 20, 30]
    best = load_model_state(tmp_path, kind="test")
    assert best["model"] == "tiny" and best["step"] == result.best_step
    names = {name for _, name, _ in read_scalars(tmp_path / "scalars.csv")}
    assert {"train_loss", "lr", "eval_dev"} <= names


def test_resume_after_kill_is_exact(tmp_path):
    ref_model, ref = make(tmp_path / "ref")
    ref.fit()
    _, killed = make(tmp_path / "run", boom_at=16)
    with pytest.raises(KeyboardInterrupt):
        killed.fit()
    assert load_checkpoint(tmp_path / "run" / "last.pt", kind="test")["step"] == 10
    model, again = make(tmp_path / "run")
    result = again.fit(resume=True)
    assert result.steps == 30
    for a, b in zip(model.parameters(), ref_model.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_ema_is_what_is_evaluated_and_kept(tmp_path):
    seen = []

    def record(model):
        seen.append([p.detach().clone() for p in model.parameters()])
        return evaluate(model)

    model, trainer = make(tmp_path, ema=0.9, eval_interval=30)
    trainer.evaluate = record
    trainer.fit()
    # evaluation saw the running average: equal to the trainer's copy, not to the live weights
    for avg, evaluated, live in zip(trainer.ema, seen[-1], model.parameters(), strict=True):
        torch.testing.assert_close(evaluated, avg, rtol=0, atol=0)
        assert not torch.equal(evaluated, live)
    best = load_model_state(tmp_path, kind="test")["model_state"]
    for name, avg in zip(dict(model.named_parameters()), trainer.ema, strict=True):
        torch.testing.assert_close(best[name], avg, rtol=0, atol=0)
    # the average trails the weights: its first steps weigh less than later ones would
    torch.manual_seed(0)
    start = Tiny()
    for avg, p0, p in zip(trainer.ema, start.parameters(), model.parameters(), strict=True):
        assert (avg - p).norm() < (p0 - p).norm()


def test_resume_with_ema_is_exact(tmp_path):
    _, ref = make(tmp_path / "ref", ema=0.9)
    ref.fit()
    _, killed = make(tmp_path / "run", boom_at=16, ema=0.9)
    with pytest.raises(KeyboardInterrupt):
        killed.fit()
    _, again = make(tmp_path / "run", ema=0.9)
    again.fit(resume=True)
    for a, b in zip(again.ema, ref.ema, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    # a run saved without an average cannot be resumed with one
    _, plain = make(tmp_path / "plain", boom_at=16)
    with pytest.raises(KeyboardInterrupt):
        plain.fit()
    with pytest.raises(CheckpointError, match="--ema"):
        make(tmp_path / "plain", ema=0.9)[1].fit(resume=True)


def test_refuses_to_overwrite_a_run(tmp_path):
    make(tmp_path)[1].fit()
    with pytest.raises(CheckpointError, match="--resume"):
        make(tmp_path)[1].fit()


def test_divergence_stops_and_keeps_last_good(tmp_path):
    _, trainer = make(tmp_path, lr=1e6, grad_clip=0.0, optimizer="sgd", eval_interval=1)
    with pytest.raises(TrainingDiverged, match="last good checkpoint"):
        trainer.fit()
    assert load_checkpoint(tmp_path / "last.pt", kind="test")["step"] >= 1


def test_time_budget_stops(tmp_path):
    _, trainer = make(tmp_path, max_steps=None, time_budget=0.3)
    result = trainer.fit()
    assert result.steps > 0 and result.seconds >= 0.3


@pytest.mark.parametrize(
    "bad",
    [
        {"max_steps": 0},
        {"max_steps": None},
        {"time_budget": -1.0},
        {"optimizer": "lbfgs"},
        {"schedule": "linear"},
        {"schedule": "exponential"},  # needs lr_start
        {"schedule": "exponential", "lr_start": 0.0},
        {"ema": 1.0},
        {"ema": -0.5},
    ],
)
def test_bad_config(tmp_path, bad):
    with pytest.raises(Z2HError):
        make(tmp_path, **bad)


def test_schedules():
    cos = TrainConfig(max_steps=10, lr=1.0, min_lr_frac=0.1, warmup_frac=0.1)
    assert cos.lr_at(0.05) == pytest.approx(0.5)
    assert cos.lr_at(0.1) == pytest.approx(1.0)
    assert cos.lr_at(1.0) == pytest.approx(0.1)
    step = TrainConfig(max_steps=10, lr=0.1, schedule="step", step_decay_at=(0.5,))
    assert step.lr_at(0.49) == pytest.approx(0.1) and step.lr_at(0.5) == pytest.approx(0.01)
    exp = TrainConfig(max_steps=10, lr=10.0, lr_start=1e-3, schedule="exponential")
    assert exp.lr_at(0.0) == pytest.approx(1e-3) and exp.lr_at(1.0) == pytest.approx(10.0)
    assert exp.lr_at(0.25) == pytest.approx(1e-2) and exp.lr_at(0.5) == pytest.approx(0.1)
    falling = TrainConfig(max_steps=10, lr=0.01, lr_start=1.0, schedule="exponential")
    assert falling.lr_at(0.5) == pytest.approx(0.1)


def test_on_step_sees_every_step_and_changes_nothing(tmp_path):
    """A callback that returns None watches the run without changing it."""
    ref_model, ref = make(tmp_path / "ref", log_interval=1)
    ref.fit()
    seen = []
    model, watched = make(tmp_path / "watched", log_interval=1, on_step=lambda *a: seen.append(a))
    result = watched.fit()
    assert [s for s, _, _ in seen] == list(range(1, 31)) and result.steps == 30
    for a, b in zip(model.parameters(), ref_model.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    logged = {
        (step, name): value
        for step, name, value in read_scalars(tmp_path / "watched" / "scalars.csv")
    }
    assert logged[(1, "train_loss")] == pytest.approx(seen[0][1], rel=1e-4)
    for step, _, lr in seen:  # log_interval=1: the log holds each step's rate
        assert logged[(step, "lr")] == pytest.approx(lr, rel=1e-4)
        assert lr == pytest.approx(watched.cfg.lr_at((step - 1) / 30))


def test_on_step_true_stops_early_with_final_eval(tmp_path):
    seen = []

    def stop_at_7(step, loss, lr):
        seen.append(step)
        return step == 7

    _, trainer = make(tmp_path, on_step=stop_at_7)
    result = trainer.fit()
    assert seen == list(range(1, 8)) and result.steps == 7
    assert [h["step"] for h in result.history] == [7]  # the usual final evaluation
    assert load_checkpoint(tmp_path / "last.pt", kind="test")["step"] == 7


def test_exponential_schedule_drives_the_run(tmp_path):
    lrs = []
    _, trainer = make(
        tmp_path,
        schedule="exponential",
        lr_start=1e-4,
        lr=1e-1,
        on_step=lambda step, loss, lr: lrs.append(lr),
    )
    trainer.fit()
    assert lrs == pytest.approx([1e-4 * 1000 ** (i / 30) for i in range(30)])


def test_on_step_can_stop_a_diverging_run_itself(tmp_path):
    """on_step runs before the divergence check: it may record the bad loss and stop."""
    seen = []

    def stop_when_bad(step, loss, lr):
        seen.append(loss)
        return not math.isfinite(loss) or loss > 10 * seen[0]

    _, trainer = make(tmp_path, lr=1e6, grad_clip=0.0, optimizer="sgd", on_step=stop_when_bad)
    result = trainer.fit()  # the Trainer alone would raise TrainingDiverged here
    assert result.steps == len(seen) < 30
    assert not math.isfinite(seen[-1]) or seen[-1] > 10 * seen[0]


def test_resume_refuses_other_data(tmp_path):
    _, trainer = make(tmp_path)
    trainer.extra["data"] = "names"
    trainer.fit()
    _, other = make(tmp_path)
    other.extra["data"] = "other.txt"
    with pytest.raises(CheckpointError, match="other data"):
        other.fit(resume=True)


def test_garbage_checkpoint_message_is_short(tmp_path):
    (tmp_path / "last.pt").write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(tmp_path / "last.pt")
    assert "weights_only=False" not in str(info.value)


def test_logged_train_loss_is_the_mean_of_its_own_interval(tmp_path):
    losses = []
    make_args = dict(log_interval=5, on_step=lambda step, loss, lr: losses.append(loss))
    _, trainer = make(tmp_path, **make_args)
    trainer.fit()
    logged = {s: v for s, n, v in read_scalars(tmp_path / "scalars.csv") if n == "train_loss"}
    assert sorted(logged) == [5, 10, 15, 20, 25, 30]
    for step, value in logged.items():
        assert value == pytest.approx(sum(losses[step - 5 : step]) / 5, rel=1e-5)


class TinyBN(nn.Module):
    """Tiny with a BatchNorm layer: running statistics are buffers, not parameters."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, 8)
        self.bn = nn.BatchNorm1d(8, momentum=0.5)
        self.head = nn.Linear(8, VOCAB)

    def forward(self, idx, targets=None):
        logits = self.head(self.bn(self.emb(idx)))
        loss = None if targets is None else F.cross_entropy(logits, targets)
        return logits, loss


def test_ema_averages_batchnorm_statistics_too(tmp_path):
    torch.manual_seed(0)
    model = TinyBN()
    seen = {}

    def record(m):
        seen["mean"] = m.bn.running_mean.clone()
        return evaluate(m)

    cfg = TrainConfig(max_steps=30, eval_interval=30, lr=0.05, ema=0.9)
    trainer = Trainer(model, cfg, train_batch=batch, evaluate=record, run_dir=tmp_path, kind="test")
    trainer.fit()
    names = [n for n, _ in model.named_parameters()] + [
        n for n, b in model.named_buffers() if b.is_floating_point()
    ]
    averaged = dict(zip(names, trainer.ema, strict=True))
    live = model.bn.running_mean
    # the averaged model was evaluated with averaged statistics, not the live model's
    torch.testing.assert_close(seen["mean"], averaged["bn.running_mean"], rtol=0, atol=0)
    assert not torch.equal(seen["mean"], live)
    best = load_model_state(tmp_path, kind="test")["model_state"]
    for name in ("bn.running_mean", "bn.running_var", "head.weight"):
        torch.testing.assert_close(best[name], averaged[name], rtol=0, atol=0)
    # after the evaluation the live model has its own statistics back
    assert not torch.equal(live, averaged["bn.running_mean"])


def test_timed_warmup_is_not_spent_on_a_slow_first_step(tmp_path):
    """A first step as slow as torch.compile's leaves the warmup for the steps after it."""
    import time

    lrs = []
    calls = {"n": 0}

    def slow_first(gen):
        calls["n"] += 1
        if calls["n"] == 1:
            time.sleep(0.6)  # compiling
        return batch(gen)

    torch.manual_seed(0)
    cfg = TrainConfig(time_budget=1.2, lr=0.05, warmup_frac=0.5, eval_interval=10**6)
    trainer = Trainer(
        Tiny(), cfg, train_batch=slow_first, evaluate=evaluate, run_dir=tmp_path, kind="test",
        on_step=lambda step, loss, lr: lrs.append(lr),
    )  # fmt: skip
    trainer.fit()
    assert trainer.setup_seconds >= 0.6
    assert lrs[0] == 0.0 and len(lrs) > 2
    assert lrs[1] < 0.5 * cfg.lr  # still warming up at the second step


def test_divergence_before_any_checkpoint_says_so(tmp_path):
    _, trainer = make(tmp_path, lr=1e6, grad_clip=0.0, optimizer="sgd", eval_interval=1000)
    with pytest.raises(TrainingDiverged) as info:
        trainer.fit()
    assert "No checkpoint was written" in str(info.value)
    assert "last.pt" not in str(info.value) and not (tmp_path / "last.pt").exists()


def test_divergence_names_the_checkpoint_and_its_step(tmp_path):
    _, trainer = make(tmp_path, lr=1e6, grad_clip=0.0, optimizer="sgd", eval_interval=1)
    with pytest.raises(TrainingDiverged) as info:
        trainer.fit()
    step = load_checkpoint(tmp_path / "last.pt", kind="test")["step"]
    assert f"last.pt (step {step})" in str(info.value)


def test_a_killed_short_run_has_a_checkpoint_by_time(tmp_path):
    """No evaluation before the kill, but last.pt was written by the clock."""
    import time

    _, trainer = make(tmp_path, boom_at=12, eval_interval=1000, save_seconds=0.05)
    trainer.train_batch = lambda gen, inner=trainer.train_batch: (time.sleep(0.02), inner(gen))[1]
    with pytest.raises(KeyboardInterrupt):
        trainer.fit()
    assert 1 <= load_checkpoint(tmp_path / "last.pt", kind="test")["step"] <= 11
    _, again = make(tmp_path, eval_interval=1000)
    result = again.fit(resume=True)
    assert result.steps == 30 and result.resumed_from >= 1


def test_save_interval_in_steps(tmp_path):
    _, trainer = make(tmp_path, boom_at=8, eval_interval=1000, save_interval=3, save_seconds=None)
    with pytest.raises(KeyboardInterrupt):
        trainer.fit()
    assert load_checkpoint(tmp_path / "last.pt", kind="test")["step"] == 6


def test_resume_with_nothing_to_resume_refuses(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        make(tmp_path / "nope")[1].fit(resume=True)
    (tmp_path / "empty").mkdir()
    with pytest.raises(CheckpointError, match=r"holds no last\.pt"):
        make(tmp_path / "empty")[1].fit(resume=True)


def test_resume_of_a_finished_run_is_refused_and_changes_nothing(tmp_path):
    """--resume with the budget the run already spent is an error, not a run of no steps that
    rewrites the folder's files."""
    make(tmp_path)[1].fit()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for cfg in ({"max_steps": 20}, {"max_steps": 30}):
        with pytest.raises(CheckpointError, match=r"already took --max-steps .*raise --max-steps"):
            make(tmp_path, **cfg)[1].fit(resume=True)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert make(tmp_path, max_steps=40)[1].fit(resume=True).steps == 40


@pytest.mark.parametrize("held", ["best.pt", "metrics.json", "last.pt"])
def test_a_new_run_never_writes_over_a_finished_one(tmp_path, held):
    """A folder holding best.pt or metrics.json (no last.pt) is a run too: refused, untouched."""
    make(tmp_path)[1].fit()
    for name in {"best.pt", "metrics.json", "last.pt"} - {held}:
        (tmp_path / name).unlink(missing_ok=True)
    (tmp_path / "metrics.json").write_text("{}") if held == "metrics.json" else None
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(CheckpointError, match=rf"already holds a run \({held}\)") as e:
        make(tmp_path)[1].fit()
    assert ("--resume" in str(e.value)) == (held == "last.pt")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    if held != "last.pt":
        with pytest.raises(CheckpointError, match=r"no last\.pt to continue from; start a new run"):
            make(tmp_path)[1].fit(resume=True)


@pytest.mark.parametrize(
    ("field", "value"),
    [("warmup_frac", -0.1), ("warmup_frac", 1.5), ("min_lr_frac", 2.0), ("min_lr_frac", -1.0),
     ("grad_clip", -1.0)],
)  # fmt: skip
def test_fractions_and_clip_are_range_checked(field, value):
    flag = "--" + field.replace("_", "-")
    with pytest.raises(Z2HError, match=rf"{flag} must be"):
        TrainConfig(max_steps=1, **{field: value}).validate()


def test_a_resume_mismatch_names_the_keys_that_differ(tmp_path):
    from z2h.train import describe_difference

    assert describe_difference({"a": 1, "b": {"c": 2, "d": 3}}, {"a": 1, "b": {"c": 2, "d": 4}},
                               "model_config") == ["model_config.b.d: 3 -> 4"]  # fmt: skip
    make(tmp_path)[1].fit()
    _, other = make(tmp_path, max_steps=40)
    other.extra["model"] = "wider"
    with pytest.raises(CheckpointError, match=r"other model \(model: 'tiny' -> 'wider'\)"):
        other.fit(resume=True)


def test_a_signal_saves_last_pt_and_stops(tmp_path):
    """SIGINT/SIGTERM mid-run: the step reached goes to last.pt, then TrainingInterrupted; the
    run resumes from exactly that step."""
    import os
    import signal

    from z2h.train import TrainingInterrupted

    def send(step, loss, lr):
        if step == 7:
            os.kill(os.getpid(), signal.SIGTERM)

    with pytest.raises(TrainingInterrupted) as e:
        make(tmp_path, save_seconds=None, on_step=send)[1].fit()
    assert e.value.signum == signal.SIGTERM
    assert torch.load(tmp_path / "last.pt", weights_only=True)["step"] == 7
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler is put back
    assert make(tmp_path)[1].fit(resume=True).resumed_from == 7


def test_scalars_keep_one_line_ending_after_resume(tmp_path):
    _, killed = make(tmp_path, boom_at=16)
    with pytest.raises(KeyboardInterrupt):
        killed.fit()
    _, again = make(tmp_path)
    assert again.fit(resume=True).resumed_from == 10
    data = (tmp_path / "scalars.csv").read_bytes()
    assert b"\r" not in data
    steps = [s for s, n, _ in read_scalars(tmp_path / "scalars.csv") if n == "train_loss"]
    assert steps == [10, 20, 30]


@pytest.mark.parametrize(("native", "expected"), [(True, "bf16"), (False, "fp32")])
def test_auto_autocast_follows_the_cpu(tmp_path, monkeypatch, native, expected):
    import z2h.train as train

    monkeypatch.setattr(train, "cpu_supports_bf16", lambda: native)
    _, trainer = make(tmp_path, autocast="auto", max_steps=2)
    assert trainer.autocast == expected
    assert trainer.fit().autocast == expected
    _, explicit = make(tmp_path / "b", autocast="bf16")
    assert explicit.autocast == "bf16"  # asked for by name: honoured


def test_cpu_bf16_check_reads_the_flags(monkeypatch, tmp_path):
    import builtins

    import z2h.train as train

    real_open = builtins.open

    def fake(flags):
        info = tmp_path / "cpuinfo"
        info.write_text(f"processor\t: 0\nflags\t\t: {flags}\n")
        monkeypatch.setattr(
            builtins, "open",
            lambda f, *a, **k: real_open(info if f == "/proc/cpuinfo" else f, *a, **k),
        )  # fmt: skip

    fake("fpu avx2 avx512f")
    assert not train.cpu_supports_bf16()
    fake("fpu avx2 avx512f avx512_bf16")
    assert train.cpu_supports_bf16()
    fake("fpu amx_tile amx_bf16")
    assert train.cpu_supports_bf16()


def test_missing_run_folder_is_said_plainly(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        load_model_state(tmp_path / "nope", kind="test")
    with pytest.raises(CheckpointError, match="holds no checkpoint"):
        load_model_state(tmp_path, kind="test")


@pytest.mark.parametrize("content", [b"garbage", b"\x80\x02}q\x00.", "object"])
def test_unreadable_checkpoint_gives_no_unsafe_advice(tmp_path, content):
    path = tmp_path / "last.pt"
    if content == "object":  # a pickle of a class: what weights_only refuses
        torch.save({"a": TrainConfig}, path)
    else:
        path.write_bytes(content)
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path)
    message = str(info.value)
    assert "not a readable z2h checkpoint" in message or "not a z2h checkpoint" in message
    assert "weights_only" not in message and "trusted" not in message
