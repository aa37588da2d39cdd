"""The routing pipeline itself: normalisation, calibration threshold, safe model files, evaluation."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import skops.io as sio

from suara.routing.calibration import bound_threshold, clopper_pearson_lower
from suara.routing.evaluate import evaluate
from suara.routing.model import ModelLoadError, load, save, train
from suara.routing.normalize import normalise

ROADS = ["jalan rusak berlubang di desa {}", "jln desa {} rusak parah bnyk lubang", "aspal jalan {} mengelupas dan berlubang",
         "mohon perbaikan jalan rusak di dusun {}", "dalan neng {} rusak ora didandani", "jembatan dan jalan {} rusak berat",
         "jalan kabupaten ke {} hancur berlubang", "jalan utama {} rusak sejak lama"]
IDS = ["ektp saya belum jadi di {}", "e-ktp blm jadi sdh 3 bulan di {}", "kartu keluarga dan ktp {} belum dicetak",
       "blanko ktp habis di dukcapil {}", "akta kelahiran anak saya di {} belum selesai", "ktp-el saya di {} hilang mau urus lagi",
       "pindah domisili ke {} kk belum jadi", "rekam ektp di kecamatan {} antri lama"]
POWER = ["listrik padam terus di {}", "pln sering mati lampu di {}", "token listrik {} mahal dan error",
         "tiang listrik miring di {} bahaya", "pemadaman listrik bergilir di {} tanpa info", "gas lpg 3 kg langka di {}",
         "kabel listrik putus di {}", "tagihan listrik {} naik drastis"]
PLACES = ["Grobogan", "Klaten", "Brebes", "Pati", "Blora", "Kudus"]


def tiny_corpus() -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for label, templates in (("infrastruktur", ROADS), ("permades_dan_kependudukan", IDS), ("energi", POWER)):
        for template in templates:
            for place in PLACES[:2]:
                texts.append(template.format(place))
                labels.append(label)
    return texts, labels


@pytest.fixture(scope="module")
def tiny_model():
    texts, labels = tiny_corpus()
    return train(texts, labels, name="tiny", source="test")


def test_normaliser_masks_personal_data_and_expands_slang():
    text = "Yth Pak Gubernur, jln rusak, NIK 3374012303850004, hp 0812-3456-7890, lihat https://x.id/a gmn ini 3 bln"
    normalised = normalise(text)
    assert "3374012303850004" not in normalised and "niktoken" in normalised
    assert "nomortelepon" in normalised and "urltoken" in normalised
    assert "jalan" in normalised and "bagaimana" in normalised and "bulan" in normalised
    assert "gubernur" not in normalised  # salutations carry no topic
    assert "angka" in normalised


def test_javanese_words_are_mapped_to_indonesian():
    assert normalise("dalan ora didandani, wis suwe durung") == "jalan tidak didandani sudah suwe belum"


def test_the_trained_model_routes_its_own_topics(tiny_model):
    assert tiny_model.suggest("jalan di desa kami rusak berlubang")[0].category == "infrastruktur"
    suggestions = tiny_model.suggest("listrik mati terus")
    assert suggestions[0].category == "energi"
    assert len(suggestions) == 3 and sum(s.confidence for s in suggestions) == pytest.approx(1.0, abs=1e-6)


def test_save_and_load_give_identical_probabilities_and_write_a_model_card(tiny_model, tmp_path):
    path = save(tiny_model, tmp_path / "tiny.skops")
    loaded = load(path)
    texts = ["jalan rusak", "ktp belum jadi", "listrik padam"]
    assert np.allclose(loaded.predict_proba(texts), tiny_model.predict_proba(texts))
    assert (loaded.version, loaded.threshold) == (tiny_model.version, tiny_model.threshold)
    card = (tmp_path / "tiny.md").read_text()
    for heading in ("Version", "scikit-learn", "threshold", "Per category", "macro_f1"):
        assert heading in card


class NotAModelPart:
    """A type a model file must never be able to make us instantiate."""


def test_loading_refuses_a_file_with_untrusted_types(tmp_path):
    path = tmp_path / "evil.skops"
    sio.dump({"pipeline": NotAModelPart(), "metadata": {}}, path)
    with pytest.raises(ModelLoadError, match="does not trust"):
        load(path)


def test_loading_a_corrupt_or_missing_file_is_a_model_load_error(tmp_path):
    corrupt = tmp_path / "corrupt.skops"
    corrupt.write_bytes(b"this is not a zip archive")
    with pytest.raises(ModelLoadError):
        load(corrupt)
    with pytest.raises(ModelLoadError):
        load(tmp_path / "missing.skops")


def test_threshold_keeps_the_lower_bound_of_precision_above_the_target_on_its_points():
    rng = np.random.default_rng(0)
    confidence = rng.uniform(0, 1, 2000)
    correct = rng.uniform(0, 1, 2000) < confidence  # calibrated by construction
    threshold = bound_threshold(confidence, correct, 0.95)
    chosen = confidence >= threshold
    assert clopper_pearson_lower(int(correct[chosen].sum()), int(chosen.sum())) >= 0.95
    assert correct[chosen].mean() > 0.95  # the bound asks for more than the point estimate
    assert 0.05 < chosen.mean() < 0.5


def test_a_threshold_chosen_on_held_out_items_keeps_its_promise_on_new_ones():
    """Over many calibration draws the precision on new items seldom falls short, and never by much.

    (Choosing the lowest threshold that passes looks at many thresholds, so the 95 % is not exact.)"""
    precisions = []
    for seed in range(40):
        rng = np.random.default_rng(seed)
        confidence = rng.uniform(0, 1, 23000)
        correct = rng.uniform(0, 1, 23000) < 0.5 + 0.5 * confidence  # right 75 % overall, ~100 % at the top
        threshold = bound_threshold(confidence[:3000], correct[:3000], 0.95)
        later = confidence[3000:] >= threshold
        assert 0.05 < later.mean() < 0.5
        precisions.append(correct[3000:][later].mean())
    assert sum(p < 0.95 for p in precisions) <= 6
    assert min(precisions) >= 0.93


def test_too_few_items_route_nothing_however_right_they_are():
    assert bound_threshold(np.linspace(0.9, 1.0, 50), np.ones(50, dtype=bool), 0.95) > 1.0  # 50/50 is not enough
    assert bound_threshold(np.linspace(0.9, 1.0, 60), np.ones(60, dtype=bool), 0.95) <= 0.9


def test_no_threshold_meets_an_impossible_target():
    assert bound_threshold(np.array([0.9, 0.8]), np.array([False, False]), 0.95) > 1.0


def test_evaluate_reports_every_published_figure(tiny_model):
    texts, labels = tiny_corpus()
    metrics = evaluate(tiny_model, texts, labels)
    for key in ("macro_f1", "accuracy", "top3_accuracy", "auto_route_coverage", "auto_route_precision", "per_class"):
        assert key in metrics
    assert set(metrics["per_class"]) == set(labels)


def test_evaluate_command_prints_json_with_the_required_keys(tiny_model, tmp_path):
    model_path = save(tiny_model, tmp_path / "tiny.skops")
    data = tmp_path / "small.csv"
    data.write_text("text,label,extra\njalan rusak parah,infrastruktur,x\nktp belum jadi,permades_dan_kependudukan,y\n"
                    "listrik padam,energi,z\n")
    result = subprocess.run(
        [sys.executable, "-m", "suara.cli", "evaluate", "--data", str(data), "--model", str(model_path), "--json"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    for key in ("macro_f1", "accuracy", "top3_accuracy", "auto_route_coverage", "auto_route_precision", "per_class"):
        assert key in metrics
    assert metrics["n"] == 3
