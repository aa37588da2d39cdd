// File a complaint, aspiration or information request, with a live routing hint and duplicates.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { debounce, gql, gqlUpload, NetworkError, newKey } from "../api.js";
import { pick, t, formatNumber } from "../i18n.js";
import { markPhoneToVerify, saveReceipt } from "../receipts.js";
import { MAX_PHOTOS, shrinkPhoto } from "../photos.js";
import { REGIONS } from "../regions.js";
import { Lazy } from "../lazy.jsx";

const SUBMIT = `mutation($input: SubmitInput!) { submit(input: $input) { __typename
  ... on SubmissionReceipt { trackingCode citizenSecret }
  ... on ValidationError { problems { field code message messageEn } }
  ... on Conflict { message messageEn } } }`;
// One request and one classifier run per pause in typing: the routing hint and the similar reports together.
// With a pin placed, the same request also brings the open reports within 200 m of it.
const HINTS = `query($text: String!, $lat: Float, $lon: Float) { filingHints(text: $text, latitude: $lat, longitude: $lon) {
  routing { confidence category { slug label labelEn } agency { slug name shortName } }
  similar { similarity submission { trackingCode title text status supportCount agency { shortName } } }
  nearby { distanceMetres submission { trackingCode title text status supportCount location { latitude longitude } } } } }`;
const SUPPORT = `mutation($code: String!, $key: String) { support(trackingCode: $code, channel: WEB, idempotencyKey: $key) {
  __typename ... on SupportReceipt { submission { trackingCode } } ... on NotAllowed { message messageEn } } }`;
const SERVICE = `query($slug: String!) { service(slug: $slug) { slug name nameEn costIdr free processingDays
  agency { name } } }`;
const KINDS = ["COMPLAINT", "ASPIRATION", "INFORMATION_REQUEST"];
const KEY_STORE = "suara-lapor-key";

function Field({ id, label, hint, error, children }) {
  return (
    <div class={"field" + (error ? " has-error" : "")}>
      <label for={id}>{label}</label>
      {hint && <p class="hint" id={`${id}-hint`}>{hint}</p>}
      {children}
      {error && <p class="error" id={`${id}-error`} role="alert">{error}</p>}
    </div>
  );
}

/** Photos from the camera (or the gallery), shrunk before upload; previews with a remove button each. */
function PhotoPicker({ photos, setPhotos, error }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState("");
  async function add(event) {
    const input = event.currentTarget;
    const files = Array.from(input.files || []).slice(0, MAX_PHOTOS - photos.length);
    input.value = ""; // choosing the same photo again still fires a change
    setProblem("");
    setBusy(true);
    const added = [];
    for (const file of files) {
      try { added.push(await shrinkPhoto(file)); } catch (caught) { setProblem(t("report.photos.unreadable")); }
    }
    setPhotos((current) => [...current, ...added].slice(0, MAX_PHOTOS));
    setBusy(false);
  }
  const shown = error || problem;
  return (
    <fieldset class={"photos" + (shown ? " has-error" : "")}>
      <legend>{t("report.photos.legend")}</legend>
      <p class="hint" id="f-photos-hint">{t("report.photos.hint")}</p>
      {photos.length > 0 && (
        <ul class="photo-list" data-testid="photo-previews">
          {photos.map((photo, index) => (
            <li key={photo.preview}>
              <img src={photo.preview} alt={t("report.photos.alt", { n: index + 1 })} width="80" height="80" />
              <button type="button" class="secondary" onClick={() => setPhotos((current) => current.filter((p) => p !== photo))}>
                {t("report.photos.remove", { n: index + 1 })}
              </button>
            </li>
          ))}
        </ul>
      )}
      {photos.length < MAX_PHOTOS && (
        <p>
          <label for="f-photos" class="button secondary">{busy ? t("report.photos.preparing") : t("report.photos.add")}</label>
          <input id="f-photos" class="visually-hidden" type="file" accept="image/*" capture="environment" multiple
            onChange={add} disabled={busy} aria-describedby="f-photos-hint" />
        </p>
      )}
      {shown && <p class="error" id="f-photos-error" role="alert">{shown}</p>}
    </fieldset>
  );
}

function describedBy(id, hint, error) {
  return [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(" ") || undefined;
}

export function Lapor({ params }) {
  const [form, setForm] = useState({ kind: params.get("jenis") || "COMPLAINT", text: "", title: "", regionCode: "",
    locationText: "", latitude: null, longitude: null, anonymous: false, confidential: false,
    reporterName: "", reporterPhone: "", reporterEmail: "" });
  const [errors, setErrors] = useState({});
  const [photos, setPhotos] = useState([]);
  const [hint, setHint] = useState(null);
  const [similar, setSimilar] = useState([]);
  const [nearby, setNearby] = useState([]);
  const [service, setService] = useState(null);
  const [sending, setSending] = useState(false);
  const [notice, setNotice] = useState("");
  const sendingRef = useRef(false);
  const set = (name) => (event) => {
    const value = event.currentTarget.type === "checkbox" ? event.currentTarget.checked : event.currentTarget.value;
    setForm((f) => ({ ...f, [name]: value }));
  };

  useEffect(() => {
    const slug = params.get("layanan");
    if (!slug) return;
    gql(SERVICE, { slug }).then((d) => {
      if (!d.service) return;
      setService(d.service);
      const problem = params.get("masalah");
      const name = pick(d.service.name, d.service.nameEn);
      const opening = problem === "biaya" ? t("report.service.overcharged", { name, cost: d.service.free ? t("services.free") : "Rp" + formatNumber(d.service.costIdr) })
        : problem === "waktu" && d.service.processingDays !== null ? t("report.service.slow", { name, days: d.service.processingDays })
        : t("report.service.about", { name });
      setForm((f) => ({ ...f, kind: "COMPLAINT", text: f.text || opening + " " }));
    }).catch(() => {});
  }, []);

  const asked = useRef(0);
  const lookAhead = useMemo(() => debounce((text, lat, lon) => {
    const turn = ++asked.current; // an answer to an older pause never replaces a newer one
    const long = text.trim().length >= 20;
    if (!long && lat === null) { setHint(null); setSimilar([]); setNearby([]); return; }
    const place = lat === null ? {} : { lat, lon };
    gql(HINTS, { text: long ? text : "", ...place }).then(({ filingHints: hints }) => {
      if (turn !== asked.current) return;
      setHint(hints.routing[0] || null);
      setSimilar(hints.similar);
      const similarCodes = new Set(hints.similar.map((d) => d.submission.trackingCode));
      setNearby(hints.nearby.filter((n) => !similarCodes.has(n.submission.trackingCode)));
    }).catch(() => {});
  }, 500), []);
  useEffect(() => lookAhead(form.text, form.latitude, form.longitude), [form.text, form.latitude, form.longitude]);

  function locate() {
    if (!navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(
      (p) => setForm((f) => ({ ...f, latitude: +p.coords.latitude.toFixed(6), longitude: +p.coords.longitude.toFixed(6) })),
      () => setNotice(t("report.location.denied")), { timeout: 10000 });
  }

  async function submit(event) {
    event.preventDefault();
    if (sendingRef.current) return; // a double click sends once
    sendingRef.current = true;
    setSending(true);
    setNotice("");
    let key = sessionStorage.getItem(KEY_STORE);
    if (!key) { key = newKey(); sessionStorage.setItem(KEY_STORE, key); }
    const input = { kind: form.kind, text: form.text, channel: "WEB", idempotencyKey: key,
      anonymous: form.anonymous, confidential: form.confidential };
    for (const name of ["title", "regionCode", "locationText"]) if (form[name].trim()) input[name] = form[name].trim();
    if (form.latitude !== null) Object.assign(input, { latitude: form.latitude, longitude: form.longitude });
    if (!form.anonymous) for (const name of ["reporterName", "reporterPhone", "reporterEmail"]) if (form[name].trim()) input[name] = form[name].trim();
    if (service) input.serviceSlug = service.slug;
    try {
      const { submit: result } = photos.length === 0 ? await gql(SUBMIT, { input })
        : await gqlUpload(SUBMIT, { input: { ...input, photos: photos.map(() => null) } },
          Object.fromEntries(photos.map((photo, i) => [`variables.input.photos.${i}`, photo.blob])));
      if (result.__typename === "ValidationError") {
        const byField = {};
        for (const p of result.problems) {
          const field = p.field.startsWith("photos") ? "photos" : p.field; // photos.1 → the photo field
          byField[field] = byField[field] || p;
        }
        setErrors(byField);
        const first = document.getElementById(`f-${result.problems[0].field.split(".")[0]}`);
        if (first) first.focus();
        return;
      }
      if (result.__typename === "Conflict") { // the key went with other text: sending again uses a new key
        sessionStorage.removeItem(KEY_STORE);
        setNotice(pick(result.message, result.messageEn));
        return;
      }
      sessionStorage.removeItem(KEY_STORE);
      saveReceipt(result.trackingCode, result.citizenSecret);
      if (input.reporterPhone) markPhoneToVerify(result.trackingCode);
      location.hash = `#/tanda-terima/${result.trackingCode}`;
    } catch (error) {
      setNotice(error instanceof NetworkError ? t("report.networkError") : t("report.serverError"));
    } finally {
      sendingRef.current = false;
      setSending(false);
    }
  }

  async function supportInstead(code) {
    const { support } = await gql(SUPPORT, { code, key: newKey() });
    if (support.__typename === "SupportReceipt") location.hash = `#/lacak/${support.submission.trackingCode}`;
    else setNotice(pick(support.message, support.messageEn));
  }

  const err = (field) => errors[field] && pick(errors[field].message, errors[field].messageEn);
  return (
    <section>
      <h1>{t("report.title")}</h1>
      <p class="lead">{t("report.lead")}</p>
      {service && <p class="note">{t("report.service.note", { name: pick(service.name, service.nameEn), agency: service.agency?.name || "" })}</p>}
      <form onSubmit={submit} noValidate>
        <fieldset class="kinds">
          <legend>{t("report.kind.legend")}</legend>
          {KINDS.map((kind) => (
            <label key={kind} class="choice">
              <input type="radio" name="kind" value={kind} checked={form.kind === kind} onChange={set("kind")} />
              <span><strong>{t(`kind.${kind}`)}</strong> — {t(`kind.${kind}.explain`)}</span>
            </label>
          ))}
        </fieldset>
        <Field id="f-text" label={t("report.text.label")} hint={t("report.text.hint")} error={err("text")}>
          <textarea id="f-text" rows={6} value={form.text} onInput={set("text")} maxLength={5000} required
            aria-invalid={errors.text ? "true" : undefined} aria-describedby={describedBy("f-text", true, errors.text)} />
        </Field>
        <p class="live" aria-live="polite" data-testid="routing-hint">
          {hint && hint.agency ? t("report.hint", { agency: hint.agency.name, topic: pick(hint.category.label, hint.category.labelEn) }) : ""}
        </p>
        {similar.length > 0 && (
          <div class="similar" role="region" aria-label={t("report.similar.title")}>
            <h2>{t("report.similar.title")}</h2>
            <p>{t("report.similar.lead")}</p>
            <ul>
              {similar.map((d) => (
                <li key={d.submission.trackingCode}>
                  <p>{d.submission.text || t("track.confidential")}</p>
                  <p class="meta">{d.submission.trackingCode} · {t("report.similar.supporters", { n: d.submission.supportCount })}</p>
                  <button type="button" class="secondary" onClick={() => supportInstead(d.submission.trackingCode)}>
                    {t("report.similar.support")}
                  </button>
                </li>
              ))}
            </ul>
          </div>
        )}
        <Field id="f-title" label={t("report.titleField.label")} error={err("title")}>
          <input id="f-title" value={form.title} onInput={set("title")} maxLength={200}
            aria-invalid={errors.title ? "true" : undefined} aria-describedby={describedBy("f-title", false, errors.title)} />
        </Field>
        <fieldset>
          <legend>{t("report.location.legend")}</legend>
          <Field id="f-regionCode" label={t("report.region.label")} error={err("regionCode")}>
            <select id="f-regionCode" value={form.regionCode} onChange={set("regionCode")}>
              <option value="">{t("report.region.none")}</option>
              {REGIONS.map(([code, name]) => <option key={code} value={code}>{name}</option>)}
            </select>
          </Field>
          <Field id="f-locationText" label={t("report.place.label")} error={err("locationText")}>
            <input id="f-locationText" value={form.locationText} onInput={set("locationText")} maxLength={300} />
          </Field>
          <Lazy load={() => import("../map/pinpicker.jsx")} placeholder={<div class="map" />}
            latitude={form.latitude} longitude={form.longitude} nearby={nearby} start={params.get("peta")}
            onPick={(latitude, longitude) => setForm((f) => ({ ...f, latitude, longitude }))} onSupport={supportInstead} />
          <button type="button" class="secondary" onClick={locate}>{t("report.location.device")}</button>
          {form.latitude !== null && <p class="meta" data-testid="pin-set">{t("report.location.set", { lat: form.latitude, lon: form.longitude })}</p>}
        </fieldset>
        <PhotoPicker photos={photos} setPhotos={setPhotos} error={err("photos")} />
        <fieldset>
          <legend>{t("report.privacy.legend")}</legend>
          <label class="choice">
            <input type="checkbox" id="f-anonymous" checked={form.anonymous} onChange={set("anonymous")} />
            <span><strong>{t("report.anonymous.label")}</strong> — {t("report.anonymous.explain")}</span>
          </label>
          <label class="choice">
            <input type="checkbox" id="f-confidential" checked={form.confidential} onChange={set("confidential")} />
            <span><strong>{t("report.confidential.label")}</strong> — {t("report.confidential.explain")}</span>
          </label>
        </fieldset>
        {!form.anonymous && (
          <fieldset>
            <legend>{t("report.contact.legend")}</legend>
            <p class="hint">{t("report.contact.hint")}</p>
            <Field id="f-reporterName" label={t("report.name.label")} error={err("reporterName")}>
              <input id="f-reporterName" autoComplete="name" value={form.reporterName} onInput={set("reporterName")}
                aria-invalid={errors.reporterName ? "true" : undefined} aria-describedby={describedBy("f-reporterName", false, errors.reporterName)} />
            </Field>
            <Field id="f-reporterPhone" label={t("report.phone.label")} error={err("reporterPhone")}>
              <input id="f-reporterPhone" type="tel" autoComplete="tel" inputMode="tel" value={form.reporterPhone} onInput={set("reporterPhone")}
                aria-invalid={errors.reporterPhone ? "true" : undefined} aria-describedby={describedBy("f-reporterPhone", false, errors.reporterPhone)} />
            </Field>
            <Field id="f-reporterEmail" label={t("report.email.label")} error={err("reporterEmail")}>
              <input id="f-reporterEmail" type="email" autoComplete="email" value={form.reporterEmail} onInput={set("reporterEmail")}
                aria-invalid={errors.reporterEmail ? "true" : undefined} aria-describedby={describedBy("f-reporterEmail", false, errors.reporterEmail)} />
            </Field>
          </fieldset>
        )}
        {notice && <p class="error" role="alert">{notice}</p>}
        <button type="submit" class="primary" disabled={sending} aria-busy={sending ? "true" : undefined}>
          {sending ? t("report.sending") : t("report.send")}
        </button>
      </form>
    </section>
  );
}
