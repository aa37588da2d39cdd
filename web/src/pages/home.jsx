import { t } from "../i18n.js";

export function Home() {
  const cards = [
    ["#/lapor", "home.report.title", "home.report.text"],
    ["#/lacak", "home.track.title", "home.track.text"],
    ["#/layanan", "home.services.title", "home.services.text"],
    ["#/dialog", "home.dialogue.title", "home.dialogue.text"],
    ["#/transparansi", "home.transparency.title", "home.transparency.text"],
  ];
  return (
    <section>
      <h1>{t("home.title")}</h1>
      <p class="lead">{t("home.lead")}</p>
      <ul class="cards">
        {cards.map(([href, title, text]) => (
          <li key={href}><a href={href}><strong>{t(title)}</strong><span>{t(text)}</span></a></li>
        ))}
      </ul>
      <p class="note">{t("home.sms")}</p>
    </section>
  );
}
