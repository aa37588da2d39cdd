// Transparency for journalists: league table, agency trends with data tables, backlog, downloads.
// Filters live in the URL, so every view can be shared as a link.
import { useEffect, useRef, useState } from "preact/hooks";
import { gql } from "../api.js";
import { formatNumber, pick, t } from "../i18n.js";

const LEAGUE = `query($metric: RankingMetric!, $min: Int!) {
  agencyRanking(metric: $metric, minimumVolume: $min) { rank share volume agency { slug name shortName } }
  backlog { openNow overdueNow agency { slug } }
  total: transparency(period: ALL, groupBy: TOTAL) { received resolved routingAccuracy
    firstResponse { medianHours withinServiceLevelShare } } }`;
const AGENCY = `query($agency: String!) {
  agencies { slug name }
  months: transparency(period: MONTH, agency: $agency) { periodStart received resolved routingAccuracy
    firstResponse { medianHours withinServiceLevelShare } resolution { medianHours withinServiceLevelShare } }
  all: transparency(period: ALL, agency: $agency) { received acknowledged responded resolved rejected forwarded
    routingAccuracy disputeRate firstResponse { medianHours p90Hours withinServiceLevelShare } }
  backlog(agency: $agency) { openNow overdueNow } }`;
const BREAKDOWN = `query($agency: String!, $period: String!) {
  region: arrivals(dimension: REGION, period: $period, agency: $agency) { ... on Breakdown { total cells { key count } } }
  category: arrivals(dimension: CATEGORY, period: $period, agency: $agency) { ... on Breakdown { total cells { key count } } } }`;
const METRICS = ["FIRST_RESPONSE_WITHIN_SERVICE_LEVEL", "RESOLUTION_WITHIN_SERVICE_LEVEL"];
const MINIMUM_VOLUME = 20;

function percent(value) {
  return value === null || value === undefined ? "—" : formatNumber(value * 100, 1) + "%";
}

function share(params) {
  return "#/transparansi?" + params.toString();
}

export function Dashboard({ agency, params }) {
  return agency ? <AgencyPage slug={agency} params={params} /> : <League params={params} />;
}

const SPANS = [6, 12, 24];

function spanOf(params) {
  const months = Number(params.get("bulan"));
  return SPANS.includes(months) ? months : 12;
}

function Downloads() {
  return (
    <div class="panel">
      <h2>{t("dash.downloads")}</h2>
      <ul>
        <li><a href="/open-data/agency-stats.csv" download>{t("dash.csv")}</a></li>
        <li><a href="/open-data/agency-stats.json">{t("dash.json")}</a></li>
        <li><a href="/open-data/submissions.csv" download>{t("dash.submissionsCsv")}</a></li>
        <li><a href="/open-data/arrivals.csv" download>{t("dash.arrivalsCsv")}</a></li>
        <li><a href="/open-data/methodology">{t("dash.methodology")}</a></li>
      </ul>
    </div>
  );
}

function League({ params }) {
  const metric = METRICS.includes(params.get("metrik")) ? params.get("metrik") : METRICS[0];
  const sort = params.get("urut") || "rank";
  const [data, setData] = useState(null);
  useEffect(() => { gql(LEAGUE, { metric, min: MINIMUM_VOLUME }).then(setData).catch(() => setData(false)); }, [metric]);
  const link = (changes) => {
    const next = new URLSearchParams(params);
    Object.entries(changes).forEach(([k, v]) => next.set(k, v));
    return share(next);
  };
  if (data === null) return <section><h1>{t("dash.title")}</h1><p>{t("common.loading")}</p></section>;
  if (data === false) return <section><h1>{t("dash.title")}</h1><p class="error">{t("common.error")}</p></section>;
  const backlog = Object.fromEntries(data.backlog.map((b) => [b.agency?.slug, b]));
  const rows = [...data.agencyRanking];
  const keys = { rank: (r) => r.rank, volume: (r) => -r.volume, overdue: (r) => -(backlog[r.agency.slug]?.overdueNow || 0),
    name: (r) => r.agency.shortName };
  rows.sort((a, b) => (keys[sort] || keys.rank)(a) > (keys[sort] || keys.rank)(b) ? 1 : -1);
  const total = data.total[0] || {};
  const header = (key, label) => (
    <th scope="col" aria-sort={sort === key ? "ascending" : undefined}><a href={link({ urut: key })}>{label}</a></th>
  );
  return (
    <section>
      <h1>{t("dash.title")}</h1>
      <p class="lead">{t("dash.lead")}</p>
      <dl class="figures" data-testid="totals">
        <div><dt>{t("dash.received")}</dt><dd>{formatNumber(total.received)}</dd></div>
        <div><dt>{t("dash.resolved")}</dt><dd>{formatNumber(total.resolved)}</dd></div>
        <div><dt>{t("dash.medianFirstResponse")}</dt><dd>{total.firstResponse?.medianHours != null ? t("dash.hours", { n: formatNumber(total.firstResponse.medianHours, 1) }) : "—"}</dd></div>
        <div><dt>{t("dash.routingAccuracy")}</dt><dd>{percent(total.routingAccuracy)}</dd></div>
      </dl>
      <nav aria-label={t("dash.metric")} class="row">
        {METRICS.map((m) => <a key={m} class={"button " + (m === metric ? "primary" : "secondary")} href={link({ metrik: m })}
          aria-current={m === metric ? "true" : undefined}>{t(`dash.metric.${m}`)}</a>)}
      </nav>
      <p class="note">{t("dash.minimumVolume", { n: MINIMUM_VOLUME })}</p>
      <div class="scroll">
        <table class="data" data-testid="league">
          <caption>{t(`dash.metric.${metric}`)}</caption>
          <thead><tr>{header("rank", t("dash.rank"))}{header("name", t("dash.agency"))}<th scope="col">{t("dash.share")}</th>
            {header("volume", t("dash.volume"))}<th scope="col">{t("dash.openNow")}</th>{header("overdue", t("dash.overdueNow"))}</tr></thead>
          <tbody>{rows.map((r) => (
            <tr key={r.agency.slug}><td>{r.rank}</td>
              <th scope="row"><a href={`#/transparansi/${r.agency.slug}`}>{r.agency.shortName}</a></th>
              <td>{percent(r.share)}</td><td>{formatNumber(r.volume)}</td>
              <td>{formatNumber(backlog[r.agency.slug]?.openNow ?? 0)}</td><td>{formatNumber(backlog[r.agency.slug]?.overdueNow ?? 0)}</td></tr>))}
          </tbody>
        </table>
      </div>
      {rows.length === 0 && <p>{t("dash.noneRanked")}</p>}
      <Downloads />
    </section>
  );
}

function Chart({ title, labels, series, unit }) {
  const box = useRef(null);
  useEffect(() => {
    let plot;
    let cancelled = false;
    Promise.all([import("uplot"), import("uplot/dist/uPlot.min.css")]).then(([{ default: uPlot }]) => {
      if (cancelled || !box.current) return;
      const xs = labels.map((_, i) => i);
      plot = new uPlot({
        width: Math.min(box.current.clientWidth || 320, 720), height: 200,
        axes: [{ values: (u, ticks) => ticks.map((i) => labels[i] || "") }, { label: unit }],
        scales: { x: { time: false } },
        legend: { show: false }, // the data table beside the chart names every series
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2 }))],
      }, [xs, ...series.map((s) => s.values)], box.current);
    });
    return () => { cancelled = true; plot && plot.destroy(); };
  }, [labels.join(), series.map((s) => s.values.join()).join("|")]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <ul class="legend" aria-hidden="true">{series.map((s) => <li key={s.label}><span style={{ background: s.color }} />{s.label}</li>)}</ul>
      <div ref={box} aria-hidden="true" />
      <table class="data">
        <caption class="visually-hidden">{title}</caption>
        <thead><tr><th scope="col">{t("dash.month")}</th>{series.map((s) => <th key={s.label} scope="col">{s.label}</th>)}</tr></thead>
        <tbody>{labels.map((label, i) => (
          <tr key={label}><th scope="row">{label}</th>{series.map((s) => <td key={s.label}>{s.format(s.values[i])}</td>)}</tr>))}
        </tbody>
      </table>
    </figure>
  );
}

// Arrivals of one ended calendar month by region and category; hidden cells ("x") are chosen by the server
// so that none can be computed from the totals (see the methodology).
function Breakdowns({ slug, span, months, month }) {
  const [data, setData] = useState(null);
  useEffect(() => { gql(BREAKDOWN, { agency: slug, period: month }).then(setData).catch(() => setData(false)); }, [slug, month]);
  const choose = (event) => { location.hash = `#/transparansi/${slug}?bulan=${span}&rincian=${event.target.value}`; };
  const table = (title, header, breakdown) => (
    <table class="data">
      <caption>{title}</caption>
      <thead><tr><th scope="col">{header}</th><th scope="col">{t("dash.received")}</th></tr></thead>
      <tbody>{(breakdown?.cells || []).map((cell) => (
        <tr key={cell.key}><th scope="row">{cell.key}</th><td>{cell.count === null ? "x" : formatNumber(cell.count)}</td></tr>))}
      </tbody>
    </table>
  );
  return (
    <div class="panel" data-testid="breakdowns">
      <h2>{t("dash.breakdown", { month })}</h2>
      <label>{t("dash.breakdownMonth")}{" "}
        <select value={month} onChange={choose}>{months.map((m) => <option key={m} value={m}>{m}</option>)}</select>
      </label>
      {data === null ? <p>{t("common.loading")}</p> : data === false ? <p class="error">{t("common.error")}</p> : (
        <div class="scroll">
          {table(t("dash.byRegion"), t("dash.region"), data.region)}
          {table(t("dash.byCategory"), t("dash.category"), data.category)}
        </div>
      )}
      <p class="note">{t("dash.hiddenNote")} <a href="/open-data/methodology">{t("dash.methodology")}</a></p>
    </div>
  );
}

function AgencyPage({ slug, params }) {
  const span = spanOf(params);
  const [data, setData] = useState(null);
  useEffect(() => { gql(AGENCY, { agency: slug }).then(setData).catch(() => setData(false)); }, [slug]);
  if (data === null) return <section><h1>{t("dash.title")}</h1><p>{t("common.loading")}</p></section>;
  if (data === false) return <section><h1>{t("dash.title")}</h1><p class="error">{t("common.error")}</p></section>;
  const agency = data.agencies.find((a) => a.slug === slug);
  const months = [...data.months].sort((a, b) => (a.periodStart > b.periodStart ? 1 : -1)).slice(-span);
  const labels = months.map((m) => m.periodStart.slice(0, 7));
  // Breakdowns are published for ended months only (WIB, UTC+7), newest first.
  const underWay = new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 7);
  const ended = labels.filter((m) => m < underWay).reverse();
  const all = data.all[0] || { firstResponse: {} };
  const backlog = data.backlog[0] || { openNow: 0, overdueNow: 0 };
  const count = (v) => formatNumber(v);
  return (
    <section>
      <p><a href="#/transparansi">← {t("dash.title")}</a></p>
      <h1>{agency ? agency.name : slug}</h1>
      <dl class="figures" data-testid="agency-figures">
        <div><dt>{t("dash.received")}</dt><dd>{formatNumber(all.received)}</dd></div>
        <div><dt>{t("dash.resolved")}</dt><dd>{formatNumber(all.resolved)}</dd></div>
        <div><dt>{t("dash.openNow")}</dt><dd>{formatNumber(backlog.openNow)}</dd></div>
        <div><dt>{t("dash.overdueNow")}</dt><dd>{formatNumber(backlog.overdueNow)}</dd></div>
        <div><dt>{t("dash.withinSla")}</dt><dd>{percent(all.firstResponse.withinServiceLevelShare)}</dd></div>
        <div><dt>{t("dash.routingAccuracy")}</dt><dd>{percent(all.routingAccuracy)}</dd></div>
      </dl>
      <nav aria-label={t("dash.span")} class="row">
        {SPANS.map((n) => <a key={n} class={"button " + (n === span ? "primary" : "secondary")} href={`#/transparansi/${slug}?bulan=${n}`}
          aria-current={n === span ? "true" : undefined}>{t("dash.months", { n })}</a>)}
      </nav>
      {months.length === 0 ? <p>{t("dash.noData")}</p> : (
        <>
          <Chart title={t("dash.chart.volume")} labels={labels} unit={t("dash.items")} series={[
            { label: t("dash.received"), color: "#0b5d3b", values: months.map((m) => m.received), format: count },
            { label: t("dash.resolved"), color: "#8a4b00", values: months.map((m) => m.resolved), format: count }]} />
          <Chart title={t("dash.chart.median")} labels={labels} unit={t("dash.hoursUnit")} series={[
            { label: t("dash.medianFirstResponse"), color: "#0b5d3b", values: months.map((m) => m.firstResponse.medianHours), format: (v) => formatNumber(v, 1) }]} />
          <Chart title={t("dash.chart.sla")} labels={labels} unit="%" series={[
            { label: t("dash.withinSla"), color: "#0b5d3b", values: months.map((m) => m.firstResponse.withinServiceLevelShare === null ? null : m.firstResponse.withinServiceLevelShare * 100), format: (v) => (v === null ? "—" : formatNumber(v, 1) + "%") },
            { label: t("dash.resolutionWithinSla"), color: "#8a4b00", values: months.map((m) => m.resolution.withinServiceLevelShare === null ? null : m.resolution.withinServiceLevelShare * 100), format: (v) => (v === null ? "—" : formatNumber(v, 1) + "%") }]} />
          {ended.length > 0 && <Breakdowns slug={slug} span={span} months={ended}
            month={ended.includes(params.get("rincian")) ? params.get("rincian") : ended[0]} />}
        </>
      )}
      <Downloads />
    </section>
  );
}
