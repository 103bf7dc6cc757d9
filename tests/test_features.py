"""The seed feature recipe, its cache, and the original's two methods."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import real_clip

from avcore.features import seed_features
from avcore.features.seed_features import SeedFeatures
from avcore.models import seed_mlp
from avcore.models.seed_threshold import SeedThreshold, distance


def test_seed_feature_shapes_follow_the_recipe():
    feats = seed_features.seed_features(real_clip("chaplin.mp4"))  # 25 fps: every 5th frame
    assert feats.visual.shape[1] == 2 * 96 * 96 and feats.audio.shape[1] == 13
    assert len(feats.visual) == len(feats.audio)
    assert len(feats.visual) == pytest.approx(9.64 * 5 - 1, abs=2)


def test_flow_sees_motion():
    frames = np.zeros((3, 96, 96), np.uint8)
    for i in range(3):
        frames[i, 40:60, 20 + 5 * i : 40 + 5 * i] = 255
    steps = seed_features.flow_steps(frames)
    mag = steps[:, : 96 * 96].reshape(2, 96, 96)
    assert mag[:, 45:55, 30:40].mean() > 1.0 > mag[:, :10, :10].mean()


def test_muted_clip_gets_silence_features_not_dropped():
    feats = seed_features.seed_features(real_clip("no-audio-480p.mp4"))
    assert len(feats.audio) > 0 and np.allclose(feats.audio, feats.audio[0])


def test_cache_is_keyed_by_content_and_version(tmp_path, click_clip, monkeypatch):
    first = seed_features.cached_seed_features(click_clip, tmp_path)
    [cached] = list(tmp_path.glob("*.npz"))
    assert seed_features.FEATURE_VERSION in cached.name
    with np.load(cached) as z:
        assert set(z.files) == {"audio", "visual", "label"}
    monkeypatch.setattr(seed_features, "seed_features", lambda p: pytest.fail("cache not used"))
    again = seed_features.cached_seed_features(click_clip, tmp_path)
    assert np.array_equal(first.visual, again.visual)
    monkeypatch.setattr(seed_features, "FEATURE_VERSION", "seed-v2")
    with pytest.raises(pytest.fail.Exception):
        seed_features.cached_seed_features(click_clip, tmp_path)


def test_threshold_distance_compares_first_flow_values_with_mfcc():
    """The original's flaw, kept on purpose: only the first 13*T visual values take part."""
    rng = np.random.default_rng(0)
    feats = SeedFeatures(audio=rng.random((4, 13)).astype(np.float32), visual=rng.random((4, 50)).astype(np.float32))
    tail_changed = SeedFeatures(audio=feats.audio, visual=feats.visual.copy())
    tail_changed.visual[2:, :] = 99
    assert distance(feats) == pytest.approx(distance(tail_changed))
    a, v = feats.audio.ravel(), feats.visual.ravel()[:52]
    norm = lambda x: (x - x.min()) / (x.max() - x.min())  # noqa: E731
    assert distance(feats) == pytest.approx(np.linalg.norm(norm(a) - norm(v)) / np.sqrt(52))


def test_threshold_flips_sign_and_uses_youden():
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(200), np.ones(200)].astype(int)
    d = np.r_[rng.normal(1.0, 0.2, 200), rng.normal(0.5, 0.2, 200)]  # anomalies score LOWER
    model = SeedThreshold.fit(d, y)
    assert model.sign == -1
    pred = model.predict(d)
    assert (pred == y).mean() > 0.85
    assert np.array_equal(pred, (model.p_misaligned(d) >= 0.5).astype(int))


def test_mlp_default_config_learns_and_seed_config_barely_moves():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 40)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int)
    quick = seed_mlp.DEFAULT_CONFIG
    trained = seed_mlp.train(x, y, quick)
    assert ((trained.p_misaligned(x) >= 0.5) == y).mean() > 0.9
    original = seed_mlp.train(x, y, seed_mlp.TrainConfig(**{**seed_mlp.SEED_CONFIG.__dict__, "epochs": 10}))
    losses = [h["train_loss"] for h in original.history]
    assert abs(losses[-1] - losses[0]) < 0.05


def test_mlp_save_load_roundtrip(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 1165)).astype(np.float32)
    y = (x[:, 0] > 0).astype(int)
    trained = seed_mlp.train(x, y, seed_mlp.TrainConfig(lr=1e-3, epochs=3))
    trained.save(tmp_path / "m.pt")
    loaded = seed_mlp.TrainedMLP.load(tmp_path / "m.pt")
    assert np.allclose(trained.p_misaligned(x), loaded.p_misaligned(x), atol=5e-3)
    assert (tmp_path / "m.pt").stat().st_size < 3_000_000


def test_mlp_card_is_written_with_the_weights_and_ignored_beside_others(tmp_path):
    """The app shows a seed MLP's training from its card, without torch; a card must never
    describe weights it was not written for."""
    import shutil

    from avcore.models import modelfiles

    rng = np.random.default_rng(2)
    x = rng.normal(size=(64, 20)).astype(np.float32)
    y = (x[:, 0] > 0).astype(int)
    first = seed_mlp.train(x, y, seed_mlp.TrainConfig(lr=1e-3, epochs=3))
    first.save(tmp_path / "m.pt")
    card = modelfiles.read_card(tmp_path / "m.pt")
    assert card["history"] == first.history and seed_mlp.TrainConfig(**card["config"]) == first.config
    other = seed_mlp.train(x, y, seed_mlp.TrainConfig(lr=1e-3, epochs=4))
    (tmp_path / "other").mkdir()
    other.save(tmp_path / "other" / "m.pt")
    shutil.copy(tmp_path / "m.pt", tmp_path / "other" / "m.pt")  # weights replaced, card left
    assert modelfiles.read_card(tmp_path / "other" / "m.pt") is None
    (tmp_path / "m.json").write_text("[1, 2]")
    assert modelfiles.read_card(tmp_path / "m.pt") is None
    assert modelfiles.read_card(tmp_path / "missing.pt") is None
