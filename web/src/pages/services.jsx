// The public services catalogue: requirements, official cost and legal time, with complaint figures.
import { useEffect, useState } from "preact/hooks";
import { debounce, gql } from "../api.js";
import { formatNumber, pick, t } from "../i18n.js";

const LIST = `query($search: String) { services(search: $search) { slug name nameEn summary summaryEn costIdr free
  processingDays agency { name shortName } } }`;
const ONE = `query($slug: String!) { service(slug: $slug) { slug name nameEn summary summaryEn requirements requirementsEn
  costIdr free costNote costNoteEn processingDays processingNote processingNoteEn legalBasis whereToApply
  whereToApplyEn onlineUrl agency { name } category { label labelEn }
  complaintStats { total open resolved medianFirstResponseHours } } }`;

export function duration(service) {
  return service.processingDays === null ? t("services.daysScheduled") : t("services.days", { n: service.processingDays });
}

export function cost(service) {
  if (service.free) return t("services.free");
  if (service.costIdr === null || service.costIdr === undefined) return t("services.costVaries");
  return "Rp" + formatNumber(service.costIdr);
}

export function ServiceList({ params }) {
  const [search, setSearch] = useState(params.get("cari") || "");
  const [services, setServices] = useState(null);
  const [load] = useState(() => debounce((value) => gql(LIST, { search: value || null })
    .then((d) => setServices(d.services)).catch(() => setServices([])), 300));
  useEffect(() => load(search), [search]);
  return (
    <section>
      <h1>{t("services.title")}</h1>
      <p class="lead">{t("services.lead")}</p>
      <form role="search" class="inline" onSubmit={(e) => e.preventDefault()}>
        <label for="f-search">{t("services.search")}</label>
        <input id="f-search" type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
      </form>
      {services === null ? <p>{t("common.loading")}</p> : services.length === 0 ? <p>{t("services.none")}</p> : (
        <ul class="list">
          {services.map((s) => (
            <li key={s.slug}>
              <a href={`#/layanan/${s.slug}`}><strong>{pick(s.name, s.nameEn)}</strong></a>
              <p>{pick(s.summary, s.summaryEn)}</p>
              <p class="meta">{s.agency?.shortName} · {t("services.cost")}: {cost(s)} · {duration(s)}</p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function ServicePage({ slug }) {
  const [service, setService] = useState(undefined);
  useEffect(() => { gql(ONE, { slug }).then((d) => setService(d.service)).catch(() => setService(null)); }, [slug]);
  if (service === undefined) return <section><h1>{t("services.title")}</h1><p>{t("common.loading")}</p></section>;
  if (service === null) return <section><h1>{t("notFound.title")}</h1></section>;
  const stats = service.complaintStats;
  const requirements = pick(service.requirements, service.requirementsEn?.length ? service.requirementsEn : null);
  return (
    <section>
      <h1>{pick(service.name, service.nameEn)}</h1>
      <p class="lead">{pick(service.summary, service.summaryEn)}</p>
      <dl class="facts">
        <dt>{t("services.agency")}</dt><dd>{service.agency?.name}</dd>
        <dt>{t("services.cost")}</dt><dd>{cost(service)} {pick(service.costNote, service.costNoteEn) && <span class="meta">({pick(service.costNote, service.costNoteEn)})</span>}</dd>
        <dt>{t("services.time")}</dt><dd>{duration(service)} {pick(service.processingNote, service.processingNoteEn) && <span class="meta">({pick(service.processingNote, service.processingNoteEn)})</span>}</dd>
        <dt>{t("services.legalBasis")}</dt><dd>{service.legalBasis}</dd>
        <dt>{t("services.where")}</dt><dd>{pick(service.whereToApply, service.whereToApplyEn)}{service.onlineUrl && <> · <a href={service.onlineUrl} rel="noopener">{t("services.online")}</a></>}</dd>
      </dl>
      <h2>{t("services.requirements")}</h2>
      <ul>{requirements.map((r, i) => <li key={i}>{r}</li>)}</ul>
      <h2>{t("services.complaints")}</h2>
      <p data-testid="service-stats">{t("services.stats", { total: stats.total, open: stats.open, resolved: stats.resolved })}
        {stats.medianFirstResponseHours !== null && " " + t("services.median", { hours: formatNumber(stats.medianFirstResponseHours, 1) })}</p>
      <p class="row">
        <a class="button primary" href={`#/lapor?layanan=${service.slug}&masalah=biaya`}>{t("services.complainCost")}</a>
        {service.processingDays !== null && <a class="button secondary" href={`#/lapor?layanan=${service.slug}&masalah=waktu`}>{t("services.complainTime")}</a>}
        <a class="button secondary" href={`#/lapor?layanan=${service.slug}`}>{t("services.complain")}</a>
      </p>
    </section>
  );
}
