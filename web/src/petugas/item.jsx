// One item: its text, deadlines, timeline (internal notes included) and the agency's actions. Each
// action sends the version it was shown; a change made by someone else meanwhile is a Conflict,
// shown with the fresh item, never a silent overwrite.
import { useEffect, useState } from "preact/hooks";
import { gql } from "./api.js";
import { formatDate, message, pick, t } from "./i18n.js";
import { Deadline } from "./inbox.jsx";

const FIELDS = `id trackingCode version kind status title text channel anonymous confidential fieldCheck
  createdAt firstResponseDueAt resolutionDueAt dueAt overdue firstResponseWorkingDaysLeft resolutionWorkingDaysLeft
  locationText regionCode latitude longitude supportCount duplicateOf assignee { id email }
  possibleDuplicates { similarity submission { id trackingCode title text status } }
  agency { slug shortName } category { slug label labelEn }
  events { kind actor status at public note }
  photos { id url thumbnailUrl width height state public addedBy addedAt }`;
const ITEM = `query Item($id: ID!) { staffSubmission(id: $id) { ${FIELDS} } agencies { slug shortName } answerTemplates { id title body } }`;
const CONTACT = `mutation Reveal($id: ID!) { revealContact(id: $id) {
  __typename ... on ContactRevealed { contact { name phone email nik } } ... on NotFound { message messageEn } ... on NotAllowed { message messageEn } } }`;
const RESULT = `__typename
  ... on StaffActionSuccess { submission { ${FIELDS} } }
  ... on NotFound { code message messageEn }
  ... on NotAllowed { code message messageEn }
  ... on Conflict { code message messageEn }
  ... on InvalidTransition { code message messageEn }
  ... on ValidationError { code message messageEn }`;

const ACTIONS = {
  acknowledge: `mutation($id: ID!, $v: Int) { result: acknowledge(id: $id, expectedVersion: $v) { ${RESULT} } }`,
  respond: `mutation($id: ID!, $v: Int, $text: String!, $template: ID) { result: respond(id: $id, text: $text, templateId: $template, expectedVersion: $v) { ${RESULT} } }`,
  assign: `mutation($id: ID!, $v: Int, $staff: ID!) { result: assignSubmission(id: $id, staffId: $staff, expectedVersion: $v) { ${RESULT} } }`,
  take: `mutation($id: ID!, $v: Int) { result: takeSubmission(id: $id, expectedVersion: $v) { ${RESULT} } }`,
  unassign: `mutation($id: ID!, $v: Int) { result: unassignSubmission(id: $id, expectedVersion: $v) { ${RESULT} } }`,
  duplicate: `mutation($id: ID!, $v: Int, $of: String!) { result: markDuplicate(id: $id, duplicateOf: $of, expectedVersion: $v) { ${RESULT} } }`,
  note: `mutation($id: ID!, $v: Int, $text: String!) { result: addNote(id: $id, note: $text, expectedVersion: $v) { ${RESULT} } }`,
  forward: `mutation($id: ID!, $v: Int, $to: String!, $text: String!, $wrong: Boolean!) { result: forward(id: $id, toAgency: $to, reason: $text, expectedVersion: $v, wrongAgency: $wrong) { ${RESULT} } }`,
  fieldCheck: `mutation($id: ID!, $v: Int) { result: markFieldCheck(id: $id, expectedVersion: $v) { ${RESULT} } }`,
  resolve: `mutation($id: ID!, $v: Int, $text: String!) { result: resolve(id: $id, text: $text, expectedVersion: $v) { ${RESULT} } }`,
  reject: `mutation($id: ID!, $v: Int, $reason: RejectReason!, $text: String!) { result: reject(id: $id, reason: $reason, note: $text, expectedVersion: $v) { ${RESULT} } }`,
};
const PHOTO_RESULT = `__typename ... on PhotoReviewed { photo { id state public } }
  ... on NotFound { code message messageEn } ... on NotAllowed { code message messageEn }`;
const PHOTO_ACTIONS = {
  approve: `mutation($id: ID!) { result: approvePhoto(id: $id) { ${PHOTO_RESULT} } }`,
  hide: `mutation($id: ID!) { result: hidePhoto(id: $id) { ${PHOTO_RESULT} } }`,
};
const REJECT_REASONS = ["NOT_AUTHORITY", "INSUFFICIENT_INFORMATION", "SPAM"];
const CLOSED = new Set(["resolved", "closed", "rejected"]);

function backToInbox() {
  location.hash = sessionStorage.getItem("suara-petugas-inbox") || "#/kotak-masuk";
}

function WorkingDays({ days }) {
  if (days === null || days === undefined) return null;
  return <span class={days < 0 ? "due overdue" : "due"}> ({days < 0 ? t("deadline.workingOverdue", { n: -days }) : t("deadline.workingLeft", { n: days })})</span>;
}

export function Item({ id, me }) {
  const [item, setItem] = useState(undefined);
  const [agencies, setAgencies] = useState([]);
  const [templates, setTemplates] = useState([]);
  const [colleagues, setColleagues] = useState([]);
  const [contact, setContact] = useState(null);
  const [feedback, setFeedback] = useState(null); // { kind: "ok" | "error", text }
  const [busy, setBusy] = useState(false);

  async function load() {
    const data = await gql(ITEM, { id });
    setItem(data.staffSubmission);
    setAgencies(data.agencies);
    setTemplates(data.answerTemplates || []);
  }

  useEffect(() => {
    sessionStorage.setItem("suara-petugas-last-item", id);
    setItem(undefined); setContact(null); setFeedback(null);
    load().catch(() => setFeedback({ kind: "error", text: t("common.error") }));
    if (me.role === "agency_admin") {
      gql("{ agencyStaff { id email role active } }")
        .then((data) => setColleagues((data.agencyStaff || []).filter((m) => m.active && m.role !== "triage_admin")))
        .catch(() => setColleagues([]));
    }
    function onKey(event) {
      const tag = (event.target.tagName || "").toLowerCase();
      if (event.key === "Escape" && tag !== "input" && tag !== "textarea" && tag !== "select") backToInbox();
    }
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [id]);

  async function act(name, variables, form) {
    setBusy(true);
    setFeedback(null);
    try {
      const { result } = await gql(ACTIONS[name], { id, v: item.version, ...variables });
      if (result.__typename === "StaffActionSuccess") {
        setItem(result.submission);
        setFeedback({ kind: "ok", text: t("action.done." + name) });
        if (form) form.reset();
      } else if (result.__typename === "Conflict") {
        await load();
        setFeedback({ kind: "error", text: t("action.conflict") });
      } else {
        setFeedback({ kind: "error", text: message(result) });
      }
    } catch (caught) {
      setFeedback({ kind: "error", text: t("common.error") });
    } finally {
      setBusy(false);
    }
  }

  function submitWith(name, read) {
    return (event) => {
      event.preventDefault();
      const form = event.currentTarget;
      act(name, read(new FormData(form)), form);
    };
  }

  async function reviewPhoto(name, photoId) {
    setBusy(true);
    setFeedback(null);
    try {
      const { result } = await gql(PHOTO_ACTIONS[name], { id: photoId });
      if (result.__typename === "PhotoReviewed") {
        await load(); // the review is now in the item's history
        setFeedback({ kind: "ok", text: t("photo.done." + name) });
      } else {
        setFeedback({ kind: "error", text: message(result) });
      }
    } catch (caught) {
      setFeedback({ kind: "error", text: t("common.error") });
    } finally {
      setBusy(false);
    }
  }

  async function reveal() {
    const { revealContact } = await gql(CONTACT, { id });
    setContact(revealContact.__typename === "ContactRevealed" && revealContact.contact ? revealContact.contact : false);
    await load(); // the reveal is now in the item's history
  }

  if (item === undefined) return <section><h1>{t("item.title")}</h1><p>{feedback ? feedback.text : t("common.loading")}</p></section>;
  if (item === null) {
    return (
      <section>
        <h1>{t("item.notFound")}</h1>
        <p><a href={sessionStorage.getItem("suara-petugas-inbox") || "#/kotak-masuk"}>{t("item.back")}</a></p>
      </section>
    );
  }
  const open = !CLOSED.has(item.status);
  return (
    <article class="item">
      <p><a href={sessionStorage.getItem("suara-petugas-inbox") || "#/kotak-masuk"}>{t("item.back")}</a> <span class="hint">{t("item.escape")}</span></p>
      <h1>{item.title || t("kind." + item.kind)} <span class="code">{item.trackingCode}</span></h1>
      <p class="meta-line">
        <span class={"status status-" + item.status}>{t("status." + item.status)}</span>
        {" · "}{t("kind." + item.kind)}{" · "}{t("item.channel", { channel: item.channel })}
        {item.category && <>{" · "}{pick(item.category.label, item.category.labelEn)}</>}
        {item.fieldCheck && <>{" · "}<strong>{t("item.fieldCheck")}</strong></>}
        {item.confidential && <>{" · "}<strong>{t("item.confidential")}</strong></>}
      </p>
      <div role="status" aria-live="polite" class={feedback ? (feedback.kind === "ok" ? "live" : "error") : "live"} data-testid="feedback">
        {feedback ? feedback.text : ""}
      </div>
      <blockquote class="text">{item.text}</blockquote>
      <dl class="deadlines">
        <dt>{t("item.received")}</dt><dd>{formatDate(item.createdAt)}</dd>
        <dt>{t("item.firstResponseDue")}</dt><dd>{formatDate(item.firstResponseDueAt)}<WorkingDays days={item.firstResponseWorkingDaysLeft} /></dd>
        <dt>{t("item.resolutionDue")}</dt><dd>{formatDate(item.resolutionDueAt)}<WorkingDays days={item.resolutionWorkingDaysLeft} /></dd>
        <dt>{t("item.now")}</dt><dd><Deadline item={item} /></dd>
        <dt>{t("item.agency")}</dt><dd>{item.agency ? item.agency.shortName : "—"}</dd>
        <dt>{t("item.assignee")}</dt><dd data-testid="assignee">{item.assignee ? item.assignee.email : t("item.nobody")}</dd>
        <dt>{t("item.location")}</dt><dd>{[item.locationText, item.regionCode].filter(Boolean).join(" · ") || "—"}
          {item.latitude != null && <> · <a href={`https://www.openstreetmap.org/?mlat=${item.latitude}&mlon=${item.longitude}#map=17/${item.latitude}/${item.longitude}`} rel="noopener">{t("item.map")}</a></>}</dd>
        <dt>{t("item.supports")}</dt><dd>{item.supportCount}</dd>
        {item.duplicateOf && <><dt>{t("item.duplicateOf")}</dt><dd>{item.duplicateOf}</dd></>}
      </dl>
      {item.possibleDuplicates.length > 0 && (
        <>
          <h2>{t("item.possibleDuplicates")}</h2>
          <ul class="duplicates">
            {item.possibleDuplicates.map((d) => (
              <li key={d.submission.id}>
                <a href={"#/item/" + encodeURIComponent(d.submission.id)}>{d.submission.trackingCode}</a>{" "}
                {d.submission.title || d.submission.text.slice(0, 100)} <span class="meta">({Math.round(d.similarity * 100)}%)</span>
              </li>
            ))}
          </ul>
        </>
      )}
      {item.photos.length > 0 && (
        <section aria-labelledby="photos-heading">
          <h2 id="photos-heading">{t("item.photos")}</h2>
          <p class="hint">{t(item.confidential ? "item.photosConfidential" : "item.photosHint")}</p>
          <ul class="photos" data-testid="photos">
            {item.photos.map((photo, index) => (
              <li key={photo.id}>
                <a href={photo.url} target="_blank" rel="noopener">
                  <img src={photo.thumbnailUrl} alt={t("item.photoAlt", { n: index + 1 })} width="160" />
                </a>
                <span class={"photo-state photo-" + photo.state.toLowerCase()}>{t("photo." + photo.state)}</span>
                {me.role !== "triage_admin" && photo.state !== "APPROVED" && !item.confidential && (
                  <button type="button" class="primary" disabled={busy} onClick={() => reviewPhoto("approve", photo.id)}>
                    {t("photo.approve", { n: index + 1 })}
                  </button>
                )}
                {me.role !== "triage_admin" && photo.state === "APPROVED" && (
                  <button type="button" class="secondary" disabled={busy} onClick={() => reviewPhoto("hide", photo.id)}>
                    {t("photo.hide", { n: index + 1 })}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
      <h2>{t("item.contact")}</h2>
      {item.anonymous ? <p>{t("item.anonymous")}</p>
        : contact === null ? <p><button type="button" class="secondary" onClick={reveal}>{t("item.reveal")}</button> <span class="hint">{t("item.revealLogged")}</span></p>
        : contact === false ? <p>{t("item.noContact")}</p>
        : (
          <dl class="contact">
            {["name", "phone", "email", "nik"].filter((k) => contact[k]).map((k) => (
              <><dt key={k + "t"}>{t("contact." + k)}</dt><dd key={k}>{contact[k]}</dd></>
            ))}
          </dl>
        )}

      {open && (
        <section class="actions" aria-labelledby="actions-heading">
          <h2 id="actions-heading">{t("item.actions")}</h2>
          <p>
            {(!item.assignee || item.assignee.email !== me.email) && (
              <button type="button" class="secondary" disabled={busy} onClick={() => act("take", {})}>{t("action.take")}</button>
            )}
            {item.assignee && (
              <button type="button" class="secondary" disabled={busy} onClick={() => act("unassign", {})}>{t("action.unassign")}</button>
            )}
            {(item.status === "routed" || item.status === "forwarded" || item.status === "reopened") && (
              <button type="button" class="primary" disabled={busy} onClick={() => act("acknowledge", {})}>{t("action.acknowledge")}</button>
            )}
            {!item.fieldCheck && (
              <button type="button" class="secondary" disabled={busy} onClick={() => act("fieldCheck", {})}>{t("action.fieldCheck")}</button>
            )}
          </p>
          {colleagues.length > 0 && (
            <form class="pick" onSubmit={submitWith("assign", (f) => ({ staff: f.get("staff") }))}>
              <label for="assign-to">{t("action.assignTo")}</label>
              <select id="assign-to" name="staff">
                {colleagues.map((m) => <option key={m.id} value={m.id}>{m.email}</option>)}
              </select>
              <button type="submit" class="secondary" disabled={busy}>{t("action.assign")}</button>
            </form>
          )}
          <form onSubmit={submitWith("respond", (f) => ({ text: f.get("text"), template: f.get("template") || null }))}>
            {templates.length > 0 && (
              <div class="field">
                <label for="template">{t("action.template")}</label>
                <select id="template" name="template" onChange={(e) => {
                  const chosen = templates.find((x) => x.id === e.currentTarget.value);
                  if (chosen) document.getElementById("answer").value = chosen.body;
                }}>
                  <option value="">{t("action.noTemplate")}</option>
                  {templates.map((x) => <option key={x.id} value={x.id}>{x.title}</option>)}
                </select>
              </div>
            )}
            <div class="field">
              <label for="answer">{t("action.answerLabel")}</label>
              <textarea id="answer" name="text" rows={4} required aria-describedby="answer-hint" />
              <p id="answer-hint" class="hint">{t("action.answerHint")}</p>
            </div>
            <button type="submit" class="primary" disabled={busy}>{t("action.respond")}</button>
          </form>
          <form onSubmit={submitWith("note", (f) => ({ text: f.get("text") }))}>
            <div class="field">
              <label for="note">{t("action.noteLabel")}</label>
              <textarea id="note" name="text" rows={3} required aria-describedby="note-hint" />
              <p id="note-hint" class="hint">{t("action.noteHint")}</p>
            </div>
            <button type="submit" class="secondary" disabled={busy}>{t("action.note")}</button>
          </form>
          <details>
            <summary>{t("action.forward")}</summary>
            <form onSubmit={submitWith("forward", (f) => ({ to: f.get("to"), text: f.get("text"), wrong: f.get("wrong") === "on" }))}>
              <div class="field">
                <label for="forward-to">{t("action.forwardTo")}</label>
                <select id="forward-to" name="to" required>
                  {agencies.filter((a) => !item.agency || a.slug !== item.agency.slug).map((a) => <option key={a.slug} value={a.slug}>{a.shortName}</option>)}
                </select>
              </div>
              <div class="field">
                <label for="forward-reason">{t("action.reason")}</label>
                <textarea id="forward-reason" name="text" rows={2} required />
              </div>
              <div class="field">
                <label class="choice">
                  <input type="checkbox" name="wrong" aria-describedby="forward-wrong-hint" />
                  <span>{t("action.wrongAgency")}</span>
                </label>
                <p id="forward-wrong-hint" class="hint">{t("action.wrongAgencyHint")}</p>
              </div>
              <button type="submit" class="secondary" disabled={busy}>{t("action.forward")}</button>
            </form>
          </details>
          <details>
            <summary>{t("action.duplicate")}</summary>
            <form onSubmit={submitWith("duplicate", (f) => ({ of: f.get("of") }))}>
              <div class="field">
                <label for="duplicate-of">{t("action.duplicateOf")}</label>
                <input id="duplicate-of" name="of" required autocomplete="off" aria-describedby="duplicate-hint"
                  value={item.possibleDuplicates.length ? item.possibleDuplicates[0].submission.trackingCode : undefined} />
                <p id="duplicate-hint" class="hint">{t("action.duplicateHint")}</p>
              </div>
              <button type="submit" class="secondary" disabled={busy}>{t("action.duplicate")}</button>
            </form>
          </details>
          <details>
            <summary>{t("action.resolve")}</summary>
            <form onSubmit={submitWith("resolve", (f) => ({ text: f.get("text") }))}>
              <div class="field">
                <label for="resolve-text">{t("action.resolveLabel")}</label>
                <textarea id="resolve-text" name="text" rows={3} required />
              </div>
              <button type="submit" class="primary" disabled={busy}>{t("action.resolve")}</button>
            </form>
          </details>
          <details>
            <summary>{t("action.reject")}</summary>
            <form onSubmit={submitWith("reject", (f) => ({ reason: f.get("reason"), text: f.get("text") }))}>
              <div class="field">
                <label for="reject-reason">{t("action.rejectReason")}</label>
                <select id="reject-reason" name="reason" required>
                  {REJECT_REASONS.map((r) => <option key={r} value={r}>{t("reject." + r)}</option>)}
                </select>
              </div>
              <div class="field">
                <label for="reject-text">{t("action.publicReason")}</label>
                <textarea id="reject-text" name="text" rows={2} required />
              </div>
              <button type="submit" class="secondary" disabled={busy}>{t("action.reject")}</button>
            </form>
          </details>
        </section>
      )}

      <h2>{t("item.timeline")}</h2>
      <ol class="timeline" data-testid="timeline">
        {item.events.map((event, index) => (
          <li key={index} class={event.public ? undefined : "internal"}>
            <span class="meta">{formatDate(event.at)} · {event.actor} · {t("status." + event.status)}</span>
            <strong>{t("event." + event.kind)}</strong>{!event.public && <span class="tag">{t("item.internal")}</span>}
            {event.note && <p>{event.note}</p>}
          </li>
        ))}
      </ol>
    </article>
  );
}
