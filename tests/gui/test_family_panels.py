"""A family's own panels in the Training tab: another sample grid (inputs over their
reconstructions), the latent codes, its loss curves, and no D views when it has no D."""

from __future__ import annotations

import dataclasses

import numpy as np

from ganstudio.core import families
from ganstudio.core.panels import LatentCodes, Samples
from ganstudio.core.telemetry import Snapshot
from ganstudio.ui.widgets.latent_view import LatentView
from ganstudio.ui.widgets.sample_view import SampleView


def _encoder_snapshot(step: int) -> Snapshot:
    rng = np.random.default_rng(step)
    grid = rng.uniform(0, 1, (4 * 6, 8, 8, 1)).astype(np.float32)  # 4 rows of 6
    recon = Samples(grid, "images", row_labels=["input", "reconstruction"] * 2, columns=6,
                    title="Held-out inputs over their reconstructions" if step > 1 else None)
    labels = np.arange(200) % 10
    codes = np.stack([labels + rng.normal(0, 0.1, 200), rng.normal(0, 1, 200)], axis=1)
    latent = LatentCodes(codes, labels, [f"digit {i}" for i in range(10)], method="pca",
                         explained=0.61, prior=rng.normal(0, 1, (300, 2)))
    prior = Samples(rng.uniform(0, 1, (16, 8, 8, 1)).astype(np.float32), "images")
    return Snapshot(step=step, scalars={"recon": 30.0 - step, "kl": 5.0 + step},
                    panels={"samples": prior, "recon": recon, "latent": latent})


def test_a_familys_recon_and_latent_panels_get_their_own_views(make_window, qtbot,
                                                                 monkeypatch):
    spec = dataclasses.replace(families.FAMILIES["gan"], name="enc", panels=(
        "samples", "recon", "latent"), loss_curves=(("recon", "reconstruction"), ("kl", "KL")))
    monkeypatch.setitem(families.FAMILIES, "enc", spec)
    window = make_window()
    window.show_family_views("enc")
    assert window.histogram.isHidden() and window.g_loss_view.isHidden()
    assert list(window.loss_plot.curves) == ["recon", "kl"]
    assert window.loss_plot.title.text() == "Losses"
    assert not window.loss_plot.equilibrium.isVisible()
    for step in (1, 2):
        window._on_snapshot(_encoder_snapshot(step))
    window.refresh_views(force=True)
    recon, latent = window.panel_views["recon"], window.panel_views["latent"]
    assert isinstance(recon, SampleView) and isinstance(latent, LatentView)
    assert recon.title.text() == "Held-out inputs over their reconstructions"  # the panel's
    recon.scrubber.setValue(0)  # a frame without a title of its own: the view's title
    assert recon.title.text() == "Inputs and their reconstructions"
    recon.set_live(True)
    assert recon.shown_frame.row_labels == ("input", "reconstruction") * 2
    assert recon.shown_frame.grid.shape[0] > recon.shown_frame.grid.shape[1] / 6 * 3.5
    pos = latent.codes_item.getData()
    assert len(pos[0]) == 200 and len(latent.prior_item.getData()[0]) == 300
    assert "61%" in latent.method_label.text() and "digit 9" in latent.legend_label.text()
    assert list(window.loss_plot.series["recon"].y) == [29.0, 28.0]
    window.rewind_views(1)
    assert len(recon.frames) == 1
    # back to the GAN: its curves and D views return, the family's views go with a new run
    window.show_family_views("gan")
    assert not window.histogram.isHidden() and not window.g_loss_view.isHidden()
    assert list(window.loss_plot.curves) == ["d_loss", "g_loss", "value"]
    window.clear_views()
    assert window.panel_views == {}


def _rbm_snapshot(step: int) -> Snapshot:
    from ganstudio.core.panels import Histograms

    rng = np.random.default_rng(step)
    images = rng.uniform(0, 1, (64, 8, 8, 1)).astype(np.float32)
    chain = Samples(rng.uniform(0, 1, (3 * 8, 8, 8, 1)).astype(np.float32), "images",
                    row_labels=["step 0", "step 1", "step 10"], columns=8)
    hist = Histograms({"real": rng.normal(-20, 3, 200), "fake": rng.normal(-15, 3, 64)},
                      critic=True, title="free energy F(v)")
    return Snapshot(step=step, scalars={"recon_error": 0.1, "free_energy_gap": -1.0,
                                        "pseudo_likelihood": -20.0 + step},
                    panels={"samples": Samples(images, "images"), "chain": chain,
                            "filters": Samples(images, "images"), "free_energy": hist})


def test_the_rbm_family_shows_its_chain_filters_and_free_energies(make_window):
    window = make_window()
    window.show_family_views("rbm")
    assert window.histogram.isHidden() and window.g_loss_view.isHidden()
    assert list(window.loss_plot.curves) == ["recon_error", "free_energy_gap",
                                             "pseudo_likelihood"]
    assert window.step_modes == () and not window.step_d_action.isEnabled()
    for step in (1, 2):
        window._on_snapshot(_rbm_snapshot(step))
    window.refresh_views(force=True)
    chain, filters = window.panel_views["chain"], window.panel_views["filters"]
    assert isinstance(chain, SampleView) and isinstance(filters, SampleView)
    assert chain.shown_frame.row_labels == ("step 0", "step 1", "step 10")
    assert "free_energy" in window.histograms
    assert list(window.loss_plot.series["pseudo_likelihood"].y) == [-19.0, -18.0]
    window.show_family_views("gan")
    assert window.step_modes == ("d", "g")


def test_every_family_fits_the_setup_panel_in_its_scroll_area(make_window, qtbot):
    """A long family title ("Variational autoencoder") made the panel wider than its scroll
    area, which never scrolls sideways, so the right edge of every field was cut off."""
    window = make_window(dataset="digits")
    window.resize(1440, 900)
    qtbot.wait(50)
    for name in families.FAMILIES:
        window.setup.family.setCurrentIndex(window.setup.family.findData(name))
        qtbot.wait(10)
        needed = window.setup.minimumSizeHint().width()
        assert needed <= window.setup_scroll.viewport().width(), (name, needed)
