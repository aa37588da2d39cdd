"""Give rows of the project's own seed corpus that have no agency yet one, by rules over their own texts.

Usage: python scripts/label_seed_corpus_agencies.py [--write]
Prints the (category, agency) counts; with --write fills the empty `agency` cells. Rows that have
an agency keep it, so hand corrections survive. Never run it on data that is not the project's own.
"""
import csv
import re
import sys
from collections import Counter
from pathlib import Path

RULES = {
    "infrastruktur": [
        ("kanwil-bpn-jateng", r"sertifikat|bpn|pertanahan|prona|ptsl|tanah (warisan|sengketa)|sengketa tanah|patok|girik|letter c|ukur ulang tanah"),
        ("pdab-tirta-utama", r"pdab|pdam|air bersih|air (ledeng|pam)|pipa air|meteran air|\bspam\b|air minum"),
        ("dishub", r"\bbus\b|angkot|angkutan|terminal|trayek|parkir|lampu (lalu lintas|merah|traffic)|traffic light|apill|rambu|kereta|stasiun|ojek|truk (odol|overload|kelebihan)|jembatan timbang|uji kir|\bkir\b|pelabuhan|penyeberangan|marka|zebra cross|halte|brt|trans jateng"),
        ("pusdataru", r"irigasi|sungai|tanggul|waduk|embung|bendung|saluran (irigasi|primer|sekunder)|normalisasi|tata ruang|sempadan|\brob\b|drainase kali|talud sungai"),
        ("disperakim", r"rtlh|rumah tidak layak|bedah rumah|perumahan|permukiman|pemukiman|kumuh|sanitasi|jamban|mck|rusunawa|rusun|developer|pengembang|\bpsu\b|sambungan rumah|septic"),
    ],
    "sosial_masyarakat": [
        ("bpjs-ketenagakerjaan", r"bpjs ketenagakerjaan|bpjs tk|jamsostek|jht|jaminan hari tua|bpjamsostek"),
        ("disnakertrans", r"buruh|\bpekerja\b|karyawan|phk|pesangon|upah|\bum[kp]\b|gaji (tidak|belum|dipotong|telat)|lembur|tki|\bpmi\b|tenaga kerja|transmigra|lowongan|pelatihan kerja|\bblk\b|outsourcing|kontrak kerja|\bthr\b|perusahaan|pabrik|majikan"),
        ("biro-kesra", r"hibah|masjid|mushola|musala|pondok|pesantren|yatim|takmir|rumah ibadah|gereja|bantuan (lembaga|yayasan|ormas)|yayasan|proposal"),
    ],
    "lain-lain": [
        ("kanwil-kemenag-jateng", r"\bkua\b|nikah|haji|umroh|umrah|kemenag|madrasah|penghulu|rujuk|zakat"),
        ("bawaslu-jateng", r"bawaslu|politik uang|money politic|kampanye|pilkada|pemilu|caleg|serangan fajar"),
        ("diskominfo", r"website|situs|aplikasi|internet|wifi|sinyal|blank ?spot|hoaks|hoax|informasi publik|ppid|media sosial|medsos|menara|\bbts\b|tower"),
        ("satpol-pp", r"pkl|pedagang kaki lima|satpol|ketertiban|tempat hiburan|karaoke|miras|minuman keras|reklame|baliho|spanduk|perda|pengamen|gelandangan|anak jalanan|kos(t)? mesum|prostitusi|bangunan liar"),
        ("inspektorat", r"inspektorat|korupsi|penyalahgunaan|mark ?up|dana (desa|bos|hibah) (di|ke)?|\basn\b|\bpns\b|pejabat|kepala dinas|\bcamat\b|\blurah\b|pegawai (pemkab|pemprov|dinas)|gratifikasi|jual beli jabatan|nepotisme|kolusi"),
        ("polda-jateng", r"polisi|polsek|polres|polda|tilang|\bsim\b|penipuan|ditipu|pencurian|dicuri|maling|begal|narkoba|sabu|judi|togel|penganiayaan|laporan polisi|reskrim|pungli|premanisme|preman|balap liar|knalpot|kriminal|kdrt|ancaman|pemerasan|investasi bodong|arisan online|pinjol|pinjaman online|debt collector"),
    ],
    "energi": [
        ("pln-uid-jateng-diy", r"pln|listrik|token|padam|mati lampu|meteran listrik|kwh|tiang listrik|kabel listrik|gardu|trafo|tegangan|pasang baru|\bdaya\b|tagihan listrik|voltase"),
        ("pertamina", r"pertamina|spbu|pertalite|pertamax|solar|bbm|bensin|premium|pangkalan (gas|elpiji|lpg)|agen (gas|elpiji|lpg)|elpiji|lpg|gas (3|melon|langka)|tabung gas"),
    ],
    "kesehatan": [
        ("bpjs-kesehatan", r"bpjs|jkn|\bkis\b|kartu indonesia sehat|faskes|iuran|\bpbi\b|kepesertaan|denda (bpjs|layanan)|rujukan berjenjang"),
        ("rsup-kariadi", r"kariadi"),
    ],
    "pertanian": [
        ("disnakkeswan", r"ternak|\bsapi\b|kambing|domba|\bayam\b|unggas|babi|kerbau|hewan|antraks|\bpmk\b|mulut dan kuku|flu burung|rabies|vaksin hewan|inseminasi|\bib\b|kandang|pakan|peternak|susu|pemotongan hewan|\brph\b|daging"),
        ("bulog-jateng", r"bulog|serap gabah|serapan gabah|harga gabah|beras (bulog|rastra|raskin)|rastra|raskin|cadangan beras|stok beras"),
        ("dislutkan", r"nelayan|\bikan\b|tambak|perahu|kapal|laut|pantai|budidaya (udang|ikan)|cantrang|\btpi\b|tempat pelelangan"),
    ],
    "keuangan_dan_aset": [
        ("kanwil-djp-jateng", r"npwp|\bpph\b|\bppn\b|pajak penghasilan|\bspt\b|djp|kantor pajak|\bkpp\b|efin|e-filing|pajak pusat|pajak (toko|usaha|umkm)"),
        ("bank-jateng", r"bank jateng|bpd jateng|rekening|\batm\b|kredit|pinjaman|angsuran|tabungan"),
        ("bpkad", r"aset (pemprov|daerah|provinsi|milik)|tanah (milik )?(pemprov|provinsi)|gedung (milik )?pemprov|sewa aset|hibah (uang|dana)|bpkad|pencairan|keuangan daerah|apbd"),
    ],
    "ekonomi_dan_industri": [
        ("bank-jateng", r"bank jateng|bpd jateng|\bkur\b|kredit usaha|mitra (jateng|02)|rekening|\batm\b|angsuran"),
        ("dinkop-ukm", r"koperasi|umkm|\bukm\b|usaha mikro|usaha kecil|modal usaha|pinjaman modal|pelatihan usaha|iumk|\bnib\b|pirt|p-irt|halal|kemasan|produk lokal"),
    ],
    "pendidikan": [
        ("kanwil-kemenag-jateng", r"madrasah|\bmts\b|pesantren|pondok|kemenag|guru ngaji|tpq|diniyah|raudhatul"),
    ],
}
DEFAULT = {
    "infrastruktur": "dpu-binamarga-cipkataru", "sosial_masyarakat": "dinsos", "lain-lain": "polda-jateng",
    "energi": "esdm", "kesehatan": "dinkes", "pertanian": "distanbun", "keuangan_dan_aset": "bppd",
    "ekonomi_dan_industri": "disperindag", "pendidikan": "disdikbud", "permades_dan_kependudukan": "dispermadesdukcapil",
    "kepegawaian": "bkd", "lingkungan": "dlhk", "bencana": "bpbd", "pariwisata_dan_budaya": "disporapar",
}
# lain-lain has no single owner: with no rule matching, Inspektorat (the directory default) reviews it.
DEFAULT["lain-lain"] = "inspektorat"

def agency_for(text, label):
    lowered = text.lower()
    for slug, pattern in RULES.get(label, []):
        if re.search(pattern, lowered):
            return slug
    return DEFAULT[label]

counts = Counter()
for path in sorted((Path(__file__).resolve().parents[1] / "src" / "suara" / "routing").glob("seed_corpus*.csv")):
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["agency"] = row.get("agency") or agency_for(row["text"], row["label"])
        counts[(row["label"], row["agency"])] += 1
    if "--write" in sys.argv:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=["text", "label", "agency"])
            writer.writeheader()
            writer.writerows(rows)
for key, n in sorted(counts.items()):
    print(n, key)
