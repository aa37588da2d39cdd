// Suara's officers' workspace at /petugas/: sign in, inbox, item page, triage queue. Hash routes,
// every string from the workspace's message files, everything through /graphql.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { gql, setCsrf, whenSignInRequired } from "./api.js";
import { lang, setLang, t } from "./i18n.js";
import { onChange } from "../signal.js";
import "../style.css";
import "./petugas.css";
import { SignIn } from "./signin.jsx";
import { Inbox } from "./inbox.jsx";
import { Item } from "./item.jsx";
import { TriageQueue } from "./triage.jsx";
import { ChangePassword } from "./password.jsx";
import { AgencyAdmin } from "./admin.jsx";
import { Performance } from "./performance.jsx";
import { Lazy } from "../lazy.jsx";
import { ContactAccessLog } from "./access_log.jsx";

export function currentRoute() {
  const [path, query = ""] = (location.hash.replace(/^#/, "") || "/").split("?");
  return { parts: path.split("/").filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query) };
}

/** Send the user to sign in, remembering where they were. */
export function goSignIn() {
  const here = location.hash.replace(/^#/, "");
  if (here.startsWith("/masuk")) return;
  location.hash = "#/masuk" + (here && here !== "/" ? "?ke=" + encodeURIComponent(here) : "");
}

function isAdmin(me) {
  return me.role === "agency_admin" || me.role === "triage_admin";
}

function home(me) {
  return me && me.role === "triage_admin" ? "#/triase" : "#/kotak-masuk";
}

function App() {
  const [route, setRoute] = useState(currentRoute());
  const [me, setMe] = useState(undefined); // undefined: not known yet; null: signed out
  const [, redraw] = useState(0);

  useEffect(() => {
    const onHash = () => setRoute(currentRoute());
    window.addEventListener("hashchange", onHash);
    const stop = onChange(() => redraw((n) => n + 1));
    document.documentElement.lang = lang.value;
    whenSignInRequired(() => { setMe(null); goSignIn(); });
    gql("{ me { email role mustChangePassword agency { slug name shortName } } }")
      .then((data) => { setMe(data.me); if (!data.me) goSignIn(); })
      .catch(() => setMe(null));
    return () => { window.removeEventListener("hashchange", onHash); stop(); };
  }, []);
  useEffect(() => {
    const heading = document.querySelector("main h1");
    document.title = `${heading ? heading.textContent + " — " : ""}Suara Petugas`;
  });

  async function signOut() {
    try { await gql("mutation { logout }"); } catch (error) { /* signed out either way */ }
    setCsrf(null);
    setMe(null);
    location.hash = "#/masuk";
  }

  function signedIn(who, back) {
    setMe(who);
    location.hash = back ? "#" + back : home(who);
  }

  const [first, second] = route.parts;
  let content;
  if (me === undefined) content = <p>{t("common.loading")}</p>;
  else if (first === "masuk") content = <SignIn back={route.params.get("ke")} onSignedIn={signedIn} />;
  else if (!me) content = <SignIn back={location.hash.replace(/^#/, "")} onSignedIn={signedIn} />;
  else if (me.mustChangePassword) content = <ChangePassword onChanged={(who) => setMe(who)} />;
  else if (first === "item") content = <Item id={second} me={me} />;
  else if (first === "triase") content = <TriageQueue me={me} params={route.params} />;
  else if (first === "admin") content = <AgencyAdmin me={me} />;
  else if (first === "akses-kontak" && isAdmin(me)) content = <ContactAccessLog />;
  else if (first === "kinerja" && me.agency) content = <Performance me={me} />;
  else if (first === "peta" && me.agency) content = <Lazy load={() => import("./map.jsx")} />;
  else if (first === "kotak-masuk") content = <Inbox params={route.params} me={me} />;
  else { location.replace(home(me)); content = null; }

  const here = "#/" + (first || "");
  const nav = me && !me.mustChangePassword ? [["#/kotak-masuk", "nav.inbox"], ["#/peta", "nav.map"], ["#/kinerja", "nav.performance"]].concat(me.role === "triage_admin" ? [["#/triase", "nav.triage"]] : [])
    .concat(isAdmin(me) ? [["#/admin", "nav.admin"], ["#/akses-kontak", "nav.access"]] : []) : [];
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main").focus(); }}>
        {t("nav.skip")}
      </a>
      <header class="top">
        <a class="brand" href={me ? home(me) : "#/masuk"}>{t("nav.brand")}</a>
        {nav.length > 0 && (
          <nav aria-label={t("nav.label")}>
            <ul>
              {nav.map(([href, key]) => (
                <li key={href}><a href={href} aria-current={here === href ? "page" : undefined}>{t(key)}</a></li>
              ))}
            </ul>
          </nav>
        )}
        <button type="button" class="lang" onClick={() => setLang(lang.value === "id" ? "en" : "id")}
          lang={lang.value === "id" ? "en" : "id"} aria-label={t("nav.switchLanguageLabel")}>
          {t("nav.switchLanguage")}
        </button>
        {me && <button type="button" class="lang signout" onClick={signOut}>{t("nav.signOut")}</button>}
      </header>
      {me && <p class="who">{t("nav.signedInAs", { email: me.email, agency: me.agency ? me.agency.shortName : "—", role: t("role." + me.role) })}</p>}
      <main id="main" tabIndex={-1} class="workspace">{content}</main>
      <footer class="bottom"><p><a href="/">{t("nav.public")}</a></p></footer>
    </>
  );
}

const root = document.getElementById("app");
root.textContent = "";
render(<App />, root);
