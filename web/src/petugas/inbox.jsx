// The agency's items, most urgent deadline first (overdue first and marked), with counts per status;
// filters and page live in the URL; j/k or arrows move between items, Enter opens one.
import { useEffect, useRef, useState } from "preact/hooks";
import { gql, signInRequired } from "./api.js";
import { subscribeInbox } from "./live.js";
import { daysLeft, formatDate, message, pick, t } from "./i18n.js";

export const STATUSES = ["routed", "forwarded", "acknowledged", "in_progress", "reopened", "resolved", "rejected"];
const PAGE_SIZE = 25;

const ROW = `id trackingCode kind status title text channel overdue dueAt createdAt
  firstResponseWorkingDaysLeft resolutionWorkingDaysLeft assignee { email } category { slug label labelEn }`;
const INBOX = `query Inbox($filter: InboxFilter, $first: Int!, $after: String) {
  inbox(filter: $filter, first: $first, after: $after) {
    __typename
    ... on StaffSubmissionConnection { totalCount totalCountExact pageInfo { hasNextPage endCursor } edges { node { ${ROW} } } }
    ... on NotAllowed { code message messageEn }
    ... on ValidationError { code message messageEn }
  }
  inboxCounts(filter: $filter) { __typename ... on InboxCounts { total overdue byStatus { status count } } }
  categories { slug label labelEn }
}`;
const KINDS = ["COMPLAINT", "ASPIRATION", "INFORMATION_REQUEST"];
const CHANNELS = ["WEB", "SMS", "API", "OPEN311", "PROPOSAL"];
const ASSIGNED = { saya: "ME", belum: "UNASSIGNED" };

/** The API's filter from the URL's parameters (Indonesian names, shareable). */
function filterOf(params) {
  const filter = {};
  if (params.get("status")) filter.statuses = [params.get("status").toUpperCase()];
  if (params.get("terlambat") === "1") filter.overdue = true;
  if (ASSIGNED[params.get("tugas")]) filter.assigned = ASSIGNED[params.get("tugas")];
  if (params.get("kategori")) filter.category = params.get("kategori");
  if (KINDS.includes(params.get("jenis"))) filter.kind = params.get("jenis");
  if (CHANNELS.includes(params.get("saluran"))) filter.channel = params.get("saluran");
  if (params.get("wilayah")) filter.regionCode = params.get("wilayah");
  if (params.get("dari")) filter.from = params.get("dari");
  if (params.get("sampai")) filter.to = params.get("sampai");
  if (params.get("cari")) filter.text = params.get("cari");
  return filter;
}
const FILTER_KEYS = ["status", "terlambat", "tugas", "kategori", "jenis", "saluran", "wilayah", "dari", "sampai", "cari"];

/** The CSV download of the same filtered inbox (GET /petugas/inbox.csv takes the API's names). */
function csvHref(filter) {
  const query = new URLSearchParams();
  if (filter.statuses) query.set("status", filter.statuses.join(",").toLowerCase());
  if (filter.overdue) query.set("overdue", "true");
  if (filter.assigned) query.set("assigned", filter.assigned.toLowerCase());
  for (const key of ["category", "kind", "channel", "regionCode", "from", "to", "text"]) {
    if (filter[key]) query.set(key, key === "kind" || key === "channel" ? filter[key].toLowerCase() : filter[key]);
  }
  const text = query.toString();
  return "/petugas/inbox.csv" + (text ? "?" + text : "");
}

/** The inbox URL for a set of filters (only the ones that are set). */
export function inboxHref(params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) query.set(key, value);
  const text = query.toString();
  return "#/kotak-masuk" + (text ? "?" + text : "");
}

export function Deadline({ item }) {
  if (!item.dueAt) return <span class="due">{t("deadline.none")}</span>;
  const working = item.firstResponseWorkingDaysLeft ?? item.resolutionWorkingDaysLeft;
  if (item.overdue) {
    return <span class="due overdue">{working != null && working < 0 ? t("deadline.late", { n: -working }) : t("deadline.overdue", { date: formatDate(item.dueAt, false) })}</span>;
  }
  if (working != null) return <span class="due">{t("deadline.workingLeftDate", { n: working, date: formatDate(item.dueAt, false) })}</span>;
  return <span class="due">{t("deadline.left", { n: daysLeft(item.dueAt), date: formatDate(item.dueAt, false) })}</span>;
}

export function Inbox({ params }) {
  const status = params.get("status") || "";
  const overdue = params.get("terlambat") === "1";
  const after = params.get("setelah") || "";
  const filters = Object.fromEntries(FILTER_KEYS.map((key) => [key, params.get(key) || ""]));
  const filterKey = JSON.stringify(filters);
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const [tick, setTick] = useState(0);
  const [live, setLive] = useState("");
  const list = useRef(null);

  useEffect(() => {
    let timer;
    const stop = subscribeInbox(() => {
      clearTimeout(timer);
      timer = setTimeout(() => { setTick((n) => n + 1); setLive(t("live.updated")); }, 250);
    }, signInRequired);
    return () => { clearTimeout(timer); stop(); };
  }, []);

  useEffect(() => {
    sessionStorage.setItem("suara-petugas-inbox", location.hash);
    let cancelled = false;
    setError(null);
    gql(INBOX, { filter: filterOf(params), first: PAGE_SIZE, after: after || null })
      .then((result) => {
        if (cancelled) return;
        if (result.inbox.__typename !== "StaffSubmissionConnection") setError(message(result.inbox));
        else setData(result);
      })
      .catch(() => { if (!cancelled) setError(t("common.error")); });
    return () => { cancelled = true; };
  }, [filterKey, after, tick]);

  useEffect(() => {
    function onKey(event) {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      const tag = (event.target.tagName || "").toLowerCase();
      if (tag === "input" || tag === "select" || tag === "textarea") return;
      const links = list.current ? [...list.current.querySelectorAll("a.item-link")] : [];
      if (!links.length) return;
      const index = links.indexOf(document.activeElement);
      let next = null;
      if (event.key === "j" || event.key === "ArrowDown") next = index < 0 ? 0 : Math.min(index + 1, links.length - 1);
      if (event.key === "k" || event.key === "ArrowUp") next = index < 0 ? 0 : Math.max(index - 1, 0);
      if (next !== null) { event.preventDefault(); links[next].focus(); }
    }
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  // Back from an item: focus the item one came from.
  useEffect(() => {
    const last = sessionStorage.getItem("suara-petugas-last-item");
    if (data && last && list.current) {
      const link = list.current.querySelector(`a[data-id="${CSS.escape(last)}"]`);
      if (link) link.focus();
      sessionStorage.removeItem("suara-petugas-last-item");
    }
  }, [data]);

  const connection = data && data.inbox;
  return (
    <section>
      <h1>{t("inbox.title")}</h1>
      {data && data.inboxCounts.__typename === "InboxCounts" && (
        <nav aria-label={t("inbox.countsLabel")} class="counts">
          <ul>
            <li><a href={inboxHref({ ...filters, status: "" })} aria-current={!status ? "true" : undefined}>
              {t("status.all")} <span class="count">{data.inboxCounts.total}</span></a></li>
            {STATUSES.map((s) => {
              const found = data.inboxCounts.byStatus.find((c) => c.status === s.toUpperCase());
              return (
                <li key={s}>
                  <a href={inboxHref({ ...filters, status: s })} aria-current={status === s ? "true" : undefined}>
                    {t("status." + s)} <span class="count">{found ? found.count : 0}</span>
                  </a>
                </li>
              );
            })}
            <li><a class="overdue-link" href={inboxHref({ ...filters, terlambat: overdue ? "" : "1" })} aria-current={overdue ? "true" : undefined}>
              {t("inbox.overdue")} <span class="count">{data.inboxCounts.overdue}</span>
            </a></li>
          </ul>
        </nav>
      )}
      <nav aria-label={t("inbox.assignedLabel")} class="counts">
        <ul>
          {[["", "inbox.assignedAny"], ["saya", "inbox.assignedMe"], ["belum", "inbox.unassigned"]].map(([value, key]) => (
            <li key={key}><a href={inboxHref({ ...filters, tugas: value })} aria-current={filters.tugas === value ? "true" : undefined}>{t(key)}</a></li>
          ))}
        </ul>
      </nav>
      <details class="more-filters" open={FILTER_KEYS.slice(3).some((k) => filters[k])}>
        <summary>{t("inbox.moreFilters")}</summary>
        <form class="filters" onSubmit={(e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          const next = { ...filters };
          for (const key of FILTER_KEYS.slice(3)) next[key] = (form.get(key) || "").trim();
          location.hash = inboxHref(next);
        }}>
          <div class="field"><label for="f-text">{t("inbox.text")}</label><input id="f-text" name="cari" type="search" value={filters.cari} /></div>
          <div class="field"><label for="f-category">{t("inbox.category")}</label>
            <select id="f-category" name="kategori" value={filters.kategori}>
              <option value="">{t("status.all")}</option>
              {data && data.categories.map((c) => <option key={c.slug} value={c.slug}>{pick(c.label, c.labelEn)}</option>)}
            </select></div>
          <div class="field"><label for="f-kind">{t("inbox.kind")}</label>
            <select id="f-kind" name="jenis" value={filters.jenis}>
              <option value="">{t("status.all")}</option>
              {KINDS.map((k) => <option key={k} value={k}>{t("kind." + k)}</option>)}
            </select></div>
          <div class="field"><label for="f-channel">{t("inbox.channel")}</label>
            <select id="f-channel" name="saluran" value={filters.saluran}>
              <option value="">{t("status.all")}</option>
              {CHANNELS.map((c) => <option key={c} value={c}>{t("channel." + c)}</option>)}
            </select></div>
          <div class="field"><label for="f-region">{t("inbox.region")}</label><input id="f-region" name="wilayah" inputMode="decimal" value={filters.wilayah} aria-describedby="f-region-hint" />
            <p id="f-region-hint" class="hint">{t("inbox.regionHint")}</p></div>
          <div class="field"><label for="f-from">{t("inbox.from")}</label><input id="f-from" name="dari" type="date" value={filters.dari} /></div>
          <div class="field"><label for="f-to">{t("inbox.to")}</label><input id="f-to" name="sampai" type="date" value={filters.sampai} /></div>
          <p><button type="submit" class="primary">{t("inbox.apply")}</button>
            <a class="button secondary" href={inboxHref({})}>{t("inbox.clear")}</a></p>
        </form>
      </details>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="filter-status">{t("inbox.status")}</label>
          <select id="filter-status" value={status}
            onChange={(e) => { location.hash = inboxHref({ ...filters, status: e.currentTarget.value }); }}>
            <option value="">{t("status.all")}</option>
            {STATUSES.map((s) => <option key={s} value={s}>{t("status." + s)}</option>)}
          </select>
        </div>
        <label class="choice">
          <input type="checkbox" checked={overdue}
            onChange={(e) => { location.hash = inboxHref({ ...filters, terlambat: e.currentTarget.checked ? "1" : "" }); }} />
          {t("inbox.onlyOverdue")}
        </label>
      </form>
      <p class="hint">{t("inbox.keys")}</p>
      {error && <p class="error" role="alert">{error}</p>}
      {!data && !error && <p>{t("common.loading")}</p>}
      {connection && (
        <>
          <p class="meta" role="status">{t("inbox.total", { n: connection.totalCountExact ? connection.totalCount : `${connection.totalCount}+` })} <span data-testid="live">{live}</span></p>
          {connection.edges.length === 0 && <p>{t("inbox.empty")}</p>}
          <ol class="items" ref={list} data-testid="inbox">
            {connection.edges.map(({ node }) => (
              <li key={node.id} class={node.overdue ? "is-overdue" : undefined}>
                <a class="item-link" href={"#/item/" + encodeURIComponent(node.id)} data-id={node.id}>
                  <span class="code">{node.trackingCode}</span>
                  <span class="title">{node.title || node.text.slice(0, 120)}</span>
                  <span class="meta-line">
                    <span class={"status status-" + node.status}>{t("status." + node.status)}</span>
                    {" · "}<Deadline item={node} />
                    {node.category && <>{" · "}{pick(node.category.label, node.category.labelEn)}</>}
                    {node.assignee && <>{" · "}{t("inbox.assignedTo", { email: node.assignee.email })}</>}
                  </span>
                </a>
              </li>
            ))}
          </ol>
          <p class="pager">
            <a class="button secondary" href={csvHref(filterOf(params))} download>{t("inbox.csv")}</a>
            {after && <a class="button secondary" href={inboxHref({ ...filters, setelah: "" })}>{t("inbox.firstPage")}</a>}
            {connection.pageInfo.hasNextPage && (
              <a class="button secondary" href={inboxHref({ ...filters, setelah: connection.pageInfo.endCursor })}>{t("inbox.nextPage")}</a>
            )}
          </p>
        </>
      )}
    </section>
  );
}
