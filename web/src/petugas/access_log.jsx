// Agency admins: who of the agency read a reporter's contact, when, on which item (UU PDP accountability).
// The server shows only the own agency's reads; the page pages back with "more".
import { useEffect, useState } from "preact/hooks";
import { gql } from "./api.js";
import { formatDate, t } from "./i18n.js";

const LOG = `query($after: String) { contactAccessLog(first: 50, after: $after) {
  edges { cursor node { id at staffEmail trackingCode submissionId } } pageInfo { hasNextPage endCursor } } }`;

export function ContactAccessLog() {
  const [reads, setReads] = useState(null);
  const [page, setPage] = useState(null);
  const [error, setError] = useState(null);

  async function load(after = null) {
    try {
      const { contactAccessLog: log } = await gql(LOG, { after });
      setReads((before) => [...(after ? before : []), ...log.edges.map((edge) => edge.node)]);
      setPage(log.pageInfo);
    } catch (caught) {
      setError(t("common.error"));
    }
  }
  useEffect(() => { load(); }, []);

  return (
    <section>
      <h1>{t("access.title")}</h1>
      <p class="hint">{t("access.hint")}</p>
      {error && <p class="error" role="alert">{error}</p>}
      {reads === null && !error && <p>{t("common.loading")}</p>}
      {reads && reads.length === 0 && <p>{t("access.none")}</p>}
      {reads && reads.length > 0 && (
        <div class="scroll">
          <table class="data" data-testid="contact-reads">
            <caption class="visually-hidden">{t("access.title")}</caption>
            <thead><tr><th scope="col">{t("access.when")}</th><th scope="col">{t("access.who")}</th><th scope="col">{t("access.item")}</th></tr></thead>
            <tbody>
              {reads.map((read) => (
                <tr key={read.id}>
                  <td>{formatDate(read.at)}</td>
                  <td>{read.staffEmail}</td>
                  <td><a href={"#/item/" + encodeURIComponent(read.submissionId)}>{read.trackingCode}</a></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page && page.hasNextPage && <button type="button" class="secondary" onClick={() => load(page.endCursor)}>{t("access.more")}</button>}
    </section>
  );
}
