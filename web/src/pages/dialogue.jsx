// Public dialogue: consultations with comments, polls and proposals; voting needs a verified phone.
import { useEffect, useState } from "preact/hooks";
import { gql } from "../api.js";
import { formatDate, formatNumber, pick, t } from "../i18n.js";

const VOTER = "suara-voter";
const LISTS = `{ consultations(first: 20) { edges { node { id title status closesAt agency { shortName } } } }
  polls(first: 20) { edges { node { id question isOpen closesAt agency { shortName } } } }
  proposals(first: 20) { edges { node { id title status supportCount supportThreshold deadline } } } }`;
const CONSULTATION = `query($id: ID!) { consultation(id: $id) { id title summary status acceptingComments opensAt closesAt
  agency { name } sections { id heading body } evidence { label submissionCount }
  responseReport { text publishedAt } polls { id question }
  comments(first: 100) { totalCount edges { node { id sectionId text hidden hiddenReason agreeCount disagreeCount createdAt } } } } }`;
const POLL = `query($id: ID!) { poll(id: $id) { id question multipleChoice resultsLive isOpen opensAt closesAt agency { name }
  options { id label } results { voters final options { votes share option { id label } } } } }`;
const PROPOSAL = `query($id: ID!) { proposal(id: $id) { id title text status supportCount supportThreshold deadline
  trackingCode agency { name } category { label labelEn } } }`;
const REFUSAL = `... on DialogueError { code message messageEn } ... on NotAllowed { message messageEn }
  ... on NotFound { message messageEn } ... on ValidationError { message messageEn }`;

export function voterToken() {
  const saved = JSON.parse(localStorage.getItem(VOTER) || "null");
  return saved && new Date(saved.expiresAt) > new Date() ? saved.token : null;
}

function Verify({ onVerified }) {
  const [phone, setPhone] = useState("");
  const [code, setCode] = useState("");
  const [sent, setSent] = useState(false);
  const [error, setError] = useState("");
  async function request(e) {
    e.preventDefault();
    setError("");
    const { requestVerificationCode: r } = await gql(`mutation($p: String!, $l: String!) { requestVerificationCode(phone: $p, language: $l) {
      __typename ... on RateLimited { message messageEn } ... on ValidationError { message messageEn } } }`,
    { p: phone, l: document.documentElement.lang });
    if (r.__typename === "VerificationCodeSent") setSent(true); else setError(pick(r.message, r.messageEn));
  }
  async function verify(e) {
    e.preventDefault();
    setError("");
    const { verifyPhone: r } = await gql(`mutation($p: String!, $c: String!) { verifyPhone(phone: $p, code: $c) {
      __typename ... on PhoneVerified { voterToken expiresAt } ... on NotVerified { message messageEn } ... on ValidationError { message messageEn } } }`,
    { p: phone, c: code });
    if (r.__typename !== "PhoneVerified") { setError(pick(r.message, r.messageEn)); return; }
    localStorage.setItem(VOTER, JSON.stringify({ token: r.voterToken, expiresAt: r.expiresAt }));
    onVerified(r.voterToken);
  }
  return (
    <div class="panel verify">
      <h2>{t("verify.title")}</h2>
      <p>{t("verify.lead")}</p>
      {!sent ? (
        <form class="inline" onSubmit={request}>
          <label for="f-verify-phone">{t("verify.phone")}</label>
          <input id="f-verify-phone" type="tel" inputMode="tel" autoComplete="tel" value={phone} onInput={(e) => setPhone(e.currentTarget.value)} />
          <button type="submit" class="primary">{t("verify.send")}</button>
        </form>
      ) : (
        <form class="inline" onSubmit={verify}>
          <label for="f-verify-code">{t("verify.code")}</label>
          <input id="f-verify-code" inputMode="numeric" autoComplete="one-time-code" value={code} onInput={(e) => setCode(e.currentTarget.value)} />
          <button type="submit" class="primary">{t("verify.check")}</button>
        </form>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </div>
  );
}

function useVoter() {
  const [token, setToken] = useState(voterToken());
  return [token, setToken];
}

export function DialogueHome() {
  const [data, setData] = useState(null);
  useEffect(() => { gql(LISTS).then(setData).catch(() => setData({ consultations: { edges: [] }, polls: { edges: [] }, proposals: { edges: [] } })); }, []);
  if (!data) return <section><h1>{t("dialogue.title")}</h1><p>{t("common.loading")}</p></section>;
  return (
    <section>
      <h1>{t("dialogue.title")}</h1>
      <p class="lead">{t("dialogue.lead")}</p>
      <h2>{t("dialogue.consultations")}</h2>
      {data.consultations.edges.length === 0 ? <p>{t("dialogue.none")}</p> : (
        <ul class="list">{data.consultations.edges.map(({ node: c }) => (
          <li key={c.id}><a href={`#/dialog/konsultasi/${c.id}`}><strong>{c.title}</strong></a>
            <p class="meta">{c.agency?.shortName} · {t(`consultation.${c.status}`)} · {t("dialogue.closes", { date: formatDate(c.closesAt) })}</p></li>))}
        </ul>)}
      <h2>{t("dialogue.polls")}</h2>
      {data.polls.edges.length === 0 ? <p>{t("dialogue.none")}</p> : (
        <ul class="list">{data.polls.edges.map(({ node: p }) => (
          <li key={p.id}><a href={`#/dialog/jajak/${p.id}`}><strong>{p.question}</strong></a>
            <p class="meta">{p.agency?.shortName} · {p.isOpen ? t("poll.open") : t("poll.closed")}</p></li>))}
        </ul>)}
      <h2>{t("dialogue.proposals")}</h2>
      {data.proposals.edges.length === 0 ? <p>{t("dialogue.none")}</p> : (
        <ul class="list">{data.proposals.edges.map(({ node: p }) => (
          <li key={p.id}><a href={`#/dialog/usulan/${p.id}`}><strong>{p.title}</strong></a>
            <p class="meta">{t("proposal.progress", { n: p.supportCount, of: p.supportThreshold })} · {t(`proposal.${p.status}`)}</p></li>))}
        </ul>)}
      <ProposeForm />
    </section>
  );
}

function ProposeForm() {
  const [token, setToken] = useVoter();
  const [title, setTitle] = useState("");
  const [text, setText] = useState("");
  const [error, setError] = useState("");
  async function propose(e) {
    e.preventDefault();
    const { propose: r } = await gql(`mutation($t: String!, $input: ProposalInput!) { propose(voterToken: $t, input: $input) {
      __typename ... on Proposal { id } ${REFUSAL} } }`, { t: token, input: { title, text } });
    if (r.__typename === "Proposal") location.hash = `#/dialog/usulan/${r.id}`; else setError(pick(r.message, r.messageEn));
  }
  return (
    <div class="panel">
      <h2>{t("proposal.new")}</h2>
      {!token ? <Verify onVerified={setToken} /> : (
        <form onSubmit={propose}>
          <div class="field"><label for="f-p-title">{t("proposal.titleField")}</label>
            <input id="f-p-title" value={title} onInput={(e) => setTitle(e.currentTarget.value)} maxLength={200} /></div>
          <div class="field"><label for="f-p-text">{t("proposal.textField")}</label>
            <textarea id="f-p-text" rows={5} value={text} onInput={(e) => setText(e.currentTarget.value)} maxLength={4000} /></div>
          {error && <p class="error" role="alert">{error}</p>}
          <button type="submit" class="primary">{t("proposal.submit")}</button>
        </form>
      )}
    </div>
  );
}

function Comments({ consultation, token, setToken, reload }) {
  const [text, setText] = useState("");
  const [section, setSection] = useState("");
  const [error, setError] = useState("");
  async function post(e) {
    e.preventDefault();
    setError("");
    const { comment: r } = await gql(`mutation($t: String!, $c: ID!, $s: ID, $text: String!) { comment(voterToken: $t, consultationId: $c, sectionId: $s, text: $text) {
      __typename ${REFUSAL} } }`, { t: token, c: consultation.id, s: section || null, text });
    if (r.__typename === "Comment") { setText(""); reload(); } else setError(pick(r.message, r.messageEn));
  }
  async function react(id, reaction) {
    if (!token) { setError(t("verify.needed")); return; }
    const { reactToComment: r } = await gql(`mutation($t: String!, $id: ID!, $r: Reaction!) { reactToComment(voterToken: $t, commentId: $id, reaction: $r) {
      __typename ${REFUSAL} } }`, { t: token, id, r: reaction });
    if (r.__typename === "Comment") reload(); else setError(pick(r.message, r.messageEn));
  }
  const headings = Object.fromEntries(consultation.sections.map((s) => [s.id, s.heading]));
  return (
    <>
      <h2>{t("consultation.comments", { n: consultation.comments.totalCount })}</h2>
      <ul class="comments">
        {consultation.comments.edges.map(({ node: c }) => (
          <li key={c.id}>
            {c.sectionId && <p class="meta">{headings[c.sectionId]}</p>}
            {c.hidden ? <p class="hidden-comment">{t("consultation.hidden", { reason: c.hiddenReason })}</p> : <p>{c.text}</p>}
            <p class="meta">{formatDate(c.createdAt, true)}</p>
            {!c.hidden && (
              <div class="row">
                <button type="button" class="secondary" onClick={() => react(c.id, "AGREE")}>{t("consultation.agree", { n: c.agreeCount })}</button>
                <button type="button" class="secondary" onClick={() => react(c.id, "DISAGREE")}>{t("consultation.disagree", { n: c.disagreeCount })}</button>
              </div>
            )}
          </li>
        ))}
      </ul>
      {consultation.acceptingComments && (!token ? <Verify onVerified={setToken} /> : (
        <form onSubmit={post} class="panel">
          <div class="field"><label for="f-c-section">{t("consultation.section")}</label>
            <select id="f-c-section" value={section} onChange={(e) => setSection(e.currentTarget.value)}>
              <option value="">{t("consultation.whole")}</option>
              {consultation.sections.map((s) => <option key={s.id} value={s.id}>{s.heading}</option>)}
            </select></div>
          <div class="field"><label for="f-c-text">{t("consultation.yourComment")}</label>
            <textarea id="f-c-text" rows={4} value={text} onInput={(e) => setText(e.currentTarget.value)} maxLength={2000} /></div>
          <button type="submit" class="primary">{t("consultation.post")}</button>
        </form>
      ))}
      {error && <p class="error" role="alert">{error}</p>}
    </>
  );
}

export function ConsultationPage({ id }) {
  const [c, setC] = useState(undefined);
  const [token, setToken] = useVoter();
  const load = () => gql(CONSULTATION, { id }).then((d) => setC(d.consultation)).catch(() => setC(null));
  useEffect(() => { load(); }, [id]);
  if (c === undefined) return <section><h1>{t("dialogue.title")}</h1><p>{t("common.loading")}</p></section>;
  if (c === null) return <section><h1>{t("notFound.title")}</h1></section>;
  return (
    <section>
      <h1>{c.title}</h1>
      <p class="meta">{c.agency?.name} · {t(`consultation.${c.status}`)} · {formatDate(c.opensAt)} – {formatDate(c.closesAt)}</p>
      <p class="lead">{c.summary}</p>
      {c.responseReport && (
        <div class="panel report"><h2>{t("consultation.report")}</h2><p class="meta">{formatDate(c.responseReport.publishedAt)}</p><p class="text">{c.responseReport.text}</p></div>
      )}
      {c.evidence.length > 0 && (
        <div class="panel"><h2>{t("consultation.evidence")}</h2>
          <ul>{c.evidence.map((e, i) => <li key={i}>{t("consultation.evidenceItem", { n: formatNumber(e.submissionCount), label: e.label })}</li>)}</ul></div>
      )}
      {c.sections.map((s) => <div key={s.id} class="section"><h2>{s.heading}</h2><p class="text">{s.body}</p></div>)}
      {c.polls.length > 0 && <p>{c.polls.map((p) => <a key={p.id} href={`#/dialog/jajak/${p.id}`}>{p.question}</a>)}</p>}
      <Comments consultation={c} token={token} setToken={setToken} reload={load} />
    </section>
  );
}

export function PollPage({ id }) {
  const [poll, setPoll] = useState(undefined);
  const [chosen, setChosen] = useState([]);
  const [token, setToken] = useVoter();
  const [message, setMessage] = useState("");
  const load = () => gql(POLL, { id }).then((d) => setPoll(d.poll)).catch(() => setPoll(null));
  useEffect(() => { load(); }, [id]);
  if (poll === undefined) return <section><h1>{t("dialogue.title")}</h1><p>{t("common.loading")}</p></section>;
  if (poll === null) return <section><h1>{t("notFound.title")}</h1></section>;
  async function vote(e) {
    e.preventDefault();
    const { vote: r } = await gql(`mutation($t: String!, $p: ID!, $o: [ID!]!) { vote(voterToken: $t, pollId: $p, optionIds: $o) {
      __typename ... on VoteRecorded { changed } ${REFUSAL} } }`, { t: token, p: poll.id, o: chosen });
    if (r.__typename === "VoteRecorded") { setMessage(r.changed ? t("poll.changed") : t("poll.recorded")); load(); }
    else setMessage(pick(r.message, r.messageEn));
  }
  const toggle = (optionId) => setChosen(poll.multipleChoice
    ? (chosen.includes(optionId) ? chosen.filter((o) => o !== optionId) : [...chosen, optionId]) : [optionId]);
  return (
    <section>
      <h1>{poll.question}</h1>
      <p class="meta">{poll.agency?.name} · {poll.isOpen ? t("poll.open") : t("poll.closed")} · {formatDate(poll.closesAt, true)}</p>
      {poll.isOpen && (!token ? <Verify onVerified={setToken} /> : (
        <form onSubmit={vote}>
          <fieldset><legend>{poll.multipleChoice ? t("poll.chooseMany") : t("poll.chooseOne")}</legend>
            {poll.options.map((o) => (
              <label key={o.id} class="choice"><input type={poll.multipleChoice ? "checkbox" : "radio"} name="option"
                checked={chosen.includes(o.id)} onChange={() => toggle(o.id)} /> <span>{o.label}</span></label>
            ))}
          </fieldset>
          <button type="submit" class="primary" disabled={!chosen.length}>{t("poll.vote")}</button>
        </form>
      ))}
      {message && <p class="live" role="status">{message}</p>}
      <h2>{t("poll.results")}</h2>
      {!poll.results ? <p>{t("poll.hidden")}</p> : (
        <table class="data">
          <caption>{t("poll.voters", { n: formatNumber(poll.results.voters) })}{poll.results.final ? " · " + t("poll.final") : ""}</caption>
          <thead><tr><th scope="col">{t("poll.option")}</th><th scope="col">{t("poll.votes")}</th><th scope="col">%</th></tr></thead>
          <tbody>{poll.results.options.map((r) => (
            <tr key={r.option.id}><th scope="row">{r.option.label}</th><td>{formatNumber(r.votes)}</td>
              <td><span class="bar" style={{ width: `${Math.round(r.share * 100)}%` }} aria-hidden="true" />{formatNumber(r.share * 100, 1)}</td></tr>))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function ProposalPage({ id }) {
  const [proposal, setProposal] = useState(undefined);
  const [token, setToken] = useVoter();
  const [message, setMessage] = useState("");
  const load = () => gql(PROPOSAL, { id }).then((d) => setProposal(d.proposal)).catch(() => setProposal(null));
  useEffect(() => { load(); }, [id]);
  if (proposal === undefined) return <section><h1>{t("dialogue.title")}</h1><p>{t("common.loading")}</p></section>;
  if (proposal === null) return <section><h1>{t("notFound.title")}</h1></section>;
  async function support() {
    const { supportProposal: r } = await gql(`mutation($t: String!, $id: ID!) { supportProposal(voterToken: $t, proposalId: $id) {
      __typename ${REFUSAL} } }`, { t: token, id: proposal.id });
    if (r.__typename === "Proposal") { setMessage(t("proposal.supported")); load(); } else setMessage(pick(r.message, r.messageEn));
  }
  const share = Math.min(1, proposal.supportCount / proposal.supportThreshold);
  return (
    <section>
      <h1>{proposal.title}</h1>
      <p class="meta">{proposal.agency?.name} · {proposal.category && pick(proposal.category.label, proposal.category.labelEn)} · {t(`proposal.${proposal.status}`)}</p>
      <p class="text">{proposal.text}</p>
      <p>{t("proposal.progress", { n: proposal.supportCount, of: proposal.supportThreshold })}</p>
      <progress max={proposal.supportThreshold} value={proposal.supportCount} aria-label={t("proposal.progressLabel")}>{Math.round(share * 100)}%</progress>
      <p class="meta">{t("proposal.deadline", { date: formatDate(proposal.deadline) })}</p>
      {proposal.trackingCode && <p>{t("proposal.accepted")} <a href={`#/lacak/${proposal.trackingCode}`}>{proposal.trackingCode}</a></p>}
      {proposal.status !== "EXPIRED" && (!token ? <Verify onVerified={setToken} /> :
        <button type="button" class="primary" onClick={support}>{t("proposal.support")}</button>)}
      {message && <p class="live" role="status">{message}</p>}
    </section>
  );
}
