// Suara's public pages: one small bundle, hash routes, every string from the message files.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { lang, setLang, t } from "./i18n.js";
import { onChange } from "./signal.js";
import "./style.css";
import { Home } from "./pages/home.jsx";
import { Lapor } from "./pages/lapor.jsx";
import { Receipt } from "./pages/receipt.jsx";
import { Track } from "./pages/track.jsx";
import { ServiceList, ServicePage } from "./pages/services.jsx";
import { Lazy } from "./lazy.jsx";

export function currentRoute() {
  const [path, query = ""] = (location.hash.replace(/^#/, "") || "/").split("?");
  return { parts: path.split("/").filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query) };
}

function page({ parts, params }) {
  const [first, second, third] = parts;
  switch (first) {
    case undefined: return <Home />;
    case "lapor": return <Lapor params={params} />;
    case "tanda-terima": return <Receipt code={second} />;
    case "lacak": return <Track code={second} />;
    case "layanan": return second ? <ServicePage slug={second} /> : <ServiceList params={params} />;
    case "dialog": {  // dialogue and transparency pages come in chunks of their own: the first load stays small
      const name = { konsultasi: "ConsultationPage", jajak: "PollPage", usulan: "ProposalPage" }[second] || "DialogueHome";
      return <Lazy key={`dialog-${name}`} load={() => named(import("./pages/dialogue.jsx"), name)} id={third} />;
    }
    case "transparansi":
      return <Lazy key="transparansi" load={() => named(import("./pages/dashboard.jsx"), "Dashboard")} agency={second}
        params={params} />;
    case "peta": return <Lazy load={() => import("./pages/map.jsx")} params={params} />;
    default: return <NotFoundPage />;
  }
}

function named(module, name) {
  return module.then((loaded) => ({ default: loaded[name] }));
}

function NotFoundPage() {
  return <section><h1>{t("notFound.title")}</h1><p><a href="#/">{t("nav.home")}</a></p></section>;
}

const NAV = [["#/lapor", "nav.report"], ["#/lacak", "nav.track"], ["#/peta", "nav.map"], ["#/layanan", "nav.services"],
  ["#/dialog", "nav.dialogue"], ["#/transparansi", "nav.transparency"]];

function App() {
  const [route, setRoute] = useState(currentRoute());
  const [, redraw] = useState(0);
  useEffect(() => {
    const onHash = () => { setRoute(currentRoute()); window.scrollTo(0, 0); };
    window.addEventListener("hashchange", onHash);
    const stop = onChange(() => redraw((n) => n + 1));
    document.documentElement.lang = lang.value;
    return () => { window.removeEventListener("hashchange", onHash); stop(); };
  }, []);
  useEffect(() => {
    const heading = document.querySelector("main h1");
    document.title = `${heading ? heading.textContent + " — " : ""}Suara`;
  });
  const here = "#/" + (route.parts[0] || "");
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main").focus(); }}>
        {t("nav.skip")}
      </a>
      <header class="top">
        <a class="brand" href="#/">Suara</a>
        <nav aria-label={t("nav.label")}>
          <ul>
            {NAV.map(([href, key]) => (
              <li key={href}><a href={href} aria-current={here === href ? "page" : undefined}>{t(key)}</a></li>
            ))}
          </ul>
        </nav>
        <button type="button" class="lang" onClick={() => setLang(lang.value === "id" ? "en" : "id")}
          lang={lang.value === "id" ? "en" : "id"} aria-label={t("nav.switchLanguageLabel")}>
          {t("nav.switchLanguage")}
        </button>
      </header>
      <main id="main" tabIndex={-1}>{page(route)}</main>
      <footer class="bottom">
        <p>{t("footer.sms")}</p>
        <p><a href="/open-data/methodology">{t("footer.methodology")}</a> · <a href="/graphql">GraphQL</a> · <a href="/petugas/">{t("footer.staff")}</a></p>
      </footer>
    </>
  );
}

const root = document.getElementById("app");
root.textContent = ""; // drop the "loading" placeholder of index.html
render(<App />, root);
