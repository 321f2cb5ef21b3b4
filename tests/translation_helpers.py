"""What the translation families' tests share (`test_cyclegan`, `test_translate_family`,
`test_unit_family`): a tiny run's config and its module-scoped session fixture, and the
two-way export read back by TensorFlow alone."""

import numpy as np
import pytest

from ganstudio.config import RunConfig
from ganstudio.core.families import PANEL_D_HIST, PANEL_D_HIST_A, PANEL_ROUND_TRIP, get_family
from ganstudio.core.panels import Samples
from tests.conftest import run_tf_only


def tiny_config(family: str, dataset: str, options: dict) -> dict:
    """A 3-step run of `family` on 64 examples of the pair `dataset`, 4 filters, batch 8, no
    jit, evaluation or checkpoints; `options` is the family's own section."""
    return {
        "family": family,
        "data": {"name": dataset, "limit": 64},
        "net": {"filters": 4},
        family: options,
        "train": {"steps": 3, "batch": 8, "jit": "off", "eval_every": 0,
                  "checkpoint_every": 0, "probe_size": 16},
    }


def tiny_session_fixture(tiny: dict):
    """A module-scoped `session` fixture: `tiny`'s run, trained (assign it to `session`)."""

    @pytest.fixture(scope="module")
    def session(tmp_path_factory):
        from ganstudio.core.session import TrainingSession

        s = TrainingSession(RunConfig.from_dict(tiny),
                            out_dir=tmp_path_factory.mktemp(tiny["family"]))
        s.run()
        return s

    return session


def check_two_way_views(session, family: str):
    """Checks that a tiny two-way run (8x8 greyscale digits) shows the round trip and both
    D histograms, panels its `FamilySpec` lists, the round trip's 6 rows of 8 probes.
    Returns the spec, the views and the round trip."""
    spec = get_family(family)
    views = session.views()
    assert set(views) == {PANEL_ROUND_TRIP, PANEL_D_HIST, PANEL_D_HIST_A} <= set(spec.panels)
    trip = views["round_trip"]
    assert isinstance(trip, Samples) and trip.samples.shape == (48, 8, 8, 1)
    return spec, views, trip


def check_step_buttons(session) -> None:
    """Checks the Step buttons' updates: `d` leaves the step where it was and reports D's
    loss, not G's gradient; `g` counts one step and reports G's gradient, not D's loss."""
    steps = session.step
    d = session.single_update("d")
    assert session.step == steps and "d_loss" in d and "grad_norm_g" not in d
    g = session.single_update("g")
    assert session.step == steps + 1 and "grad_norm_g" in g and "d_loss" not in g


def check_two_way_export(session, tmp_path) -> dict:
    """Exports `session`, reads it back in a TensorFlow-only process and checks that no
    ganstudio module loaded there, that `serving_default` and `a_to_b` equal the recipe's
    `a_to_b` and `b_to_a` its `b_to_a` (5 examples of each domain). Returns the export's
    metadata."""
    report = session.export(tmp_path / "export")
    assert report.ok, report.summary()
    recipe = session.recipe
    x_a = recipe.example_inputs(5, seed=4)["x"]
    x_b = recipe.signature_examples("b_to_a", 5, seed=4)["x"]
    np.savez(tmp_path / "inputs.npz", a=x_a, b=x_b)
    got = run_tf_only(ROUND_TRIP, str(report.path), str(tmp_path / "inputs.npz"), cwd=tmp_path)
    assert got["ganstudio_loaded"] is False
    out = got["out"]
    np.testing.assert_allclose(out["serving_default"], recipe.a_to_b(x_a), atol=1e-5)
    np.testing.assert_allclose(out["a_to_b"], out["serving_default"], atol=0)
    np.testing.assert_allclose(out["b_to_a"], recipe.b_to_a(x_b), atol=1e-5)
    return got["meta"]


ROUND_TRIP = r"""
import json, sys
import numpy as np
import tensorflow as tf
path = sys.argv[1]
inputs = np.load(sys.argv[2])
sig = tf.saved_model.load(path).signatures
out = {name: sig[name](x=tf.constant(inputs["b" if name == "b_to_a" else "a"]))["output_0"]
       .numpy().tolist() for name in ("serving_default", "a_to_b", "b_to_a")}
meta = json.load(open(path + "/assets/ganstudio.json"))
print(json.dumps({"out": out, "meta": meta,
                  "ganstudio_loaded": any(m.startswith("ganstudio") for m in sys.modules)}))
"""
