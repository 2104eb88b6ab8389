// The projector wall: columns per table, newest on top, live through Socket.IO.
import { fillCard, newCard } from "./cards.js";
import { EVENTS, connectLive, pageData, showConnection, startTimer } from "./live.js";
import { followRound } from "./rotation.js";
import { pageFeeds } from "./wall_paging.js";
import { mountWallViews } from "./wall_views.js";

const data = pageData();
const context = { kinds: data.kinds, perspectives: data.perspectives, strings: data.strings };
let settings = data.state.settings;
let tableIds = data.state.tables.map((t) => t.id).join(",");

const number = new Intl.NumberFormat(document.documentElement.lang).format; // 1.200 in Dutch
const plural = new Intl.PluralRules(document.documentElement.lang);
// "1 inzicht", "2 inzichten": both forms come from the catalogue, the rule from the language.
const insightsWord = (n) => (plural.select(n) === "one" ? data.strings.insight_one : data.strings.insight_other);
function showCount(countEl, n) {
  countEl.textContent = number(n);
  const word = countEl.parentElement.querySelector("[data-insights-word]");
  if (word) word.textContent = insightsWord(n);
}
const column = (tableId) => document.querySelector(`.wall-column[data-table-id="${tableId}"]`);
const cardOf = (id) => document.querySelector(`.insight[data-id="${id}"]`);

function place(card, feed, payload) {
  // Pinned first, then newest first (ids grow with time).
  const siblings = [...feed.children].filter((c) => c !== card);
  const before = siblings.find((other) => {
    const otherPinned = other.classList.contains("is-pinned");
    if (payload.pinned !== otherPinned) return payload.pinned;
    return Number(other.dataset.id) < payload.id;
  });
  feed.insertBefore(card, before || null);
}

function refreshCounts() {
  let total = 0;
  for (const section of document.querySelectorAll(".wall-column")) {
    const n = section.querySelectorAll(".insight").length;
    if (!settings.silent) {
      showCount(section.querySelector("[data-table-count]"), n);
      total += n;
    }
    section.querySelector("[data-empty]").hidden = n > 0 || settings.silent;
  }
  if (!settings.silent) showCount(document.getElementById("count-insights"), total);
}

function showInsight(payload) {
  const existing = cardOf(payload.id);
  if (payload.status !== "visible" || !payload.text) {
    existing?.remove();
    refreshCounts();
    return;
  }
  const feed = column(payload.table_id)?.querySelector("[data-feed]");
  if (!feed) return;
  if (existing) {
    const moved = existing.classList.contains("is-pinned") !== Boolean(payload.pinned);
    fillCard(existing, payload, context);
    if (moved || existing.parentElement !== feed) place(existing, feed, payload);
  } else {
    const card = newCard(payload, context);
    card.classList.add("is-new");
    place(card, feed, payload);
  }
  refreshCounts();
}

function showSilentCounts(counts) {
  if (!counts || !counts.tables) return;
  showCount(document.getElementById("count-insights"), counts.insights);
  for (const [tableId, n] of Object.entries(counts.tables)) {
    const el = column(tableId)?.querySelector("[data-table-count]");
    if (el && settings.silent) showCount(el, n);
  }
}

function applySession(state) {
  if (state.counts && !state.state) return showSilentCounts(state.counts);
  const ids = state.tables.map((t) => t.id).join(",");
  if (ids !== tableIds) return window.location.reload(); // tables added, removed or reordered
  for (const table of state.tables) {
    const section = column(table.id);
    section.querySelector("h2").textContent = table.name;
    section.querySelector(".column-question").textContent = table.question;
  }
  const badge = document.getElementById("state-badge");
  badge.dataset.state = state.state;
  badge.textContent = data.strings[state.state] || state.state;
  const authorsChanged = settings.hide_authors !== state.settings.hide_authors;
  settings = state.settings;
  document.querySelector(".wall").dataset.view = settings.wall_view;
  const light = settings.wall_theme === "light";
  document.body.classList.toggle("theme-light", light);
  document.body.classList.toggle("theme-dark", !light);
  document.querySelectorAll("[data-silent]").forEach((el) => (el.hidden = !settings.silent));
  if (settings.silent) showSilentCounts(state.counts);
  if (authorsChanged) live.resync(0);
  refreshCounts();
}

function showSpotlight(insight) {
  const overlay = document.getElementById("spotlight");
  overlay.hidden = !insight;
  if (!insight) return;
  const table = data.state.tables.find((t) => t.id === insight.table_id);
  overlay.querySelector("[data-spotlight-table]").textContent = table ? table.name : "";
  overlay.querySelector("[data-spotlight-text]").textContent = insight.text;
  // A spotlit photo (a table's flip chart) shows at full size: the thumbnail is too coarse for it.
  const photo = overlay.querySelector("[data-spotlight-photo]");
  photo.hidden = !insight.photo;
  if (insight.photo) photo.src = insight.photo.url;
  else photo.removeAttribute("src");
  overlay.querySelector("[data-spotlight-author]").textContent =
    insight.author && insight.author.name ? `— ${insight.author.name}` : "";
}

const setTimer = startTimer(document.getElementById("timer"), data.strings);
setTimer(data.state.round.ends_at);

const live = connectLive({
  code: data.code,
  role: "wall",
  initialInsights: data.insights,
  initialSeq: data.state.seq,
  handlers: {
    insight: (payload) => {
      showInsight(payload);
      views.changed();
    },
    session: (state) => {
      if (state.tables) data.state = { ...data.state, ...state };
      applySession(state);
    },
    round: (round) => {
      const label = document.getElementById("round-label");
      label.hidden = !round.number;
      label.querySelector("[data-round-number]").textContent = round.number;
      label.querySelector("[data-round-title]").textContent = round.title || "";
      setTimer(round.ends_at);
    },
    spotlight: showSpotlight,
    status: showConnection,
  },
});
const views = mountWallViews(live, data);
showSpotlight(data.spotlight);
refreshCounts();

// --- closing view: the table hosts' summaries (wall_view "summaries") ----------------------------

function showSummaries(state) {
  if (!state.tables) return;
  for (const table of state.tables) {
    const card = document.querySelector(`[data-summary-table="${table.id}"]`);
    if (!card) continue;
    card.querySelector("[data-summary-name]").textContent = table.name;
    card.querySelector("[data-summary-host]").textContent = table.host ? `${data.strings.table_host}: ${table.host}` : "";
    card.querySelector("[data-summary-text]").textContent = table.summary || "";
    card.querySelector("[data-summary-empty]").hidden = Boolean(table.summary);
  }
}
live.socket.on(EVENTS.SESSION_UPDATE, showSummaries);
followRound(live.socket, data.state, { hint: document.getElementById("rotation-hint"), strings: data.strings });
