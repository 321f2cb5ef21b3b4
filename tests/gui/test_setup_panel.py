"""The setup form generated from the config's field metadata, and the model-family picker."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox

from ganstudio.config import SECTIONS, RunConfig, field_kind, section_fields
from ganstudio.core.families import FAMILIES
from ganstudio.ui import app
from ganstudio.ui.widgets.setting_editors import INT_MAX, LogFloatEditor
from ganstudio.ui.widgets.setup_panel import PICKER_FIELDS, SetupPanel


@pytest.fixture
def panel(qtbot):
    widget = SetupPanel()
    qtbot.addWidget(widget)
    widget.resize(360, 900)
    widget.show()
    return widget


def all_fields():
    return [(s, n, f) for s in SECTIONS for n, f in section_fields(s).items()
            if (s, n) not in PICKER_FIELDS]


def test_every_field_has_an_editor_matching_its_metadata(panel):
    for section, name, f in all_fields():
        editor = panel.editor(section, name)
        meta = f.metadata
        kind, optional = field_kind(f)
        where = f"{section}.{name}"
        label = panel.field_label(section, name)
        assert label.text() == meta["label"], where
        assert meta["help"][1:] in label.toolTip() and where in label.toolTip(), where
        if meta.get("choices"):
            assert isinstance(editor, QComboBox), where
            assert [editor.itemData(i) for i in range(editor.count())] == list(meta["choices"])
        elif kind == "bool":
            assert isinstance(editor, QCheckBox), where
        elif kind == "str":
            assert isinstance(editor, QLineEdit), where
        elif kind == "int":
            assert isinstance(editor, QSpinBox), where
            hi = INT_MAX if meta["hi"] is None else meta["hi"]
            assert editor.maximum() == hi, where
            if optional:  # the minimum means "auto"
                assert editor.minimum() == meta["lo"] - 1, where
                assert editor.specialValueText() == "auto", where
            else:
                assert editor.minimum() == meta["lo"], where
        else:
            assert kind == "float" and isinstance(editor, QDoubleSpinBox), where
            assert editor.maximum() == pytest.approx(meta["hi"]), where
            if meta["lo_open"]:
                assert meta["lo"] < editor.minimum() < meta["lo"] + 1e-3, where
            else:
                assert editor.minimum() == pytest.approx(meta["lo"]), where
    assert {k for k in panel.editors()} == {(s, n) for s, n, _ in all_fields()}


def test_the_old_attribute_names_point_at_the_generated_editors(panel):
    assert panel.steps is panel.editor("train", "steps")
    assert panel.batch is panel.editor("train", "batch")
    assert panel.net is panel.editor("net", "name")
    assert panel.latent is panel.editor("net", "latent_dim")
    assert panel.objective is panel.editor("objective", "name")
    assert panel.eval_n is panel.editor("train", "eval_n")
    assert panel.net_form.indexOf(panel.filters) >= 0


def test_learning_rates_keep_small_values_and_step_in_decades(panel):
    assert isinstance(panel.lr_d, LogFloatEditor)
    panel.lr_d.setValue(2e-5)
    assert panel.config().objective.lr_d == pytest.approx(2e-5)
    assert panel.lr_d.text() == "2e-5"
    panel.lr_d.setValue(2e-4)
    panel.lr_d.stepBy(1)
    assert panel.lr_d.value() == pytest.approx(5e-4)
    panel.lr_d.stepBy(-2)
    assert panel.lr_d.value() == pytest.approx(1e-4)


def non_default_config() -> RunConfig:
    return RunConfig().with_changes(
        family="cgan",
        data={"name": "digits", "image_size": 32, "color": "rgb", "limit": 500,
              "n_points": 2000, "holdout": "large yellow triangle"},
        net={"name": "dcgan", "latent_dim": 48, "depth": 4, "width": 96, "activation": "gelu",
             "filters": 24, "g_norm": "layer", "d_norm": "spectral", "pack": 1,
             "minibatch_std": True},
        objective={"name": "hinge", "d_steps": 2, "lr_d": 4e-4, "lr_g": 1e-4, "beta1": 0.0,
                   "beta2": 0.99, "r1_gamma": 1.5, "ema": 0.999, "lr_decay": "cosine"},
        train={"steps": 1234, "batch": 96, "seed": 7, "jit": "off", "checkpoint_every": 0,
               "keep_checkpoints": 2, "probe_size": 256, "n_samples": 36, "eval_every": 50,
               "eval_n": 300, "stop_rule": True, "stop_epsilon": 0.02, "stop_patience": 3},
        cgan={"condition": "caption", "d_design": "separate", "fake_weight": 1.0,
              "mismatch_weight": 0.25, "embed_dim": 16, "text_encoder": "gru", "augment": True,
              "augment_kl": 0.5, "max_words": 12},
    )


def test_set_config_then_config_round_trips(panel, qtbot):
    cfg = non_default_config()
    with qtbot.assertNotEmitted(panel.settings_changed):
        panel.set_config(cfg)
    assert panel.config() == cfg
    assert panel.config(data_name="ring8").data.name == "ring8"
    assert panel.data_options() == {"name_b": "", "image_size": 32, "color": "rgb",
                                    "limit": 500, "holdout": "large yellow triangle",
                                    "follow_links": False}
    assert panel.eval_n_value() == 300
    panel.set_config(RunConfig())
    assert panel.config() == RunConfig()
    assert panel.eval_n_value() is None


def test_the_family_group_shows_only_for_its_family(panel, qtbot):
    assert set(panel.family_groups) == {n for n, s in FAMILIES.items() if s.section}
    titles = [panel.family.itemText(i) for i in range(panel.family.count())]
    assert titles == [spec.title for spec in FAMILIES.values()]
    assert panel.family.itemData(1, Qt.ItemDataRole.ToolTipRole) == FAMILIES["cgan"].description
    assert panel.family_name() == "gan"
    assert not panel.family_groups["cgan"].isVisible()
    with qtbot.waitSignal(panel.settings_changed):
        panel.family.setCurrentIndex(panel.family.findData("cgan"))
    assert panel.family_groups["cgan"].isVisible()
    assert panel.config().family == "cgan"
    panel.set_config(RunConfig())
    assert not panel.family_groups["cgan"].isVisible()
    panel.set_config(RunConfig(family="cgan"))
    assert panel.family_groups["cgan"].isVisible()


def test_rows_follow_the_choices_they_depend_on(panel):
    panel.set_config(RunConfig().with_changes(objective={"name": "wgan"}))
    assert panel.is_field_shown("objective", "clip")
    assert not panel.is_field_shown("objective", "gp_lambda")
    panel.objective.setCurrentIndex(panel.objective.findData("wgan-gp"))
    assert panel.is_field_shown("objective", "gp_lambda")
    assert not panel.is_field_shown("objective", "clip")
    assert not panel.editor("cgan", "augment_kl").isEnabled()
    panel.editor("cgan", "augment").setChecked(True)
    assert panel.editor("cgan", "augment_kl").isEnabled()
    condition = panel.editor("cgan", "condition")
    condition.setCurrentIndex(condition.findData("label"))
    assert not panel.is_field_shown("cgan", "text_encoder")
    condition.setCurrentIndex(condition.findData("caption"))
    assert panel.is_field_shown("cgan", "text_encoder")


def test_more_areas_open_and_close(panel):
    toggle = panel.more_toggle("Objective")
    beta1 = panel.editor("objective", "beta1")
    assert toggle is not None and not beta1.isVisible()
    toggle.click()
    assert beta1.isVisible()
    toggle.click()
    assert not beta1.isVisible()


def test_an_out_of_range_value_cannot_be_entered(panel, qtbot):
    steps = panel.steps
    steps.setValue(10**9)
    assert steps.value() == section_fields("train")["steps"].metadata["hi"]
    batch = panel.batch
    batch.lineEdit().selectAll()
    qtbot.keyClicks(batch, "99999")  # the fifth digit would pass 65,536: refused
    batch.interpretText()
    assert batch.value() == 9999
    lr = panel.lr_g
    lr.lineEdit().selectAll()
    qtbot.keyClicks(lr, "5")  # above 1: refused
    assert lr.value() == pytest.approx(1e-3)
    lr.lineEdit().selectAll()
    qtbot.keyClicks(lr, "0.0003")
    lr.interpretText()
    assert lr.value() == pytest.approx(3e-4)
    ema = panel.editor("objective", "ema")
    ema.setValue(2.0)
    assert ema.value() == pytest.approx(0.99999)
    assert panel.config().objective.ema == pytest.approx(0.99999)


def test_running_locks_the_model_but_not_the_step_count(panel):
    panel.set_running(True)
    assert not panel.family.isEnabled() and not panel.net.isEnabled()
    assert not panel.editor("cgan", "d_design").isEnabled()
    assert panel.steps.isEnabled() and panel.editor("train", "eval_every").isEnabled()
    panel.set_running(False)
    assert panel.family.isEnabled() and panel.net.isEnabled()


def test_app_family_and_set_options(capsys):
    args = app.parse_args(["--family", "cgan", "--set", "cgan.d_design=separate",
                           "--set", "train.batch=64"])
    cfg = app.apply_overrides(RunConfig(), args.family, args.settings)
    assert (cfg.family, cfg.cgan.d_design, cfg.train.batch) == ("cgan", "separate", 64)
    for bad in (["--family", "nope"], ["--set", "cgan.d_design=sideways"],
                ["--set", "train.batch=0"], ["--set", "no_dot"]):
        with pytest.raises(SystemExit) as exit_info:
            app.parse_args(bad)
        assert exit_info.value.code == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and err.startswith("ganstudio: error:"), err


def test_a_family_hides_the_settings_it_does_not_read_and_shows_them_back(panel):
    """The VAE has its own learning rate and no D: the objective group and D's packing go;
    they come back with the GAN. The config still carries them (unchanged)."""
    objective_box = panel._section_boxes["objective"][0]
    assert not objective_box.isHidden() and panel._shown[("net", "pack")]
    panel.family.setCurrentIndex(panel.family.findData("vae"))
    assert objective_box.isHidden() and panel.family_groups["vae"].isVisibleTo(panel)
    assert not panel._shown[("net", "pack")] and not panel._shown[("net", "minibatch_std")]
    assert panel._shown[("net", "latent_dim")]
    cfg = panel.config(data_name="digits")
    assert cfg.family == "vae" and cfg.objective == RunConfig().objective
    panel.family.setCurrentIndex(panel.family.findData("gan"))
    assert not objective_box.isHidden() and panel._shown[("net", "pack")]
    assert not panel.family_groups["vae"].isVisibleTo(panel)


def test_the_rbm_hides_the_net_and_objective_settings_but_keeps_its_parameter_count(panel):
    panel.family.setCurrentIndex(panel.family.findData("rbm"))
    assert panel._section_boxes["objective"][0].isHidden()
    assert not any(shown for (section, _), shown in panel._shown.items() if section == "net")
    assert panel.params_label.isVisibleTo(panel) and panel.family_groups["rbm"].isVisibleTo(panel)
