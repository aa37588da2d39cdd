"""Routing to the agency: directory names, the shipped model's plain examples, the category fallback."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import select

from suara.agencies.models import Agency
from suara.agencies.names import agency_slug, directory_defaults
from suara.config import Settings
from suara.routing.loading import ModelRouter, load_router
from suara.routing.model import calibrate, fit, load, save
from suara.routing.training import TrainingDataError, read_routing_csv
from suara.submissions import service as submissions
from suara.submissions.models import Status
from tests.factories import draft

KEY = b"k"
DEV_CSV = Path(__file__).resolve().parents[3] / "shared" / "data" / "complaints" / "dev.csv"
PLAIN_EXAMPLES = Path(__file__).with_name("plain_examples.csv")

ROADS = ["jalan provinsi di {} rusak berlubang", "aspal jalan raya {} mengelupas", "jembatan di jalan {} retak",
         "jalan utama ke {} hancur berlubang", "mohon tambal lubang jalan di {}", "jalan {} rusak parah banyak lubang"]
BUSES = ["bus antarkota di {} ngetem sembarangan", "angkot di terminal {} tarifnya dinaikkan", "lampu lalu lintas di {} mati",
         "trayek angkutan desa {} dihapus", "parkir liar di stasiun {} mahal", "bus {} ugal-ugalan di jalan"]
ID_CARDS = ["ektp saya di {} belum jadi", "kartu keluarga di dukcapil {} salah nama", "akta kelahiran anak di {} belum selesai",
            "blanko ktp di {} habis", "rekam ektp di kecamatan {} antre lama", "pindah domisili ke {} belum diproses"]
PLACES = ["Grobogan", "Klaten", "Brebes", "Pati", "Blora", "Kudus", "Demak", "Kendal", "Batang", "Rembang"]


def corpus(places: list[str]) -> tuple[list[str], list[str], list[str]]:
    texts, labels, agencies = [], [], []
    for templates, label, agency in ((ROADS, "infrastruktur", "dpu-binamarga-cipkataru"), (BUSES, "infrastruktur", "dishub"),
                                     (ID_CARDS, "permades_dan_kependudukan", "dispermadesdukcapil")):
        for template in templates:
            for place in places:
                texts.append(template.format(place))
                labels.append(label)
                agencies.append(agency)
    return texts, labels, agencies


def test_agency_names_map_onto_the_directory_whatever_their_spelling():
    assert agency_slug("DPU BINMAR CIPKA") == "dpu-binamarga-cipkataru"
    assert agency_slug("pln distribusi jateng-diy") == "pln-uid-jateng-diy"
    assert agency_slug("Kepolisian Daerah Jawa Tengah") == "polda-jateng"
    assert agency_slug("PDAB Tirta Utama") == "pdab-tirta-utama"
    assert agency_slug("  disperakim ") == "disperakim"
    assert agency_slug("Dinas Urusan Yang Tidak Ada") is None
    assert agency_slug("") is None


def test_every_dev_csv_agency_name_maps_onto_the_directory():
    if not DEV_CSV.exists():
        pytest.skip(f"{DEV_CSV} is absent: the shared LaporGub data is not on this machine")
    with DEV_CSV.open(newline="", encoding="utf-8") as handle:
        names = {row["agency"] for row in csv.DictReader(handle)}
    assert len(names) >= 50
    assert sorted(name for name in names if agency_slug(name) is None) == []


def test_training_data_with_an_unknown_agency_name_is_refused_and_refused_reports_teach_only_the_category(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("text,label,agency,status\njalan rusak,infrastruktur,DPU BINMAR CIPKA,Laporan Selesai\n"
                    "ktp belum jadi,permades_dan_kependudukan,DISPERMADES DUKCAPIL,Laporan Bukan Wewenang\n")
    read = read_routing_csv(data)
    assert read.agencies == ["dpu-binamarga-cipkataru", None]
    assert read.labels == ["infrastruktur", "permades_dan_kependudukan"]
    data.write_text("text,label,agency\njalan rusak,infrastruktur,Dinas Yang Tidak Ada\n")
    with pytest.raises(TrainingDataError, match="Dinas Yang Tidak Ada"):
        read_routing_csv(data)


@pytest.fixture(scope="module")
def category_only_model(tmp_path_factory):
    """A model file trained without agency labels, calibrated on places it never saw."""
    texts, labels, _ = corpus(PLACES[:5])
    model = fit(texts, labels, name="no-agencies", source="test")
    held_texts, held_labels, _ = corpus(PLACES[5:])
    calibrate(model, held_texts, held_labels, source="other places")
    return load(save(model, tmp_path_factory.mktemp("models") / "no-agencies.skops"))


async def test_a_model_file_without_agency_labels_still_routes_by_category(db_session, category_only_model):
    assert category_only_model.agency_head is None and category_only_model.threshold_level == "category"
    router = ModelRouter(category_only_model)
    assert router.predict_agency("bus antarkota di Semarang ngetem sembarangan") is None
    decision = router.decide("bus antarkota di Semarang ngetem sembarangan")
    assert decision.agency is None and decision.category == "infrastruktur" and decision.automatic
    receipt = await submissions.submit(db_session, draft(text="Bus antarkota di Semarang ngetem sembarangan"),
                                       router=router, secret_key=KEY)
    assert receipt.submission.status == Status.ROUTED
    agency = await db_session.get(Agency, receipt.submission.agency_id)
    assert agency.slug == directory_defaults()["infrastruktur"] == "dpu-binamarga-cipkataru"


@pytest.fixture(scope="module")
def agency_model():
    texts, labels, agencies = corpus(PLACES[:5])
    model = fit(texts, labels, agencies=agencies, name="agencies", source="test")
    held_texts, held_labels, held_agencies = corpus(PLACES[5:])
    return calibrate(model, held_texts, held_labels, agencies=held_agencies, source="other places")


async def test_an_agency_model_sends_a_category_shared_by_agencies_to_the_right_one(db_session, agency_model):
    router = ModelRouter(agency_model)
    prediction = router.predict_agency("bus antarkota di Semarang ngetem sembarangan")
    assert prediction.agency == "dishub" and prediction.category == "infrastruktur"
    assert [s.agency for s in prediction.top][:2] == ["dishub", "dpu-binamarga-cipkataru"]
    assert prediction.confidence >= agency_model.threshold
    receipt = await submissions.submit(db_session, draft(text="Bus antarkota di Semarang ngetem sembarangan"),
                                       router=router, secret_key=KEY)
    assert receipt.submission.status == Status.ROUTED
    assert (await db_session.get(Agency, receipt.submission.agency_id)).slug == "dishub"
    assert receipt.routing.suggestions[0] == {"category": "infrastruktur", "agency": "dishub",
                                              "confidence": pytest.approx(prediction.top[0].confidence, abs=1e-4)}


def test_an_agency_model_file_keeps_its_agencies_threshold_and_level(agency_model, tmp_path):
    loaded = load(save(agency_model, tmp_path / "agencies.skops"))
    texts = ["jalan rusak di Semarang", "angkot ugal-ugalan", "ektp belum jadi"]
    assert np.allclose(loaded.agency_scores(texts).confidence, agency_model.agency_scores(texts).confidence)
    assert (loaded.threshold, loaded.threshold_level) == (agency_model.threshold, "agency")
    assert loaded.agency_labels == agency_model.agency_labels
    assert loaded.calibration["auto_route_precision_lower_bound"] >= 0.95
    card = (tmp_path / "agencies.md").read_text()
    assert "agency" in card and "Clopper–Pearson" in card


def test_evaluate_json_adds_agency_figures_and_the_precision_bound(agency_model, tmp_path):
    model_path = save(agency_model, tmp_path / "agencies.skops")
    data = tmp_path / "small.csv"
    data.write_text("text,label,agency\njalan rusak parah di Wonosobo,infrastruktur,DPU BINMAR CIPKA\n"
                    "bus ngetem di terminal Wonosobo,infrastruktur,DINAS PERHUBUNGAN\n"
                    "ektp belum jadi di Wonosobo,permades_dan_kependudukan,DISPERMADES DUKCAPIL\n")
    result = subprocess.run(
        [sys.executable, "-m", "suara.cli", "evaluate", "--data", str(data), "--model", str(model_path), "--json"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["agency_accuracy"] == 1.0 and metrics["agency_macro_f1"] == 1.0
    assert 0.0 <= metrics["auto_route_precision_lower_bound"] <= metrics["auto_route_precision"] <= 1.0


@pytest.fixture(scope="module")
def shipped_model():
    router = load_router(Settings())
    assert isinstance(router, ModelRouter), "models/default.skops must load"
    return router.model


def test_the_shipped_model_sends_the_plain_examples_to_the_right_agency(shipped_model):
    with PLAIN_EXAMPLES.open(newline="", encoding="utf-8") as handle:
        examples = list(csv.DictReader(handle))
    assert shipped_model.threshold_level == "agency"
    # At least one example for every agency the model learned from its training data.
    assert set(shipped_model.agency_labels) - {e["agency"] for e in examples} == set()
    predictions = shipped_model.route_many([e["text"] for e in examples])
    wrong = [(e["agency"], p.agency) for e, p in zip(examples, predictions) if p.agency != e["agency"]]
    assert len(wrong) <= 0.1 * len(examples), wrong


def test_the_shipped_model_card_reports_real_complaints_apart_from_its_own_corpus(shipped_model):
    card = Path(__file__).resolve().parents[2].joinpath("models", "default.md").read_text(encoding="utf-8")
    assert "second fixed half of dev.csv" in card and "Own-corpus figures" in card
    figures = shipped_model.cv_metrics
    assert figures["auto_route_level"] == "agency"
    assert figures["auto_route_precision_lower_bound"] <= figures["auto_route_precision"]
    assert figures["auto_route_precision"] >= 0.95 and figures["auto_route_coverage"] >= 0.15


async def test_the_directory_knows_the_new_agencies_and_their_aliases(db_session):
    pdab = (await db_session.exec(select(Agency).where(Agency.slug == "pdab-tirta-utama"))).one()
    assert "PDAB Tirta Utama" in pdab.aliases
    dpu = (await db_session.exec(select(Agency).where(Agency.slug == "dpu-binamarga-cipkataru"))).one()
    assert "DPU BINMAR CIPKA" in dpu.aliases
