// Status as a timeline, deadlines and whether they were met, responses, the citizen's buttons, and their
// rights over their data (my_data.jsx).
import { useEffect, useState } from "preact/hooks";
import { gql, gqlUpload, NetworkError } from "../api.js";
import { formatDate, pick, t } from "../i18n.js";
import { MAX_PHOTOS, shrinkPhoto } from "../photos.js";
import { secretFor } from "../receipts.js";
import { MyData } from "./my_data.jsx";

// With the secret from this browser's receipt, a confidential report shows its reporter everything.
const TRACK = `query($code: String!, $secret: String) { submission(trackingCode: $code, citizenSecret: $secret) { trackingCode kind status statusGroup
  confidential anonymous title text channel supportCount createdAt firstResponseDueAt resolutionDueAt
  agency { name shortName } category { label labelEn } photos { url thumbnailUrl width height }
  events { kind status at note agency { name } } } }`;
const ACTIONS = {
  confirm: `mutation($code: String!, $secret: String!) { confirmResolved(trackingCode: $code, secret: $secret) { __typename ... on NotAllowed { message messageEn } ... on InvalidTransition { message messageEn } } }`,
  dispute: `mutation($code: String!, $secret: String!, $reason: String!) { dispute(trackingCode: $code, secret: $secret, reason: $reason) { __typename ... on NotAllowed { message messageEn } ... on InvalidTransition { message messageEn } ... on ValidationError { message messageEn } } }`,
  reopen: `mutation($code: String!, $secret: String!, $reason: String!) { reopen(trackingCode: $code, secret: $secret, reason: $reason) { __typename ... on NotAllowed { message messageEn } ... on InvalidTransition { message messageEn } ... on ValidationError { message messageEn } } }`,
};
const ADD_PHOTO = `mutation($code: String!, $secret: String!, $photo: Upload!) { addPhoto(trackingCode: $code, secret: $secret, photo: $photo) {
  __typename ... on NotAllowed { message messageEn } ... on NotFound { message messageEn } ... on ValidationError { message messageEn }
  ... on RateLimited { message messageEn } } }`;
const ANSWER_EVENTS = ["acknowledged", "responded", "resolved", "rejected"];

function deadlineState(due, events, kinds) {
  if (!due) return null;
  const met = events.find((e) => kinds.includes(e.kind));
  if (met) return new Date(met.at) <= new Date(due) ? "met" : "late";
  return new Date() > new Date(due) ? "overdue" : "pending";
}

export function Track({ code }) {
  const [query, setQuery] = useState(code || "");
  const [item, setItem] = useState(undefined);
  const [secret, setSecret] = useState(secretFor(code));
  const [reason, setReason] = useState("");
  const [message, setMessage] = useState("");

  async function load(value) {
    if (!value) return;
    const data = await gql(TRACK, { code: value, secret: secretFor(value) || null });
    setItem(data.submission);
  }
  useEffect(() => { setQuery(code || ""); setSecret(secretFor(code)); load(code); }, [code]);

  async function addPhoto(event) {
    const input = event.currentTarget;
    const file = input.files && input.files[0];
    input.value = "";
    if (!file) return;
    setMessage(t("report.photos.preparing"));
    try {
      const { blob } = await shrinkPhoto(file);
      const { addPhoto: result } = await gqlUpload(ADD_PHOTO, { code: item.trackingCode, secret, photo: null },
        { "variables.photo": blob });
      setMessage(result.__typename === "PhotoAdded" ? t("track.photoAdded") : pick(result.message, result.messageEn));
    } catch (error) {
      setMessage(error instanceof NetworkError ? t("report.networkError") : t("report.photos.unreadable"));
    }
  }

  async function act(action) {
    setMessage("");
    const data = await gql(ACTIONS[action], { code: item.trackingCode, secret, reason });
    const result = Object.values(data)[0];
    if (result.__typename === "CitizenActionSuccess") { setMessage(t(`track.done.${action}`)); setReason(""); load(item.trackingCode); }
    else setMessage(pick(result.message, result.messageEn) || t("track.failed"));
  }

  const events = item?.events || [];
  const firstState = item && deadlineState(item.firstResponseDueAt, events, ANSWER_EVENTS);
  const resolutionState = item && deadlineState(item.resolutionDueAt, events, ["resolved", "rejected"]);
  return (
    <section>
      <h1>{t("track.title")}</h1>
      <form class="inline" onSubmit={(e) => { e.preventDefault(); location.hash = `#/lacak/${query.trim()}`; }}>
        <label for="f-code">{t("track.code.label")}</label>
        <input id="f-code" value={query} onInput={(e) => setQuery(e.currentTarget.value)} autoComplete="off"
          placeholder="K7M-2QX-9PA" />
        <button type="submit" class="primary">{t("track.find")}</button>
      </form>
      {item === null && <p class="error" role="alert">{t("track.notFound")}</p>}
      {item && (
        <article class="panel" data-testid="submission">
          <h2>{t(`kind.${item.kind}`)} {item.trackingCode}</h2>
          <p><span class={`status status-${item.statusGroup.toLowerCase()}`}>{t(`status.${item.statusGroup}`)}</span></p>
          <dl class="facts">
            <dt>{t("track.agency")}</dt><dd>{item.agency ? item.agency.name : t("track.notRouted")}</dd>
            {item.category && <><dt>{t("track.topic")}</dt><dd>{pick(item.category.label, item.category.labelEn)}</dd></>}
            <dt>{t("track.filed")}</dt><dd>{formatDate(item.createdAt, true)}</dd>
            <dt>{t("track.firstDue")}</dt><dd>{formatDate(item.firstResponseDueAt)} {firstState && <em class={`due due-${firstState}`}>{t(`due.${firstState}`)}</em>}</dd>
            <dt>{t("track.resolutionDue")}</dt><dd>{formatDate(item.resolutionDueAt)} {resolutionState && <em class={`due due-${resolutionState}`}>{t(`due.${resolutionState}`)}</em>}</dd>
            <dt>{t("track.supporters")}</dt><dd>{item.supportCount}</dd>
          </dl>
          {item.confidential && <p class="note">{t(item.text == null ? "track.confidential" : "track.confidentialOwner")}</p>}
          {item.text != null && <p class="text">{item.text}</p>}
          {item.anonymous && <p class="note">{t("track.anonymous")}</p>}
          {item.photos.length > 0 && (
            <>
              <h3>{t("track.photos")}</h3>
              <ul class="evidence" data-testid="photos">
                {item.photos.map((photo, i) => (
                  <li key={photo.url}>
                    <a href={photo.url} target="_blank" rel="noopener">
                      <img src={photo.thumbnailUrl} alt={t("track.photoAlt", { n: i + 1 })} loading="lazy" />
                    </a>
                  </li>
                ))}
              </ul>
            </>
          )}
          <h3>{t("track.timeline")}</h3>
          <ol class="timeline">
            {events.map((e, i) => (
              <li key={i}>
                <strong>{t(`event.${e.kind}`)}</strong> <time dateTime={e.at}>{formatDate(e.at, true)}</time>
                {e.agency && <span> · {e.agency.name}</span>}
                {e.note && <blockquote>{e.note}</blockquote>}
              </li>
            ))}
          </ol>
          {["OPEN", "IN_PROGRESS"].includes(item.statusGroup) && (
            <details class="panel actions">
              <summary>{t("track.addPhoto")}</summary>
              <p class="hint">{t("track.addPhotoHint", { n: MAX_PHOTOS })}</p>
              <label for="f-photo-secret">{t("track.secret.label")}</label>
              <input id="f-photo-secret" value={secret} onInput={(e) => setSecret(e.currentTarget.value)} autoComplete="off" />
              <p>
                <label for="f-photo" class="button secondary">{t("report.photos.add")}</label>
                <input id="f-photo" class="visually-hidden" type="file" accept="image/*" capture="environment" onChange={addPhoto} />
              </p>
            </details>
          )}
          {["RESOLVED"].includes(item.statusGroup) && (
            <div class="panel actions">
              <h3>{t("track.yourTurn")}</h3>
              <label for="f-secret">{t("track.secret.label")}</label>
              <input id="f-secret" value={secret} onInput={(e) => setSecret(e.currentTarget.value)} autoComplete="off" />
              <label for="f-reason">{t("track.reason.label")}</label>
              <textarea id="f-reason" rows={3} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
              <div class="row">
                {item.status === "resolved" && <button type="button" class="primary" onClick={() => act("confirm")}>{t("track.confirm")}</button>}
                {item.status === "resolved" && <button type="button" class="secondary" onClick={() => act("dispute")}>{t("track.dispute")}</button>}
                {item.status === "closed" && <button type="button" class="secondary" onClick={() => act("reopen")}>{t("track.reopen")}</button>}
              </div>
            </div>
          )}
          {message && <p class="live" role="status">{message}</p>}
          <MyData code={item.trackingCode} secret={secret} setSecret={setSecret} />
        </article>
      )}
    </section>
  );
}
