"""The training session end to end on tiny models: snapshots, control, checkpoints, resume,
export round trip (checked in a separate process that imports only TensorFlow), NaN errors."""

import contextlib
import json
import subprocess
import sys
import threading

import numpy as np
import pytest

from ganstudio.config import RunConfig
from ganstudio.core.checkpoint import list_checkpoints, load_checkpoint, save_checkpoint
from ganstudio.core.session import TrainingSession
from ganstudio.errors import ModelError, TrainingError
from tests.conftest import run_lock_held_elsewhere, run_tf_only

TINY = {
    "data": {"name": "ring8", "n_points": 2000},
    "net": {"depth": 2, "width": 16, "latent_dim": 4},
    "train": {"steps": 30, "batch": 32, "jit": "off", "checkpoint_every": 10,
              "probe_size": 64, "n_samples": 16},
}


def tiny(**changes) -> RunConfig:
    return RunConfig.from_dict(TINY).with_changes(**changes)


class Collect:
    def __init__(self):
        self.snaps = []
        self.statuses = []
        self.changed = threading.Condition()

    def snapshot(self, snap):
        with self.changed:
            self.snaps.append(snap)
            self.changed.notify_all()

    def wait_for(self, predicate, timeout=120.0):
        with self.changed:
            assert self.changed.wait_for(lambda: predicate(self.snaps), timeout=timeout)

    def status(self, text):
        self.statuses.append(text)


def test_run_emits_snapshots_with_views_and_scalars(tmp_path):
    rep = Collect()
    s = TrainingSession(tiny(), out_dir=tmp_path, reporter=rep, scalar_hz=0, image_hz=0)
    result = s.run()
    assert result.steps == 30 and not result.stopped_early
    keys = {"d_loss", "g_loss", "value", "d_real", "d_fake", "grad_norm_d", "grad_norm_g", "jsd"}
    assert keys <= set(rep.snaps[0].scalars)
    final = rep.snaps[-1]
    assert final.event == "final" and final.step == 30
    packs = 64 // s.net_config.pack  # D scores packs of m samples (PacGAN)
    hist, view = final.panels["d_hist"], final.panels["samples"]
    assert set(hist.groups) == {"real", "fake"} and not hist.critic
    assert hist.groups["real"].shape == (packs,) and hist.groups["fake"].shape == (packs,)
    assert np.all((hist.groups["real"] >= 0) & (hist.groups["real"] <= 1))
    assert view.kind == "points" and view.row_labels is None
    assert view.samples.shape[1] == 2 and view.surface.shape == (64, 64)
    assert view.push.shape == view.samples.shape
    assert view.extent[0] < -1 < 1 < view.extent[1]
    # unlimited rate: one snapshot per step plus the final one
    assert [sn.step for sn in rep.snaps[:30]] == list(range(1, 31))


def test_a_run_nobody_watches_sends_scalars_but_computes_no_views(tmp_path, monkeypatch):
    """image_hz None (the CLI's): the scalars of every step still go out (the progress line
    and the curves in history.json), but no probe or sample is computed, final one included;
    the run's own samples.png is still drawn from the networks."""
    rep = Collect()
    s = TrainingSession(tiny(), out_dir=tmp_path, reporter=rep, scalar_hz=0, image_hz=None)
    s.prepare()
    drawn = []
    views = s.views
    monkeypatch.setattr(s, "views", lambda: drawn.append(s.step) or views())
    result = s.run()
    assert result.steps == 30
    assert [sn.step for sn in rep.snaps[:30]] == list(range(1, 31))
    assert rep.snaps[-1].event == "final" and rep.snaps[-1].scalars
    assert all(not sn.panels for sn in rep.snaps) and drawn == []
    assert s.history and s.history[-1]["step"] == 30
    assert s.write_samples_png(tmp_path / "samples.png").stat().st_size > 0


def test_periodic_and_final_checkpoints_keep_the_newest(tmp_path):
    rep = Collect()
    s = TrainingSession(tiny(train={"keep_checkpoints": 2}), out_dir=tmp_path, reporter=rep)
    result = s.run()
    names = [p.name for p in list_checkpoints(tmp_path / "checkpoints")]
    assert names == ["ckpt-00000020.npz", "ckpt-00000030.npz"]
    assert json.loads((tmp_path / "checkpoints" / "latest.json").read_text())["step"] == 30
    # the periodic save at the last step is the final one: not written twice
    saves = [t for t in rep.statuses if t.startswith("checkpoint saved")]
    assert saves.count("checkpoint saved at step 30") == 1
    assert result.checkpoint == str(tmp_path / "checkpoints" / "ckpt-00000030.npz")
    # a D-only update changes the weights without a step: the next save writes them
    before = (tmp_path / "checkpoints" / "ckpt-00000030.npz").stat().st_mtime_ns
    s.single_update("d")
    s.save_checkpoint()
    assert (tmp_path / "checkpoints" / "ckpt-00000030.npz").stat().st_mtime_ns != before
    assert rep.statuses.count("checkpoint saved at step 30") == 2


def test_resume_continues_step_count_and_optimizer_state(tmp_path):
    a = TrainingSession(tiny(train={"steps": 20}), out_dir=tmp_path)
    a.run()
    g_before = [np.asarray(v).copy() for v in a.recipe.g_optimizer.variables]
    b = TrainingSession(tiny(train={"steps": 30}), out_dir=tmp_path, resume=tmp_path)
    b.prepare()
    assert b.step == 20
    for before, after in zip(g_before, b.recipe.g_optimizer.variables, strict=True):
        np.testing.assert_array_equal(before, np.asarray(after))
    z = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(a.generate(z), b.generate(z), atol=1e-6)
    result = b.run()
    assert result.steps == 30 and b.step == 30


def test_resume_with_other_architecture_is_a_clear_error(tmp_path):
    TrainingSession(tiny(train={"steps": 10}), out_dir=tmp_path).run()
    other = tiny(net={"width": 8})
    with pytest.raises(ModelError, match="same dataset, net and objective"):
        TrainingSession(other, out_dir=tmp_path, resume=tmp_path).prepare()


def test_crash_mid_write_leaves_the_last_good_checkpoint(tmp_path, monkeypatch):
    folder = tmp_path / "checkpoints"
    save_checkpoint(folder, 10, [np.ones(3)], {"config": {}})

    def boom(fh, **arrays):
        fh.write(b"PK\x03\x04 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError):
        save_checkpoint(folder, 20, [np.zeros(3)], {"config": {}})
    monkeypatch.undo()
    assert [p.name for p in folder.iterdir()] == ["ckpt-00000010.npz", "latest.json"] or sorted(
        p.name for p in folder.iterdir()) == ["ckpt-00000010.npz", "latest.json"]
    ckpt = load_checkpoint(tmp_path)
    assert ckpt.step == 10 and np.array_equal(ckpt.arrays[0], np.ones(3))


def test_a_damaged_newest_checkpoint_falls_back_to_the_previous(tmp_path):
    folder = tmp_path / "checkpoints"
    save_checkpoint(folder, 10, [np.ones(2)], {})
    (folder / "ckpt-00000020.npz").write_bytes(b"garbage")
    assert load_checkpoint(tmp_path).step == 10


ROUND_TRIP = r"""
import json, sys
import numpy as np
import tensorflow as tf
assert tf.saved_model.contains_saved_model(sys.argv[1]) and not tf.io.gfile.exists(sys.argv[1] + "/keras_metadata.pb")
path, zfile = sys.argv[1], sys.argv[2]
model = tf.saved_model.load(path)
fn = model.signatures["serving_default"]
z = np.load(zfile)
out = fn(z=tf.constant(z))["output_0"].numpy()
meta = json.load(open(path + "/assets/ganstudio.json"))
print(json.dumps({"out": out.tolist(), "meta": meta,
                  "ganstudio_loaded": any(m.startswith("ganstudio") for m in sys.modules)}))
"""


@pytest.mark.parametrize("dataset", ["ring8", "digits"])
def test_export_round_trip_in_a_process_that_imports_only_tensorflow(tmp_path, dataset):
    cfg = tiny(data={"name": dataset}, train={"steps": 5, "batch": 16},
               net={"filters": 8} if dataset == "digits" else {})
    s = TrainingSession(cfg, out_dir=tmp_path)
    s.run()
    report = s.export()
    assert report.ok, report.summary()
    z = np.random.default_rng(3).standard_normal((7, 4)).astype(np.float32)
    np.save(tmp_path / "z.npy", z)
    got = run_tf_only(ROUND_TRIP, str(report.path),
                           str(tmp_path / "z.npy"), cwd=tmp_path)
    assert got["ganstudio_loaded"] is False
    out = np.asarray(got["out"], np.float32)
    np.testing.assert_allclose(out, s.generate(z), atol=1e-5)
    meta = got["meta"]
    assert meta["dataset"] == dataset and meta["latent_dim"] == 4 and meta["steps"] == 5
    if dataset == "digits":
        assert out.shape == (7, 8, 8, 1) and out.min() >= 0.0 and out.max() <= 1.0
        assert meta["kind"] == "images" and meta["data_shape"] == [8, 8, 1]
    else:
        assert out.shape == (7, 2) and meta["modes"] is not None
        assert meta["objective"] == "nonsaturating"


def test_control_pause_step_and_stop_from_another_thread(tmp_path):
    rep = Collect()
    s = TrainingSession(tiny(train={"steps": 100000}), reporter=rep, scalar_hz=0, image_hz=0)
    s.prepare()
    s.control.pause()
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("r", s.run()))
    t.start()
    try:
        rep.wait_for(lambda snaps: any(sn.event == "paused" for sn in snaps))
        paused_at = s.step
        d_before = [np.asarray(v).copy() for v in s.recipe.discriminator.trainable_variables]
        g_before = [np.asarray(v).copy() for v in s.recipe.generator.trainable_variables]
        s.control.request_step("d")
        s.control.request_step("both")
        rep.wait_for(lambda snaps: sum(sn.event == "paused" for sn in snaps) >= 2)
        assert any(sn.event == "step" for sn in rep.snaps)
        assert s.step == paused_at + 1  # the D-only step did not count as a generator step
        assert any(not np.array_equal(b, np.asarray(a)) for b, a in
                   zip(d_before, s.recipe.discriminator.trainable_variables, strict=True))
        assert any(not np.array_equal(b, np.asarray(a)) for b, a in
                   zip(g_before, s.recipe.generator.trainable_variables, strict=True))
    finally:
        s.control.stop()
        t.join(timeout=30)
    assert not t.is_alive()
    assert result["r"].stopped_early


def test_nan_losses_stop_with_a_readable_error(tmp_path):
    s = TrainingSession(tiny(objective={"lr_d": 1.0, "lr_g": 1.0}), scalar_hz=0,
                        out_dir=tmp_path)
    s.prepare()
    s.run(steps=10)  # a good checkpoint first
    w = s.recipe.discriminator.trainable_variables[0]
    w.assign(np.full(w.shape, np.nan, np.float32))
    with pytest.raises(TrainingError, match="NaN or infinite at step 11; the last good "
                                            "checkpoint is ckpt-00000010.npz.*lower learning"):
        s.run()
    with pytest.raises(TrainingError, match="NaN or infinite"):
        s.save_checkpoint()  # NaN weights never reach the disk
    assert [p.name for p in list_checkpoints(tmp_path / "checkpoints")] == ["ckpt-00000010.npz"]
    with pytest.raises(ModelError, match="NaN or infinite"):
        s.export(tmp_path / "nan-export")  # nor an export
    assert not (tmp_path / "nan-export").exists()


def test_periodic_evaluation_reaches_snapshots_history_and_the_stop_rule(tmp_path):
    rep = Collect()
    cfg = tiny(train={"steps": 60, "eval_every": 20, "eval_n": 200, "stop_rule": True,
                      "stop_epsilon": 0.49, "stop_patience": 1})
    s = TrainingSession(cfg, out_dir=tmp_path, reporter=rep)
    result = s.run()
    evaluated = [sn for sn in rep.snaps if sn.metrics is not None]
    assert evaluated and {"modes", "hq", "reverse_kl", "mmd"} <= set(evaluated[0].metrics)
    assert [m["step"] for m in s.metrics_history][:1] == [20]
    assert json.loads((tmp_path / "metrics.json").read_text())[0]["step"] == 20
    assert result.steps <= 60


def test_stop_rule_fires_when_the_metric_stalls_near_equilibrium(tmp_path, monkeypatch):
    from ganstudio.core.metrics.evaluate import LiveEvaluator

    monkeypatch.setattr(LiveEvaluator, "__call__",
                        lambda self, generate, latent_dim: dict.fromkeys(self.names, 0.5))
    rep = Collect()
    cfg = tiny(train={"steps": 200, "eval_every": 20, "eval_n": 100, "stop_rule": True,
                      "stop_epsilon": 0.49, "stop_patience": 2})
    result = TrainingSession(cfg, reporter=rep).run()
    # evaluations at 20 (best), 40 and 60 (no improvement): fires at step 60
    assert result.stopped_early and result.steps == 60
    assert result.stop_reason and any("stop rule" in t for t in rep.statuses)


@pytest.mark.parametrize("decay", ["cosine", "linear"])
def test_learning_rate_decay_falls_to_the_floor_and_holds(decay):
    from ganstudio.core.recipes.base import LR_FLOOR, learning_rate

    schedule = learning_rate(1e-3, decay, 100)
    rates = [float(schedule(step)) for step in (0, 50, 100, 500)]
    assert rates[0] == pytest.approx(1e-3)
    assert rates[1] == pytest.approx(1e-3 * (1 + LR_FLOOR) / 2, rel=1e-5)  # both: halfway
    assert rates[2] == pytest.approx(1e-3 * LR_FLOOR, rel=1e-5)
    assert rates[3] == pytest.approx(rates[2])
    assert learning_rate(1e-3, "none", 100) == 1e-3


def test_a_decaying_run_ends_at_the_floor_rate_for_both_players(tmp_path):
    session = TrainingSession(tiny(objective={"lr_decay": "linear", "d_steps": 2}),
                              out_dir=tmp_path)
    session.run()
    recipe = session.recipe
    for opt, updates in ((recipe.g_optimizer, 30), (recipe.d_optimizer, 60)):
        assert int(opt.iterations.numpy()) == updates
        assert float(opt.learning_rate.numpy()) == pytest.approx(1e-3 * 0.01, rel=1e-4)


def test_a_nan_is_caught_at_its_own_step_not_at_the_next_snapshot(tmp_path):
    from ganstudio.core.callbacks import TelemetryCallback

    s = TrainingSession(tiny(), scalar_hz=0.001, out_dir=tmp_path)
    s.prepare()
    callback = TelemetryCallback(s, target_step=100)
    callback.set_model(s.recipe)
    assert callback.scalar_limiter.ready()  # a snapshot went out: none again for 1,000 s
    good = {"d_loss": 1.3, "g_loss": 0.7, "grad_norm_d": 1.0, "grad_norm_g": 1.0}
    callback.on_train_batch_end(0, good)
    assert callback.error is None and not s.recipe.stop_training
    callback.on_train_batch_end(1, {**good, "grad_norm_g": float("inf")})
    assert isinstance(callback.error, TrainingError)
    assert "grad_norm_g became NaN or infinite" in str(callback.error)
    assert s.recipe.stop_training


@pytest.mark.skipif(sys.platform == "win32", reason="flock")
def test_a_session_refuses_a_run_folder_another_process_writes(tmp_path):
    from ganstudio.errors import ConfigError

    run = tmp_path / "run"
    with run_lock_held_elsewhere(run):
        session = TrainingSession(tiny(), out_dir=run)
        with pytest.raises(ConfigError, match="is being written by ganstudio process"):
            session.run()
        assert session.step == 0 and not (run / "checkpoints").exists()
    session.run(steps=10)  # the holder is gone: the folder is this session's now
    code = ("import sys; from ganstudio.core.run_folder import RunLock; "
            "RunLock(sys.argv[1]).acquire()")
    held = subprocess.run([sys.executable, "-c", code, str(run)], capture_output=True, text=True)
    assert "is being written by" in held.stderr
    session.release_folder()
    free = subprocess.run([sys.executable, "-c", code, str(run)], capture_output=True, text=True)
    assert free.returncode == 0, free.stderr


@pytest.mark.parametrize("decay", ["none", "cosine"])
def test_recover_goes_back_to_the_last_good_state_with_lower_learning_rates(decay):
    from ganstudio.errors import DivergedError

    s = TrainingSession(tiny(objective={"lr_decay": decay}, train={"checkpoint_every": 10}),
                        scalar_hz=1000)  # no run folder: the studio's usual case
    s.run(steps=20)
    good = [v.numpy() for v in s.recipe.state_variables()]
    rates = [float(o.learning_rate) for o in s.recipe.optimizers()]
    w = s.recipe.discriminator.trainable_variables[0]
    w.assign(np.full(w.shape, np.nan, np.float32))
    with pytest.raises(DivergedError, match="the last good state is the one at step 20") as info:
        s.run(steps=10)
    assert info.value.good_step == 20
    assert s.recover(0.5) == 20 and s.step == 20
    for var, value in zip(s.recipe.state_variables(), good, strict=True):
        if "learning_rate" not in var.path:
            np.testing.assert_array_equal(var.numpy(), value)
    assert [float(o.learning_rate) for o in s.recipe.optimizers()] == pytest.approx(
        [r * 0.5 for r in rates])
    assert s.config.objective.lr_d == pytest.approx(tiny().objective.lr_d * 0.5)
    assert max(h["step"] for h in s.history) <= 20
    s.run(steps=10)  # and training goes on from there
    assert s.step == 30 and all(np.isfinite(v.numpy()).all()
                                for v in s.recipe.state_variables())


def test_a_resumed_run_trains_at_its_own_learning_rates_not_the_checkpoints(tmp_path):
    first = TrainingSession(tiny(), out_dir=tmp_path, scalar_hz=0)
    first.run(steps=10)
    lower = tiny(objective={"lr_d": 1e-4, "lr_g": 2e-4})
    resumed = TrainingSession(lower, out_dir=tmp_path, resume=tmp_path, scalar_hz=0)
    resumed.prepare()
    assert resumed.step == 10
    assert float(resumed.recipe.d_optimizer.learning_rate) == pytest.approx(1e-4)
    assert float(resumed.recipe.g_optimizer.learning_rate) == pytest.approx(2e-4)


def _twelve_step_session(tmp_path, reporter, **train) -> TrainingSession:
    """A 12-step run (batch 32, no jit, no evaluation) reporting every snapshot to
    `reporter`; `train` adds to its train section."""
    return TrainingSession(tiny(train={"steps": 12, "batch": 32, "jit": "off",
                                       "eval_every": 0, **train}),
                           out_dir=tmp_path, reporter=reporter, scalar_hz=1e9)


@contextlib.contextmanager
def _batch_steps(session):
    """While the block runs, the telemetry callback records `(session.step, the G
    optimizer's iterations)` after every batch, in the list it yields."""
    from ganstudio.core import callbacks

    seen = []
    base = callbacks.TelemetryCallback

    class Checked(base):
        def on_train_batch_end(self, batch, logs=None):
            super().on_train_batch_end(batch, logs)
            seen.append((session.step, int(session.recipe.g_optimizer.iterations.numpy())))

    callbacks.TelemetryCallback = Checked
    try:
        yield seen
    finally:
        callbacks.TelemetryCallback = base


def test_the_step_counted_during_fit_is_the_optimizers_at_every_batch(tmp_path):
    """The callback counts steps in Python instead of reading the variable every batch: at
    each batch the count equals the variable, snapshots carry it, and after `fit` (and across
    a second run) the session reads the variable again."""
    reporter = Collect()
    session = _twelve_step_session(tmp_path, reporter, checkpoint_every=5)
    with _batch_steps(session) as seen:
        session.run(steps=7)
        assert session._counted_step is None
        session.run()
    assert [a for a, _ in seen] == list(range(1, 13))
    assert all(a == b for a, b in seen)
    ticks = [s.step for s in reporter.snaps if s.event == "tick"]
    assert ticks == list(range(1, 13))
    assert session.step == 12 and session._counted_step is None


@pytest.fixture
def sixteen_a_call(monkeypatch):
    """Auto steps per call chooses 16 (its most) on any machine and traces it for any run."""
    from ganstudio.core import session as session_module

    monkeypatch.setattr(session_module, "AUTO_CALL_SECONDS", 1e6)
    monkeypatch.setattr(session_module, "AUTO_TRACE_SHARE", 1e6)


def test_auto_steps_per_call_measures_then_runs_k_and_ends_exactly_on_the_target(
        tmp_path, sixteen_a_call):
    """Auto (the default): the first calls run one step each while it measures, then calls
    of k = 16 while at least 16 steps are left, then single steps to end exactly on the
    target; the counted step is the optimizer's at every call and the status says k."""
    from ganstudio.core.callbacks import AUTO_TUNE_CALLS

    reporter = Collect()
    session = _twelve_step_session(tmp_path, reporter, steps=200)
    assert session.config.train.steps_per_execution is None
    with _batch_steps(session) as seen:
        result = session.run(steps=43)
    assert result.steps == 43 and session.step == 43
    assert session.auto_per_call == 16
    steps = [a for a, _ in seen]
    tuned = AUTO_TUNE_CALLS + 1  # the first call traces; the next ones are measured
    assert steps == list(range(1, tuned + 1)) + [tuned + 16] + list(range(tuned + 17, 44))
    assert all(a == b for a, b in seen)
    assert any("steps per call (auto): 16" in text for text in reporter.statuses)
    assert session.recipe.steps_per_execution == 1  # the last stretch's


def test_auto_steps_per_call_plans_one_step_while_paused_short_runs_and_when_set():
    """`plan_per_call`: one step before the measurement, while paused (so Step runs one
    step), for a stretch shorter than k, and when tracing k would cost more than its share
    of what is left; a set `steps_per_execution` always."""
    session = TrainingSession(tiny(train={"steps": 100}))
    session.prepare()
    assert session.plan_per_call(1000) == 1  # not measured yet
    session.tune_per_call(0.01, trace_seconds=1.0)  # 10 ms a step: 10 a call
    assert session.auto_per_call == 10
    assert session.plan_per_call(5000) == 10  # 50 s left: the 1 s trace is 2% of it
    assert session.plan_per_call(9) == 1
    assert session.plan_per_call(1000) == 1  # 10 s left: a 1 s trace is more than 5%
    session.control.pause()
    assert session.plan_per_call(5000) == 1
    session.control.resume()
    session.tune_per_call(0.5, trace_seconds=1.0)  # a slow step: one a call
    assert session.plan_per_call(5000) == 1
    session.config = session.config.with_changes(train={"steps_per_execution": 4})
    assert session.plan_per_call(2) == 4


def test_step_while_paused_runs_one_step_under_auto_steps_per_call(tmp_path, sixteen_a_call):
    """Paused in the middle of calls of 16, the Step button runs exactly one step (auto
    switches to single-step calls while paused) and resuming goes back to 16 a call."""
    from ganstudio.core.telemetry import STEP_BOTH

    reporter = Collect()
    session = _twelve_step_session(tmp_path, reporter, steps=100_000)
    with _batch_steps(session) as seen:
        worker = threading.Thread(target=session.run, daemon=True)
        worker.start()
        reporter.wait_for(lambda snaps: snaps and snaps[-1].step >= 60)
        session.control.pause()
        reporter.wait_for(lambda snaps: snaps[-1].event == "paused")
        paused_at = reporter.snaps[-1].step
        session.control.request_step(STEP_BOTH)
        reporter.wait_for(lambda snaps: snaps[-1].event == "paused"
                          and snaps[-1].step != paused_at)
        assert reporter.snaps[-1].step == paused_at + 1
        session.control.resume()
        reporter.wait_for(lambda snaps: snaps[-1].step >= paused_at + 40)
        session.control.stop()
        worker.join(timeout=120)
    assert not worker.is_alive()
    steps = [a for a, _ in seen]
    gaps = [b - a for a, b in zip(steps, steps[1:], strict=False)]
    after = steps.index(paused_at + 1)
    assert gaps[after] == 16  # calls of 16 again after the resume
    assert all(a == b for a, b in seen)
    assert session.step == int(session.recipe.g_optimizer.iterations.numpy())


def test_steps_per_execution_counts_k_steps_a_call_and_ends_on_a_multiple(tmp_path):
    """With `train.steps_per_execution` k, one compiled call runs k steps: the counted step
    stays the optimizer's, snapshots come every k steps, and a run ends on a multiple of k."""
    reporter = Collect()
    session = _twelve_step_session(tmp_path, reporter, checkpoint_every=8,
                                   steps_per_execution=4)
    with _batch_steps(session) as seen:
        result = session.run(steps=6)  # rounded up to 8
    assert result.steps == 8 and session.step == 8
    assert seen == [(4, 4), (8, 8)]
    assert [s.step for s in reporter.snaps if s.event == "tick"] == [4, 8]
    assert session.recipe.steps_per_execution == 4
    assert list_checkpoints(tmp_path / "checkpoints")[-1].name == "ckpt-00000008.npz"
