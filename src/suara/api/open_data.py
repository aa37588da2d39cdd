"""Open data for journalists: agency figures per month as CSV and JSON, and how they are computed."""

from __future__ import annotations

import csv
import hashlib
import io
import json

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from suara.transparency import open_items, queries
from suara.transparency.queries import Period
from suara.triage.service import REJECTION_REASONS

COLUMNS = [
    "agency", "month", "received", "routed_automatically", "routed_by_people", "acknowledged", "responded",
    "resolved", "rejected", "forwarded", "reopened", "disputed", "confirmed_by_citizens", "escalated_overdue",
    "first_responses", "first_response_within_service_level", "first_response_median_working_days",
    "first_response_p90_working_days", "first_response_median_hours", "resolutions",
    "resolution_within_service_level", "resolution_median_working_days", "resolution_p90_working_days",
    "first_response_p90_hours", "resolution_median_hours", "resolution_p90_hours",
    *[f"rejected_{reason}" for reason in REJECTION_REASONS], "automatic_routes_changed", "routing_accuracy",
]
CACHE = "public, max-age=300"


async def monthly_rows(request: Request) -> list[dict]:
    state = request.app.state.suara
    directory = await state.directory()
    async with state.public_reading() as session:
        periods = await queries.figures(session, period=Period.MONTH)
    rows = []
    for period in periods:
        agency = directory.agencies.get(period.agency_id)
        first, resolution = period.durations("first_response"), period.durations("resolution")
        rows.append({
            "agency": agency.slug if agency else str(period.agency_id),
            "month": period.period_start.strftime("%Y-%m"),
            "received": period.count("received"),
            "routed_automatically": period.count("routed_automatically"),
            "routed_by_people": period.count("routed_by_people"),
            "acknowledged": period.count("acknowledged"), "responded": period.count("responded"),
            "resolved": period.count("resolved"), "rejected": period.count("rejected"),
            "forwarded": period.count("forwarded"), "reopened": period.count("reopened"),
            "disputed": period.count("disputed"), "confirmed_by_citizens": period.count("confirmed_resolved"),
            "escalated_overdue": period.count("escalated"),
            "first_responses": first.count, "first_response_within_service_level": first.within_service_level,
            "first_response_median_working_days": first.median_working_days,
            "first_response_p90_working_days": first.p90_working_days,
            "first_response_median_hours": first.median_hours,
            "resolutions": resolution.count, "resolution_within_service_level": resolution.within_service_level,
            "resolution_median_working_days": resolution.median_working_days,
            "resolution_p90_working_days": resolution.p90_working_days,
            "first_response_p90_hours": first.p90_hours, "resolution_median_hours": resolution.median_hours,
            "resolution_p90_hours": resolution.p90_hours,
            **{f"rejected_{reason}": period.count(f"rejected_by_reason:{reason}") for reason in REJECTION_REASONS},
            "automatic_routes_changed": period.count("automatic_route_changed"),
            "routing_accuracy": round(period.routing_accuracy, 4) if period.routing_accuracy is not None else None,
        })
    return rows


def _cached(request: Request, body: bytes, media_type: str) -> Response:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": CACHE}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


async def agency_stats_csv(request: Request) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(await monthly_rows(request))
    return _cached(request, out.getvalue().encode(), "text/csv; charset=utf-8")


async def agency_stats_json(request: Request) -> Response:
    """The monthly rows, plus each agency's backlog and overdue items right now."""
    state = request.app.state.suara
    directory = await state.directory()
    async with state.public_reading() as session:
        backlog = await queries.backlog(session)
    now = [{"agency": directory.agencies[agency_id].slug if agency_id in directory.agencies else str(agency_id),
            "open_now": figures.open_now, "overdue_now": figures.overdue_now}
           for agency_id, figures in sorted(backlog.items())]
    body = json.dumps({"columns": COLUMNS, "rows": await monthly_rows(request), "backlog_now": now},
                      ensure_ascii=False).encode()
    return _cached(request, body, "application/json")


METHODOLOGY = """<!doctype html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Metodologi data terbuka Suara</title></head><body>
<main>
<h1>Metodologi / Methodology</h1>
<section lang="id">
<h2>Bahasa Indonesia</h2>
<p>Setiap angka dihitung dari catatan kejadian setiap laporan (diterima, dirutekan, ditanggapi, diteruskan,
diselesaikan, ditolak) di dalam transaksi yang sama dengan kejadian itu, dan dapat dihitung ulang dari awal
(<code>suara stats rebuild</code>). Hari dihitung dalam WIB.</p>
<ul>
<li><b>Diterima</b>: laporan yang sampai ke instansi (dirutekan ke atau diteruskan kepadanya).</li>
<li><b>Tanggapan pertama</b>: kejadian pertama berupa konfirmasi, tanggapan, penyelesaian, atau penolakan sejak
instansi menerima laporan. Waktu diukur dalam jam dan dalam hari kerja (Senin–Jumat, tanpa libur nasional dan
cuti bersama, di zona waktu instansi). Median dan persentil ke-90 dilaporkan sebagai batas atas kelompok
histogram (misalnya "≤ 1 hari kerja").</li>
<li><b>Sesuai standar layanan</b>: dijawab atau diselesaikan sebelum tenggat yang berlaku saat itu
(tanggapan pertama 3 hari kerja, permintaan informasi 5, penyelesaian 14 atau 60 dengan cek lapangan).</li>
<li><b>Sedang berjalan</b> dan <b>terlambat sekarang</b>: laporan yang dipegang instansi dan belum selesai, dan
di antaranya yang sudah melewati tenggat (ditandai oleh pemeriksaan berkala setiap menit) dan belum diselesaikan,
ditolak, atau diteruskan.</li>
<li><b>Akurasi rute otomatis</b>: dari laporan yang dirutekan otomatis oleh model pada periode itu, bagian yang tidak
dipindahkan petugas (dirutekan ulang oleh admin triase atau diteruskan instansi ke instansi lain). Perubahan dihitung
pada hari rute aslinya.</li>
<li><b>Ditolak menurut alasan</b>: bukan kewenangan, tidak lengkap, spam, atau duplikat.</li>
<li><b>Tingkat sengketa, pembukaan ulang, dan konfirmasi</b>: jumlah sengketa, pembukaan ulang, dan konfirmasi
warga dibagi jumlah laporan yang diselesaikan pada periode yang sama.</li>
<li><b>Rincian per bulan kalender</b>: jumlah laporan menurut saluran, wilayah (kabupaten/kota) dan kategori
diterbitkan hanya per bulan kalender yang sudah berakhir (WIB) (<code>arrivals(period: "2026-11")</code>,
<code>arrivals.csv</code>, <code>arrivals.json</code>), tidak untuk rentang tanggal bebas, triwulan, tahun, atau bulan
yang sedang berjalan: dua rentang yang bertumpuk (satu triwulan dan bulan-bulannya, atau dua pembacaan bulan berjalan
pada hari yang berbeda) dapat dikurangkan untuk membuka sel yang disembunyikan.</li>
<li><b>Sel kecil dan sel pelindung</b>: pada rincian menurut wilayah dan kategori, sel dengan 1–4 laporan
disembunyikan ("x"), karena sel sekecil itu bisa menunjuk kepada seseorang. Karena jumlah per instansi, jumlah semua
instansi, dan rincian per saluran tetap diterbitkan, satu sel tersembunyi saja bisa dihitung dengan pengurangan.
Maka setiap baris (satu instansi, atau semua instansi) dan setiap kolom (satu wilayah atau kategori, dengan
jumlahnya untuk semua instansi) yang memuat satu sel tersembunyi menyembunyikan satu sel lagi: sel terkecil
berikutnya yang bukan nol (sel nol hanya bila tidak ada yang lain; sel tersembunyi bisa saja bernilai 0). Aturan ini
diulang sampai tidak ada baris atau kolom dengan tepat satu sel tersembunyi. Selain itu setiap sel tersembunyi
terletak pada lingkaran sel tersembunyi (baris–kolom–baris–kolom) yang dapat menggeser nilainya tanpa membuat angka
negatif, sehingga gabungan semua baris dan kolom pun tidak dapat menentukan nilainya. Semua sel tersembunyi ditulis sama
("x"), tanpa membedakan sel kecil dari sel pelindung. Laporan rahasia dihitung dalam jumlah, tetapi tidak dalam
sel rincian (kolom <code>row_confidential</code>, <code>confidential</code> di GraphQL): instansi dan tanggalnya
sudah publik, dan bila dihitung di sel, jumlah sel dikurangi laporan publik akan menunjukkan wilayah, kategori,
atau salurannya. Sel bernilai 0 tidak dicantumkan. Rincian per saluran tidak
disembunyikan (saluran tidak menunjuk orang, dan jumlahnya sama dengan jumlah yang sudah diterbitkan). Laporan rahasia
tetap dihitung, tetapi tidak pernah ditampilkan satu per satu.</li>
<li><b>Baris per laporan</b> (<code>submissions.csv</code>): hanya laporan yang tidak rahasia dan diajukan pada
bulan yang sudah berakhir, tanpa kode lacak
(yang akan menautkan ke halaman laporan), tanpa teks dan kontak; semua tanggal hanya sampai bulan (WIB); wilayah
hanya sampai kabupaten/kota. Wilayah atau kategori dikosongkan bila sel itu disembunyikan pada rincian bulanan
instansinya, lalu bila kurang dari 5 baris yang diterbitkan berbagi wilayah, kategori, instansi dan bulan yang sama;
baris yang tetap kurang dari 5 setelah wilayah dan kategori dikosongkan tidak diterbitkan. Jadi setiap kombinasi
wilayah × kategori × instansi × bulan di berkas ini dimiliki sedikitnya 5 baris. Urutan baris mengikuti nilai yang
diterbitkan, bukan urutan pelaporan.</li>
<li><b>Peringkat instansi</b>: hanya instansi dengan sedikitnya 20 laporan dalam periode itu, agar instansi kecil
tidak berada di puncak karena kebetulan.</li>
<li><b>Tempat dan waktu di halaman publik</b> (GraphQL, Open311, halaman lacak): koordinat dibulatkan ke 3 desimal
(sel sekitar 100 m), atau ke 2 desimal (sekitar 1 km) bila kurang dari 5 laporan tidak rahasia berbagi sel 100 m
itu. Waktu setiap langkah laporan ditampilkan apa adanya, karena riwayat itulah yang menjadi ukuran kinerja instansi.
Teks bebas (judul, isi, lokasi, jawaban instansi, alasan sengketa) ditampilkan dengan nomor telepon, NIK, email dan
nama pelapor disamarkan; jumlah rupiah, tanggal, RT/RW, nomor rumah dan nomor telepon resmi instansi tetap terbaca.
Laporan rahasia hanya menampilkan jenis, status, instansi dan tanggal.</li>
<li><b>Laporan ganda</b>: laporan yang ditutup petugas sebagai duplikat dari laporan lain yang belum selesai di
instansi yang sama dihitung sebagai <i>ditolak</i> dengan alasan <i>duplikat</i> (juga sebagai tanggapan pertama bila
belum ditanggapi) dan tetap terhitung sebagai diterima. Penanganannya berlanjut pada laporan yang dipertahankan, yang
menerima dukungan laporan ganda itu ditambah satu untuk pelapornya. Jadi satu masalah tidak dihitung selesai dua kali,
dan jumlah dukungan menunjukkan berapa warga yang melaporkannya.</li>
<li>Data tidak memuat nama, nomor telepon, email, NIK, maupun isi laporan rahasia.</li>
</ul>
</section>
<section lang="en">
<h2>English</h2>
<p>Every figure is counted from each submission's event log (received, routed, answered, forwarded, resolved,
rejected) in the same transaction as the event, and can be recomputed from scratch
(<code>suara stats rebuild</code>). Days are counted in WIB (UTC+7).</p>
<ul>
<li><b>Received</b>: items that reached the agency (routed or forwarded to it).</li>
<li><b>First response</b>: the first acknowledgement, public response, resolution or rejection after the agency
received the item. Time is measured in hours and in working days (Monday–Friday without national holidays and
collective leave, in the agency's time zone). Medians and 90th percentiles are reported as the upper edge of
their histogram bucket (for example "≤ 1 working day").</li>
<li><b>Within the service level</b>: answered or resolved before the deadline in force at the time (first
response 3 working days, information requests 5, resolution 14, or 60 with a field check).</li>
<li><b>Open now</b> and <b>overdue now</b>: items the agency holds unfinished, and of those the ones past a
deadline (flagged by the check that runs every minute) and not yet resolved, rejected or handed on.</li>
<li><b>Routing accuracy</b>: of the items the model routed automatically in the period, the share staff did not
move (re-routed by a triage admin, or forwarded by the agency to another). A change is counted on the day of the
route it undoes. The routing model's own live precision (<code>routingAccuracy.live</code>) is stricter about
what counts: of its last 500 automatic routes that staff settled, the share its agency acknowledged, answered or
resolved rather than moved to another agency (re-routed, forwarded as "wrong agency", rejected as not its
authority), with a one-sided 95 % Clopper–Pearson lower bound (the model card's bound until 100 are settled).
When that bound falls below 95 %, Suara raises the model's threshold or stops routing automatically.</li>
<li><b>Rejected by reason</b>: not the agency's authority, incomplete, spam, or duplicate.</li>
<li><b>Dispute, reopen and confirmation rates</b>: disputes, reopenings and citizens' confirmations divided by
the items resolved in the same period.</li>
<li><b>Breakdowns per calendar month</b>: arrivals by channel, region (regency/city) and category are published
for whole calendar months that have ended (WIB) only (<code>arrivals(period: "2026-11")</code>,
<code>arrivals.csv</code>, <code>arrivals.json</code>), not for arbitrary date ranges, quarters, years or the month under
way: two overlapping ranges (a quarter and its months, or two readings of the month under way on different days)
could be subtracted to open a hidden cell.</li>
<li><b>Small cells and protecting cells</b>: in breakdowns by region and category, cells of 1–4 items are hidden
("x"), because a cell that small could point at a person. Since each agency's total, the total over all agencies
and the breakdown by channel are published, a single hidden cell could be computed by subtraction. So every row (one
agency, or all agencies) and every column (one region or category, with its total over all agencies) holding one
hidden cell hides a second one: the next smallest non-zero cell (a zero cell only when there is no other, so a
hidden cell may be 0). This is repeated until no row or column has exactly one hidden cell. Besides, every hidden
cell lies on a cycle of hidden cells (row–column–row–column) that can shift its value without making any count
negative, so that even all rows and columns taken together cannot fix it. All hidden cells read
the same ("x"), whether small or protecting. Confidential items count in the totals but in no breakdown cell
(column <code>row_confidential</code>, <code>confidential</code> in GraphQL): their agency and dates are public, and in
a cell, the cell minus the public items would give their region, category or channel. Cells of 0 are not listed. The breakdown by channel is not hidden (a
channel does not point at a person, and its total is published anyway). Confidential submissions count, but never
appear individually.</li>
<li><b>Per-item rows</b> (<code>submissions.csv</code>): non-confidential items filed in an ended month only, with
no tracking code (which
would link to the item's page), no text and no contact; every date to the month only (WIB); the region to the
regency/city only. The region or category is left blank when its cell is hidden in the agency's monthly breakdown,
then when fewer than 5 published rows share the same region, category, agency and month; rows still under 5 with
both blank are left out. So every region × category × agency × month combination in the file is shared by at least
5 rows. Rows are ordered by their published values, not by filing order.</li>
<li><b>League table</b>: only agencies with at least 20 items in the period are ranked, so a tiny agency cannot
top it by chance.</li>
<li><b>Place and time on public pages</b> (GraphQL, Open311, the tracking page, the map): coordinates are rounded to 3
decimals (a cell of about 100 m), or to 2 decimals (about 1 km) where fewer than 5 non-confidential items share that
100 m cell. On the map, a cluster is placed at the mean of its items' rounded positions, and the searches "in this
area" and "within this radius" (the submit page, Open311's <code>lat</code>/<code>long</code>/<code>radius</code>)
go by the rounded cell, never by the real position. The time of each step of an item is shown as recorded, because that history is what agencies are
measured by. Free text (title, text, place, agency answers, dispute reasons) is shown with phone numbers, NIKs,
e-mails and the reporter's name masked; rupiah amounts, dates, RT/RW, house numbers and the agency's official phone
stay readable. Confidential items show only their kind, status, agency and dates.</li>
<li><b>Duplicates</b>: an item staff close as a duplicate of another unfinished item of the same agency counts as
<i>rejected</i> with reason <i>duplicate</i> (and as a first response if it had none) and stays counted as received.
The work goes on in the kept item, which receives the duplicate's supports plus one for its reporter. So one problem
is never counted as resolved twice, and the support count shows how many citizens reported it.</li>
<li>The data hold no names, phone numbers, e-mails, NIKs or texts of confidential submissions.</li>
</ul>
</section>
</main></body></html>
"""


async def methodology(request: Request) -> HTMLResponse:
    return HTMLResponse(METHODOLOGY, headers={"Cache-Control": CACHE})


routes = [
    Route("/open-data/agency-stats.csv", agency_stats_csv, methods=["GET"]),
    Route("/open-data/agency-stats.json", agency_stats_json, methods=["GET"]),
    Route("/open-data/methodology", methodology, methods=["GET"]),
]


SUBMISSION_COLUMNS = [
    "kind", "category", "agency", "region_code", "channel", "status", "submitted_month", "routed_month",
    "first_responded_month", "resolved_month", "closed_month", "first_response_within_service_level",
    "resolution_within_service_level",
]


def _flag(value: bool | None) -> str:
    return "" if value is None else str(value).lower()


async def submissions_csv(request: Request) -> Response:
    """One row per public item, coarsened so that no row narrows an item to fewer than 5 (see the methodology)."""
    state = request.app.state.suara
    directory = await state.directory()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(SUBMISSION_COLUMNS)
    async with state.public_reading() as session:
        items = await open_items.published_items(session)
    for item in items:
        agency = directory.agencies.get(item.agency_id)
        writer.writerow([
            item.kind, item.category, agency.slug if agency else "", item.region, item.channel, item.status,
            item.submitted_month, item.routed_month or "", item.first_responded_month or "",
            item.resolved_month or "", item.closed_month or "", _flag(item.first_response_within_service_level),
            _flag(item.resolution_within_service_level),
        ])
    return _cached(request, out.getvalue().encode(), "text/csv; charset=utf-8")


ARRIVAL_COLUMNS = ["month", "agency", "dimension", "key", "count", "hidden", "row_total", "row_confidential"]


async def arrival_rows(request: Request) -> list[dict]:
    """Every ended month's arrivals by channel, region and category, per agency and over all agencies
    (agency empty), with the same hidden cells as the `arrivals` GraphQL query."""
    state = request.app.state.suara
    directory = await state.directory()
    rows = []
    under_way = queries.current_month()
    async with state.public_reading() as session:
        for dimension, by_month in (await queries.breakdowns(session, list(queries.Dimension))).items():
            for month, breakdown in by_month.items():
                if month >= under_way:
                    continue
                agencies = sorted({agency for agency, _ in breakdown.values} | {agency for agency, _ in breakdown.hidden})
                for agency_id in agencies:
                    agency = directory.agencies.get(agency_id)
                    slug = "" if agency_id == queries.ALL_AGENCIES else (agency.slug if agency else str(agency_id))
                    total, confidential = breakdown.total(agency_id), breakdown.confidential.get(agency_id, 0)
                    rows += [{"month": month.strftime("%Y-%m"), "agency": slug, "dimension": dimension.value,
                              "key": cell.key, "count": cell.count, "hidden": cell.suppressed, "row_total": total,
                              "row_confidential": confidential}
                             for cell in breakdown.cells(agency_id)]
    return sorted(rows, key=lambda row: (row["month"], row["dimension"], row["agency"], row["key"]))


async def arrivals_csv(request: Request) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=ARRIVAL_COLUMNS)
    writer.writeheader()
    for row in await arrival_rows(request):
        writer.writerow({**row, "count": "x" if row["hidden"] else row["count"], "hidden": str(row["hidden"]).lower()})
    return _cached(request, out.getvalue().encode(), "text/csv; charset=utf-8")


async def arrivals_json(request: Request) -> Response:
    body = json.dumps({"columns": ARRIVAL_COLUMNS, "rows": await arrival_rows(request)}, ensure_ascii=False).encode()
    return _cached(request, body, "application/json")


routes += [
    Route("/open-data/submissions.csv", submissions_csv, methods=["GET"]),
    Route("/open-data/arrivals.csv", arrivals_csv, methods=["GET"]),
    Route("/open-data/arrivals.json", arrivals_json, methods=["GET"]),
]
