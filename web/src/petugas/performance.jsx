// "Our performance": the agency's own public figures per month against its service levels (the same
// transparency query the public dashboard uses), its overdue items and the items citizens reopened.
import { useEffect, useState } from "preact/hooks";
import { gql } from "./api.js";
import { formatDate, t } from "./i18n.js";
import { inboxHref } from "./inbox.jsx";

const FIGURES = `query Performance($agency: String!, $from: Date!) {
  figures: transparency(period: MONTH, agency: $agency, from: $from, groupBy: AGENCY) {
    periodStart received resolved reopened disputed escalatedOverdue
    firstResponse { count withinServiceLevel withinServiceLevelShare medianWorkingDays }
    resolution { count withinServiceLevel withinServiceLevelShare medianWorkingDays }
  }
  me { agency { serviceLevels { firstResponseDays resolutionDays } } }
  counts: inboxCounts { __typename ... on InboxCounts { overdue byStatus { status count } } }
}`;

function share(value) {
  return value === null || value === undefined ? "—" : Math.round(value * 100) + "%";
}

export function Performance({ me }) {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    const from = new Date();
    from.setUTCMonth(from.getUTCMonth() - 5, 1);
    gql(FIGURES, { agency: me.agency.slug, from: from.toISOString().slice(0, 10) })
      .then(setData).catch(() => setError(t("common.error")));
  }, []);

  if (error) return <section><h1>{t("perf.title")}</h1><p class="error" role="alert">{error}</p></section>;
  if (!data) return <section><h1>{t("perf.title")}</h1><p>{t("common.loading")}</p></section>;
  const levels = data.me.agency.serviceLevels;
  const counts = data.counts.__typename === "InboxCounts" ? data.counts : null;
  const reopened = counts ? (counts.byStatus.find((c) => c.status === "REOPENED") || { count: 0 }).count : 0;
  return (
    <section>
      <h1>{t("perf.title")}</h1>
      <p>{t("perf.levels", { first: levels.firstResponseDays, resolution: levels.resolutionDays })}</p>
      <ul class="counts-list">
        <li><a href={inboxHref({ terlambat: "1" })}>{t("perf.overdue", { n: counts ? counts.overdue : 0 })}</a></li>
        <li><a href={inboxHref({ status: "reopened" })}>{t("perf.reopened", { n: reopened })}</a></li>
        <li><a href={"/#/transparansi/" + encodeURIComponent(me.agency.slug)}>{t("perf.public")}</a></li>
      </ul>
      <div class="table-scroll" tabIndex={0} role="region" aria-label={t("perf.table")}>
        <table data-testid="performance">
          <caption>{t("perf.table")}</caption>
          <thead><tr>
            <th scope="col">{t("perf.month")}</th><th scope="col">{t("perf.received")}</th><th scope="col">{t("perf.resolved")}</th>
            <th scope="col">{t("perf.firstOnTime")}</th><th scope="col">{t("perf.resolutionOnTime")}</th>
            <th scope="col">{t("perf.disputed")}</th><th scope="col">{t("perf.escalated")}</th>
          </tr></thead>
          <tbody>
            {data.figures.map((row) => (
              <tr key={row.periodStart}>
                <th scope="row">{row.periodStart ? formatDate(row.periodStart + "T12:00:00Z", false) : "—"}</th>
                <td>{row.received}</td><td>{row.resolved}</td>
                <td>{share(row.firstResponse.withinServiceLevelShare)}</td><td>{share(row.resolution.withinServiceLevelShare)}</td>
                <td>{row.disputed + row.reopened}</td><td>{row.escalatedOverdue}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
