// Triage queue (triage admins): items routing was unsure about, each with its suggestions and their
// confidences; route with one click, pick any category, or route several together (a result per item).
import { useEffect, useState } from "preact/hooks";
import { gql } from "./api.js";
import { formatDate, message, pick, t } from "./i18n.js";

const QUEUE = `query Queue($order: TriageOrder!) {
  triageQueue(first: 50, order: $order) {
    __typename
    ... on StaffSubmissionConnection { totalCount edges { node {
      id trackingCode version kind status title text createdAt routingConfidence routingModelVersion
      routingSuggestions { confidence category { slug label labelEn } agency { slug shortName } }
    } } }
    ... on NotAllowed { code message messageEn }
    ... on ValidationError { code message messageEn }
  }
  routingAccuracy { modelVersion }
  categories { slug label labelEn defaultAgency { slug shortName } }
}`;

/** The queue's order, kept in the URL (#/triase?urutan=ketidakpastian) so a link or a reload keeps it. */
const ORDERS = { tenggat: "DEADLINE", ketidakpastian: "UNCERTAINTY" };

function percent(value) {
  return Math.round(value * 100) + "%";
}

export function TriageQueue({ params }) {
  const orderName = ORDERS[params && params.get("urutan")] ? params.get("urutan") : "tenggat";
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const [selected, setSelected] = useState(new Set());
  const [results, setResults] = useState({}); // id -> { ok, text }
  const [busy, setBusy] = useState(false);
  const [bulkCategory, setBulkCategory] = useState("");

  async function load() {
    const result = await gql(QUEUE, { order: ORDERS[orderName] });
    if (result.triageQueue.__typename !== "StaffSubmissionConnection") setError(message(result.triageQueue));
    else setData({ ...result, order: orderName }); // the summary names the order the list is in
  }
  useEffect(() => { load().catch(() => setError(t("common.error"))); }, [orderName]);

  /** Route items in one request: each mutation is its own transaction, so one conflict undoes nothing else. */
  async function route(choices) {
    setBusy(true);
    const parts = choices.map((c, i) => `r${i}: routeSubmission(id: $id${i}, category: $category${i}, expectedVersion: $v${i}) {
      __typename ... on NotFound { message messageEn } ... on NotAllowed { message messageEn }
      ... on Conflict { message messageEn } ... on InvalidTransition { message messageEn } ... on ValidationError { message messageEn } }`);
    const declarations = choices.map((c, i) => `$id${i}: ID!, $category${i}: String!, $v${i}: Int`).join(", ");
    const variables = {};
    choices.forEach((c, i) => { variables["id" + i] = c.item.id; variables["category" + i] = c.category; variables["v" + i] = c.item.version; });
    const next = { ...results };
    try {
      const answer = await gql(`mutation Route(${declarations}) { ${parts.join("\n")} }`, variables);
      choices.forEach((c, i) => {
        const result = answer["r" + i];
        const label = categoryLabel(c.category);
        next[c.item.id] = result.__typename === "StaffActionSuccess"
          ? { ok: true, text: t("triage.routed", { code: c.item.trackingCode, category: label }) }
          : { ok: false, text: `${c.item.trackingCode}: ${message(result)}` };
      });
    } catch (caught) {
      choices.forEach((c) => { next[c.item.id] = { ok: false, text: `${c.item.trackingCode}: ${t("common.error")}` }; });
    }
    setResults(next);
    setSelected(new Set());
    setBusy(false);
  }

  function categoryLabel(slug) {
    const category = data && data.categories.find((c) => c.slug === slug);
    return category ? pick(category.label, category.labelEn) : slug;
  }

  function toggle(id, on) {
    const next = new Set(selected);
    if (on) next.add(id); else next.delete(id);
    setSelected(next);
  }

  if (error) return <section><h1>{t("triage.title")}</h1><p class="error" role="alert">{error}</p></section>;
  if (!data) return <section><h1>{t("triage.title")}</h1><p>{t("common.loading")}</p></section>;
  const items = data.triageQueue.edges.map((e) => e.node);
  const done = Object.entries(results);
  return (
    <section>
      <h1>{t("triage.title")}</h1>
      <p class="meta">{t(data.order === "ketidakpastian" ? "triage.summaryUncertain" : "triage.summary", { n: data.triageQueue.totalCount, model: data.routingAccuracy ? data.routingAccuracy.modelVersion : "—" })}</p>
      <div class="field order">
        <label for="triage-order">{t("triage.order")}</label>
        <select id="triage-order" value={orderName}
          onChange={(e) => { location.hash = "#/triase" + (e.currentTarget.value === "tenggat" ? "" : "?urutan=" + e.currentTarget.value); }}>
          <option value="tenggat">{t("triage.orderDeadline")}</option>
          <option value="ketidakpastian">{t("triage.orderUncertainty")}</option>
        </select>
      </div>
      <p class="hint">{t("triage.labels")}</p>
      <div role="status" aria-live="polite" data-testid="triage-results">
        {done.length > 0 && <ul class="results">{done.map(([id, r]) => <li key={id} class={r.ok ? "ok" : "error"}>{r.text}</li>)}</ul>}
      </div>
      {items.length === 0 && <p>{t("triage.empty")}</p>}
      {items.length > 0 && (
        <form class="bulk" onSubmit={(e) => {
          e.preventDefault();
          const chosen = items.filter((i) => selected.has(i.id));
          if (!chosen.length) return;
          route(chosen.map((item) => ({ item, category: bulkCategory || (item.routingSuggestions[0] && item.routingSuggestions[0].category.slug) })).filter((c) => c.category));
        }}>
          <div class="field">
            <label for="bulk-category">{t("triage.bulkCategory")}</label>
            <select id="bulk-category" value={bulkCategory} onChange={(e) => setBulkCategory(e.currentTarget.value)}>
              <option value="">{t("triage.eachTop")}</option>
              {data.categories.map((c) => <option key={c.slug} value={c.slug}>{pick(c.label, c.labelEn)}{c.defaultAgency ? ` → ${c.defaultAgency.shortName}` : ""}</option>)}
            </select>
          </div>
          <button type="submit" class="primary" disabled={busy || selected.size === 0}>{t("triage.routeSelected", { n: selected.size })}</button>
        </form>
      )}
      <ol class="items triage" data-testid="triage">
        {items.filter((item) => !(results[item.id] && results[item.id].ok)).map((item) => (
          <li key={item.id}>
            <label class="choice">
              <input type="checkbox" checked={selected.has(item.id)} onChange={(e) => toggle(item.id, e.currentTarget.checked)} />
              <span><span class="code">{item.trackingCode}</span> {t("triage.select")}</span>
            </label>
            <p class="text">{item.title ? <strong>{item.title}. </strong> : null}{item.text}</p>
            <p class="meta">{t("triage.received", { date: formatDate(item.createdAt) })}
              {item.routingModelVersion && <> · {t("triage.itemModel", { model: item.routingModelVersion })}</>}</p>
            <ul class="suggestions" aria-label={t("triage.suggestions")}>
              {item.routingSuggestions.map((s) => (
                <li key={s.category.slug}>
                  <button type="button" class="secondary" disabled={busy} onClick={() => route([{ item, category: s.category.slug }])}>
                    {t("triage.routeTo", { category: pick(s.category.label, s.category.labelEn), agency: s.agency ? s.agency.shortName : "—", confidence: percent(s.confidence) })}
                  </button>
                </li>
              ))}
            </ul>
            <form class="pick" onSubmit={(e) => { e.preventDefault(); route([{ item, category: new FormData(e.currentTarget).get("category") }]); }}>
              <label for={"pick-" + item.id}>{t("triage.other")}</label>
              <select id={"pick-" + item.id} name="category">
                {data.categories.map((c) => <option key={c.slug} value={c.slug}>{pick(c.label, c.labelEn)}{c.defaultAgency ? ` → ${c.defaultAgency.shortName}` : ""}</option>)}
              </select>
              <button type="submit" class="secondary" disabled={busy}>{t("triage.route")}</button>
            </form>
          </li>
        ))}
      </ol>
    </section>
  );
}
