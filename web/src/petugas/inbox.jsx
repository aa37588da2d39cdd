// The agency's items, most urgent deadline first (overdue first and marked), with counts per status;
// filters and page live in the URL; j/k or arrows move between items, Enter opens one.
import { useEffect, useRef, useState } from "preact/hooks";
import { gql } from "./api.js";
import { daysLeft, formatDate, message, pick, t } from "./i18n.js";

export const STATUSES = ["routed", "forwarded", "acknowledged", "in_progress", "reopened", "resolved", "rejected"];
const PAGE_SIZE = 25;

const ROW = `id trackingCode kind status title text channel overdue dueAt createdAt category { slug label labelEn }`;
const INBOX = `query Inbox($status: [String!], $overdue: Boolean, $first: Int!, $after: String) {
  inbox(status: $status, overdue: $overdue, first: $first, after: $after) {
    __typename
    ... on StaffSubmissionConnection { totalCount pageInfo { hasNextPage endCursor } edges { node { ${ROW} } } }
    ... on NotAllowed { code message messageEn }
    ... on ValidationError { code message messageEn }
  }
  ${STATUSES.map((s) => `${s}: inbox(status: ["${s}"], first: 1) { __typename ... on StaffSubmissionConnection { totalCount } }`).join("\n  ")}
  overdueCount: inbox(overdue: true, first: 1) { __typename ... on StaffSubmissionConnection { totalCount } }
}`;

/** The inbox URL for a set of filters (only the ones that are set). */
export function inboxHref(params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) query.set(key, value);
  const text = query.toString();
  return "#/kotak-masuk" + (text ? "?" + text : "");
}

export function Deadline({ item }) {
  if (!item.dueAt) return <span class="due">{t("deadline.none")}</span>;
  const days = daysLeft(item.dueAt);
  if (item.overdue) return <span class="due overdue">{t("deadline.overdue", { date: formatDate(item.dueAt, false) })}</span>;
  return <span class="due">{t("deadline.left", { n: days, date: formatDate(item.dueAt, false) })}</span>;
}

export function Inbox({ params }) {
  const status = params.get("status") || "";
  const overdue = params.get("terlambat") === "1";
  const after = params.get("setelah") || "";
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const list = useRef(null);

  useEffect(() => {
    sessionStorage.setItem("suara-petugas-inbox", location.hash);
    let cancelled = false;
    setError(null);
    gql(INBOX, { status: status ? [status] : null, overdue: overdue ? true : null, first: PAGE_SIZE, after: after || null })
      .then((result) => {
        if (cancelled) return;
        if (result.inbox.__typename !== "StaffSubmissionConnection") setError(message(result.inbox));
        else setData(result);
      })
      .catch((caught) => { if (!cancelled) setError(t("common.error")); });
    return () => { cancelled = true; };
  }, [status, overdue, after]);

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
    }
  }, [data]);

  const filters = { status, terlambat: overdue ? "1" : "" };
  const connection = data && data.inbox;
  return (
    <section>
      <h1>{t("inbox.title")}</h1>
      {data && (
        <nav aria-label={t("inbox.countsLabel")} class="counts">
          <ul>
            <li><a href={inboxHref({ terlambat: overdue ? "1" : "" })} aria-current={!status ? "true" : undefined}>{t("status.all")}</a></li>
            {STATUSES.map((s) => (
              <li key={s}>
                <a href={inboxHref({ status: s, terlambat: overdue ? "1" : "" })} aria-current={status === s ? "true" : undefined}>
                  {t("status." + s)} <span class="count">{data[s] ? data[s].totalCount : 0}</span>
                </a>
              </li>
            ))}
            <li><a class="overdue-link" href={inboxHref({ status, terlambat: overdue ? "" : "1" })} aria-current={overdue ? "true" : undefined}>
              {t("inbox.overdue")} <span class="count">{data.overdueCount ? data.overdueCount.totalCount : 0}</span>
            </a></li>
          </ul>
        </nav>
      )}
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
          <p class="meta" role="status">{t("inbox.total", { n: connection.totalCount })}</p>
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
                  </span>
                </a>
              </li>
            ))}
          </ol>
          <p class="pager">
            {after && <a class="button secondary" href={inboxHref(filters)}>{t("inbox.firstPage")}</a>}
            {connection.pageInfo.hasNextPage && (
              <a class="button secondary" href={inboxHref({ ...filters, setelah: connection.pageInfo.endCursor })}>{t("inbox.nextPage")}</a>
            )}
          </p>
        </>
      )}
    </section>
  );
}
