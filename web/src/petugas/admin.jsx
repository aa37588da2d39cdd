// Agency admin: the agency's staff (create with a one-time password, change role, disable/enable,
// reset password) and its answer templates (add, edit, archive). Every action is recorded in the audit log by the API.
import { useEffect, useState } from "preact/hooks";
import { gql } from "./api.js";
import { formatDate, message, pick, t } from "./i18n.js";

const MEMBER = "id email role active mustChangePassword createdAt disabledAt lastSignInAt";
const loadQuery = (agencyAdmin) => `query Admin { agencyStaff { ${MEMBER} } answerTemplates { id title body updatedAt }
  me { agency { slug serviceLevels { firstResponseDays informationRequestDays resolutionDays resolutionWithFieldCheckDays } } }
  apiTokens { id name createdAt lastUsedAt revoked }
  ${agencyAdmin ? "auditLog(first: 20) { edges { node { id actor action target createdAt } } }" : "categories { slug label labelEn defaultAgency { slug } } agencies { slug shortName }"} }`;
const CREATE_TOKEN = `mutation($name: String!) { r: createApiToken(name: $name) { __typename ... on ApiTokenCreated { token } ... on ValidationError { message messageEn } ... on NotAllowed { message messageEn } } }`;
const REVOKE_TOKEN = `mutation($id: Int!) { r: revokeApiToken(id: $id) { __typename ... on NotAllowed { message messageEn } } }`;
const ASSIGN_CATEGORY = `mutation($category: String!, $agency: String!) { r: assignCategory(category: $category, agency: $agency) { __typename ... on NotAllowed { message messageEn } ... on NotFound { message messageEn } } }`;
const LEVELS = [["firstResponseDays", 3], ["informationRequestDays", 5], ["resolutionDays", 14], ["resolutionWithFieldCheckDays", 60]];
const SET_LEVELS = `mutation($input: ServiceLevelsInput!) { r: setServiceLevels(input: $input) { __typename ... on ValidationError { message messageEn } ... on NotAllowed { message messageEn } } }`;
const ERRORS = "... on ValidationError { message messageEn } ... on NotAllowed { message messageEn } ... on NotFound { message messageEn }";
const CREATE = `mutation($input: CreateStaffInput!) { r: createStaff(input: $input) { __typename ... on StaffCreated { oneTimePassword staff { email } } ${ERRORS} } }`;
const UPDATE = {
  disable: `mutation($id: ID!) { r: disableStaff(staffId: $id) { __typename ${ERRORS} } }`,
  enable: `mutation($id: ID!) { r: enableStaff(staffId: $id) { __typename ${ERRORS} } }`,
  reset: `mutation($id: ID!) { r: resetStaffPassword(staffId: $id) { __typename ... on PasswordReset { oneTimePassword staff { email } } ${ERRORS} } }`,
  role: `mutation($id: ID!, $role: String!) { r: changeStaffRole(staffId: $id, role: $role) { __typename ${ERRORS} } }`,
};
const SAVE_TEMPLATE = `mutation($input: AnswerTemplateInput!) { r: saveAnswerTemplate(input: $input) { __typename ${ERRORS} } }`;
const ARCHIVE_TEMPLATE = `mutation($id: ID!) { r: archiveAnswerTemplate(id: $id) { __typename ${ERRORS} } }`;
const ROLES = ["officer", "agency_admin"];

export function AgencyAdmin({ me }) {
  const [data, setData] = useState(null);
  const [feedback, setFeedback] = useState(null);
  const [secret, setSecret] = useState(null); // { email, password } shown once
  const [busy, setBusy] = useState(false);
  const [editing, setEditing] = useState(null); // id of the answer template being edited

  async function load() { setData(await gql(loadQuery(me.role === "agency_admin"))); }
  useEffect(() => { load().catch(() => setFeedback({ ok: false, text: t("common.error") })); }, []);

  async function run(query, variables, done) {
    setBusy(true);
    setFeedback(null);
    setSecret(null);
    try {
      const { r } = await gql(query, variables);
      if (["StaffCreated", "PasswordReset", "StaffUpdated", "AnswerTemplateSaved", "ServiceLevelsSet", "ApiTokenCreated",
        "ApiTokenRevoked", "CategoryAssigned"].includes(r.__typename)) {
        if (r.oneTimePassword) setSecret({ email: r.staff.email, password: r.oneTimePassword });
        if (r.token) setSecret({ token: r.token });
        setFeedback({ ok: true, text: t(done) });
        await load();
        return true;
      }
      setFeedback({ ok: false, text: message(r) });
    } catch (caught) {
      setFeedback({ ok: false, text: t("common.error") });
    } finally {
      setBusy(false);
    }
    return false;
  }

  if (!data) return <section><h1>{t("admin.title")}</h1><p>{feedback ? feedback.text : t("common.loading")}</p></section>;
  return (
    <section>
      <h1>{t("admin.title")}</h1>
      <div role="status" aria-live="polite" class={feedback && !feedback.ok ? "error" : "live"} data-testid="admin-feedback">
        {feedback ? feedback.text : ""}
        {secret && secret.password && <p class="secret">{t("admin.oneTimePassword", { email: secret.email })} <code data-testid="one-time-password">{secret.password}</code></p>}
        {secret && secret.token && <p class="secret">{t("admin.tokenOnce")} <code data-testid="api-token">{secret.token}</code></p>}
      </div>
      <h2>{t("admin.staff")}</h2>
      <ul class="items staff" data-testid="staff">
        {(data.agencyStaff || []).map((member) => (
          <li key={member.id}>
            <p><strong class="email">{member.email}</strong> · {t("role." + member.role)}
              {!member.active && <> · <span class="due overdue">{t("admin.disabled")}</span></>}
              {member.mustChangePassword && <> · {t("admin.mustChange")}</>}</p>
            <p class="meta">{t("admin.lastSignIn", { date: formatDate(member.lastSignInAt) })}</p>
            {member.email !== me.email && (
              <p class="row-actions">
                <label class="inline-label" for={"role-" + member.id}>{t("admin.role")}</label>
                <select id={"role-" + member.id} value={member.role} disabled={busy}
                  onChange={(e) => run(UPDATE.role, { id: member.id, role: e.currentTarget.value }, "admin.done.role")}>
                  {ROLES.map((r) => <option key={r} value={r}>{t("role." + r)}</option>)}
                </select>
                {member.active
                  ? <button type="button" class="secondary" disabled={busy} onClick={() => run(UPDATE.disable, { id: member.id }, "admin.done.disable")}>{t("admin.disable")}</button>
                  : <button type="button" class="secondary" disabled={busy} onClick={() => run(UPDATE.enable, { id: member.id }, "admin.done.enable")}>{t("admin.enable")}</button>}
                <button type="button" class="secondary" disabled={busy} onClick={() => run(UPDATE.reset, { id: member.id }, "admin.done.reset")}>{t("admin.reset")}</button>
              </p>
            )}
          </li>
        ))}
      </ul>
      <form onSubmit={async (e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const values = new FormData(form);
        if (await run(CREATE, { input: { email: values.get("email"), role: values.get("role") } }, "admin.done.create")) form.reset();
      }}>
        <h3>{t("admin.create")}</h3>
        <div class="field"><label for="new-email">{t("signin.email")}</label><input id="new-email" name="email" type="email" required autocomplete="off" /></div>
        <div class="field"><label for="new-role">{t("admin.role")}</label>
          <select id="new-role" name="role">{ROLES.map((r) => <option key={r} value={r}>{t("role." + r)}</option>)}</select></div>
        <button type="submit" class="primary" disabled={busy}>{t("admin.create")}</button>
      </form>

      <h2>{t("admin.templates")}</h2>
      <ul class="items templates">
        {data.answerTemplates.map((template) => (
          <li key={template.id}>
            {editing === template.id ? (
              <form onSubmit={async (e) => {
                e.preventDefault();
                const values = new FormData(e.currentTarget);
                if (await run(SAVE_TEMPLATE, { input: { id: template.id, title: values.get("title"), body: values.get("body") } }, "admin.done.templateEdit")) setEditing(null);
              }}>
                <h3>{t("admin.editTemplate")}</h3>
                <div class="field"><label for={"edit-title-" + template.id}>{t("admin.templateTitle")}</label>
                  <input id={"edit-title-" + template.id} name="title" required value={template.title} /></div>
                <div class="field"><label for={"edit-body-" + template.id}>{t("admin.templateBody")}</label>
                  <textarea id={"edit-body-" + template.id} name="body" rows={4} required value={template.body} /></div>
                <p class="row-actions">
                  <button type="submit" class="primary" disabled={busy}>{t("admin.saveChanges")}</button>
                  <button type="button" class="secondary" disabled={busy} onClick={() => setEditing(null)}>{t("admin.cancelEdit")}</button>
                </p>
              </form>
            ) : (
              <>
                <p><strong>{template.title}</strong></p>
                <p class="template-body">{template.body}</p>
                <p class="row-actions">
                  <button type="button" class="secondary" disabled={busy} aria-label={t("admin.editNamed", { title: template.title })} onClick={() => setEditing(template.id)}>{t("admin.edit")}</button>
                  <button type="button" class="secondary" disabled={busy} onClick={() => run(ARCHIVE_TEMPLATE, { id: template.id }, "admin.done.archive")}>{t("admin.archive")}</button>
                </p>
              </>
            )}
          </li>
        ))}
      </ul>
      <form onSubmit={async (e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const values = new FormData(form);
        if (await run(SAVE_TEMPLATE, { input: { title: values.get("title"), body: values.get("body") } }, "admin.done.template")) form.reset();
      }}>
        <h3>{t("admin.newTemplate")}</h3>
        <div class="field"><label for="template-title">{t("admin.templateTitle")}</label><input id="template-title" name="title" required /></div>
        <div class="field"><label for="template-body">{t("admin.templateBody")}</label><textarea id="template-body" name="body" rows={4} required /></div>
        <button type="submit" class="primary" disabled={busy}>{t("admin.saveTemplate")}</button>
      </form>

      {me.role === "agency_admin" && data.me && data.me.agency && (
        <form onSubmit={(e) => {
          e.preventDefault();
          const values = new FormData(e.currentTarget);
          const input = Object.fromEntries(LEVELS.map(([key]) => [key, parseInt(values.get(key), 10)]));
          run(SET_LEVELS, { input }, "admin.done.levels");
        }}>
          <h2>{t("admin.levels")}</h2>
          <p class="hint">{t("admin.levelsHint")}</p>
          {LEVELS.map(([key, legal]) => (
            <div class="field" key={key}>
              <label for={"level-" + key}>{t("admin.level." + key, { legal })}</label>
              <input id={"level-" + key} name={key} type="number" min={1} max={legal} required value={data.me.agency.serviceLevels[key]} />
            </div>
          ))}
          <button type="submit" class="primary" disabled={busy}>{t("admin.saveLevels")}</button>
        </form>
      )}

      {data.categories && (
        <form onSubmit={(e) => {
          e.preventDefault();
          const values = new FormData(e.currentTarget);
          run(ASSIGN_CATEGORY, { category: values.get("category"), agency: values.get("agency") }, "admin.done.category");
        }}>
          <h2>{t("admin.mapping")}</h2>
          <div class="field"><label for="map-category">{t("inbox.category")}</label>
            <select id="map-category" name="category">
              {data.categories.map((c) => <option key={c.slug} value={c.slug}>{pick(c.label, c.labelEn)}{c.defaultAgency ? ` (${c.defaultAgency.slug})` : ""}</option>)}
            </select></div>
          <div class="field"><label for="map-agency">{t("item.agency")}</label>
            <select id="map-agency" name="agency">
              {data.agencies.map((a) => <option key={a.slug} value={a.slug}>{a.shortName}</option>)}
            </select></div>
          <button type="submit" class="primary" disabled={busy}>{t("admin.assignCategory")}</button>
        </form>
      )}

      <h2>{t("admin.tokens")}</h2>
      <p class="hint">{t("admin.tokensHint")}</p>
      <ul class="items templates" data-testid="tokens">
        {data.apiTokens.map((token) => (
          <li key={token.id}>
            <p><strong>{token.name}</strong>{token.revoked && <> · {t("admin.revoked")}</>}</p>
            <p class="meta">{t("admin.tokenUsed", { created: formatDate(token.createdAt), used: formatDate(token.lastUsedAt) })}</p>
            {!token.revoked && <button type="button" class="secondary" disabled={busy} onClick={() => run(REVOKE_TOKEN, { id: token.id }, "admin.done.revoke")}>{t("admin.revoke")}</button>}
          </li>
        ))}
      </ul>
      <form onSubmit={async (e) => {
        e.preventDefault();
        const form = e.currentTarget;
        if (await run(CREATE_TOKEN, { name: new FormData(form).get("name") }, "admin.done.token")) form.reset();
      }}>
        <div class="field"><label for="token-name">{t("admin.tokenName")}</label><input id="token-name" name="name" required autocomplete="off" /></div>
        <button type="submit" class="primary" disabled={busy}>{t("admin.createToken")}</button>
      </form>

      {data.auditLog && (
        <>
          <h2>{t("admin.audit")}</h2>
          <ol class="timeline" data-testid="audit">
            {data.auditLog.edges.map(({ node }) => (
              <li key={node.id}><span class="meta">{formatDate(node.createdAt)} · {node.actor}</span>
                <strong>{node.action}</strong>{node.target ? " · " + node.target : ""}</li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
