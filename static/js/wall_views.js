// The wall's views besides the table columns: by perspective, the perspective compass (SVG, drawn
// here: no chart library), stats with word clouds, and the table mix. The console switches them
// with the `wall_view` setting; `wall_sort` ("newest" | "votes") orders every column.
// Insight views read the live store (live.js); stats and the table mix read /stats.
import { newCard } from "./cards.js";
import { EVENTS } from "./live.js";
import { pageFeeds } from "./wall_paging.js";

const SVG = "http://www.w3.org/2000/svg";
const STATS_VIEWS = new Set(["stats", "mix"]);
const MAX_CARDS = 120; // per perspective column: paged on the wall, a few pages at most
const POLL_MS = 10000; // joins send no event to walls: the table mix polls while it is shown

export function mountWallViews(live, data) {
  const own = JSON.parse(document.getElementById("wall-views-data").textContent);
  const strings = { ...data.strings, ...own.strings };
  const context = { kinds: data.kinds, perspectives: data.perspectives, strings };
  const wall = document.querySelector(".wall");
  let state = data.state;
  let stats = null;
  let renderTimer = null;
  let statsTimer = null;
  let lastFetch = 0;
  const pager = pageFeeds(strings, ".wall-column [data-feed], .perspective-column [data-feed], .theme-column [data-feed]");
  let themes = own.themes || [];
  const plural = new Intl.PluralRules(document.documentElement.lang);
  const insightsWord = (n) => (plural.select(n) === "one" ? strings.insight_one : strings.insight_other);

  const setting = (name, fallback) => (state.settings && state.settings[name]) || fallback;
  const view = () => setting("wall_view", "tables");
  const tableOf = (id) => state.tables.find((t) => t.id === id);
  const visible = () => [...live.insights.values()].filter((i) => i.status === "visible" && i.text);

  function byOrder(a, b) {
    if (Boolean(a.pinned) !== Boolean(b.pinned)) return a.pinned ? -1 : 1;
    if (setting("wall_sort", "newest") === "votes" && (b.votes || 0) !== (a.votes || 0)) {
      return (b.votes || 0) - (a.votes || 0);
    }
    return b.id - a.id;
  }

  // --- tables view: order the columns wall.js fills ----------------------------------------------
  function sortTableColumns() {
    for (const feed of document.querySelectorAll(".wall-column [data-feed]")) {
      const cards = [...feed.children];
      const payload = (card) => live.insights.get(Number(card.dataset.id)) || { id: Number(card.dataset.id) };
      const sorted = [...cards].sort((a, b) => byOrder(payload(a), payload(b)));
      if (!sorted.some((card, i) => card !== cards[i])) continue;
      // Moving a card re-inserts it: drop a finished arrival animation so it does not replay.
      for (const card of cards) if (!card.getAnimations().length) card.classList.remove("is-new");
      feed.replaceChildren(...sorted);
    }
  }

  // --- by perspective ----------------------------------------------------------------------------
  function renderPerspectives() {
    const insights = visible().sort(byOrder);
    for (const column of document.querySelectorAll(".perspective-column")) {
      const key = column.dataset.perspective;
      const mine = insights.filter((i) => (i.perspectives || []).includes(key));
      column.querySelector("[data-perspective-count]").textContent = mine.length;
      column.querySelector("[data-insights-word]").textContent = insightsWord(mine.length);
      column.querySelector("[data-empty]").hidden = mine.length > 0;
      column.classList.toggle("is-blind", mine.length === 0);
      const cards = mine.slice(0, MAX_CARDS).map((payload) => {
        const card = newCard(payload, context);
        const table = tableOf(payload.table_id);
        if (table) card.classList.add(`colour-${table.colour}`);
        const label = document.createElement("span");
        label.className = "card-table";
        label.textContent = table ? table.name : "";
        card.querySelector(".insight-meta").append(label);
        return card;
      });
      column.querySelector("[data-feed]").replaceChildren(...cards);
    }
  }

  // --- themes across tables: a column per theme, its votes on top, its insights below ------------
  function renderThemes() {
    const insights = visible();
    const grid = document.querySelector("[data-theme-columns]");
    const count = themes.length;
    const columns = count <= 4 ? Math.max(count, 1) : count <= 6 ? 3 : 4;
    grid.className = `theme-columns cols-${columns}${count > columns ? " two-rows" : ""}`;
    document.querySelector("[data-themes-empty]").hidden = count > 0;
    const voteWord = (n) => (plural.select(n) === "one" ? strings.vote_one : strings.vote_other);
    const sections = themes.map((theme) => {
      const mine = insights
        .filter((i) => i.theme_id === theme.id)
        .sort((a, b) => (b.votes || 0) - (a.votes || 0) || b.id - a.id);
      const section = element("section", "theme-column");
      section.dataset.themeId = theme.id;
      const head = element("header", "theme-head");
      const votes = element("p", "theme-votes");
      votes.append(element("strong", "", String(theme.votes)), ` ${voteWord(theme.votes)}`);
      const counted = element("p", "column-count");
      const n = element("span", "", `${mine.length} ${insightsWord(mine.length)}`);
      const position = element("span", "column-position");
      position.dataset.position = "";
      position.hidden = true;
      counted.append(n, position);
      head.append(element("h2", "", theme.name), votes, counted);
      const feed = element("div", "column-feed");
      feed.dataset.feed = "";
      feed.replaceChildren(
        ...mine.slice(0, MAX_CARDS).map((payload) => {
          const card = newCard(payload, context);
          const table = tableOf(payload.table_id);
          if (table) card.classList.add(`colour-${table.colour}`);
          const label = element("span", "card-table", table ? table.name : "");
          card.querySelector(".insight-meta").append(label);
          return card;
        }),
      );
      section.append(head, feed);
      if (!mine.length) section.append(element("p", "column-empty", strings.theme_empty));
      return section;
    });
    grid.replaceChildren(...sections);
  }

  // --- perspective compass -----------------------------------------------------------------------
  function compassCounts() {
    const counts = new Map(state.tables.map((t) => [t.id, Object.fromEntries(data.perspectives.map((p) => [p.key, 0]))]));
    const totals = new Map(state.tables.map((t) => [t.id, 0]));
    for (const insight of visible()) {
      const row = counts.get(insight.table_id);
      if (!row) continue;
      totals.set(insight.table_id, totals.get(insight.table_id) + 1);
      for (const key of insight.perspectives || []) if (key in row) row[key] += 1;
    }
    return { counts, totals };
  }

  function svg(name, attributes = {}, text) {
    const element = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
    if (text !== undefined) element.textContent = text;
    return element;
  }

  // A word too long for a line breaks at its soft hyphen nearest the middle ("Renovatie-", "aanbod").
  function splitWord(word, width) {
    const plain = word.replaceAll("\u00ad", "");
    if (plain.length <= width || !word.includes("\u00ad")) return [plain];
    const parts = word.split("\u00ad");
    let best = 1;
    let bestGap = Infinity;
    for (let i = 1; i < parts.length; i += 1) {
      const gap = Math.abs(parts.slice(0, i).join("").length - plain.length / 2);
      if (gap <= bestGap) [best, bestGap] = [i, gap]; // on a tie the longer first part: "Renovatie-aanbod"
    }
    return [`${parts.slice(0, best).join("")}-`, parts.slice(best).join("")];
  }

  function wrapLabel(text, width = 13) {
    const lines = [""];
    for (const word of text.split(" ").flatMap((w) => splitWord(w, width))) {
      const line = lines[lines.length - 1];
      if (line && (line + " " + word).length > width) lines.push(word);
      else lines[lines.length - 1] = line ? `${line} ${word}` : word;
    }
    if (lines.length > 2) lines.splice(2, lines.length, `${lines[2]}…`.slice(0, width));
    return lines;
  }

  // A radar per table: one axis per perspective, numbers at the axis ends, blind spots (0) dashed
  // amber. Labels sit above or below their axis end, centred on it, so long names never clip.
  function compassChart(table, row, max) {
    const width = 600;
    const height = 660;
    const cx = width / 2;
    const cy = height / 2;
    const radius = 170;
    const axes = data.perspectives;
    const angle = (i) => -Math.PI / 2 + (2 * Math.PI * i) / axes.length;
    const point = (i, r) => [cx + r * Math.cos(angle(i)), cy + r * Math.sin(angle(i))];
    const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "compass", role: "img", "data-table-id": table.id });
    chart.append(svg("title", {}, table.name));
    for (const level of [0.25, 0.5, 0.75, 1]) {
      const ring = axes.map((_, i) => point(i, radius * level).join(",")).join(" ");
      chart.append(svg("polygon", { points: ring, class: level === 1 ? "compass-ring outer" : "compass-ring" }));
    }
    axes.forEach((p, i) => {
      const [x, y] = point(i, radius);
      chart.append(svg("line", { x1: cx, y1: cy, x2: x, y2: y, class: row[p.key] ? "compass-axis" : "compass-axis is-blind" }));
    });
    const shape = axes.map((p, i) => point(i, (radius * row[p.key]) / max).join(",")).join(" ");
    chart.append(svg("polygon", { points: shape, class: "compass-shape" }));
    axes.forEach((p, i) => {
      const value = row[p.key];
      if (value) {
        const [px, py] = point(i, (radius * value) / max);
        chart.append(svg("circle", { cx: px, cy: py, r: 9, class: "compass-dot" }));
      }
    });
    axes.forEach((p, i) => {
      const value = row[p.key];
      const [ex, ey] = point(i, radius);
      const sin = Math.sin(angle(i));
      const cos = Math.cos(angle(i));
      const lines = wrapLabel(p.hyphenated || p.short, 11);
      const valueSize = 50;
      const lineSize = 33;
      const blockHeight = valueSize + lines.length * lineSize;
      // Above the chart's middle: the block ends just above the axis end; below: starts under it.
      const sideways = Math.abs(sin) < 0.2;
      let top = sin < 0 ? ey - 14 - blockHeight : ey + 14;
      if (sideways) top = ey - blockHeight / 2;
      const x = sideways ? ex + (cos > 0 ? 18 : -18) : ex;
      const anchor = sideways ? (cos > 0 ? "start" : "end") : "middle";
      const group = svg("g", { class: value ? "compass-label" : "compass-label is-blind", "data-perspective": p.key });
      group.append(svg("text", { x, y: top + valueSize - 8, "text-anchor": anchor, class: "compass-value", "data-perspective": p.key }, String(value)));
      lines.forEach((line, n) => {
        group.append(svg("text", { x, y: top + valueSize + (n + 1) * lineSize - 6, "text-anchor": anchor, class: "compass-name" }, line));
      });
      chart.append(group);
    });
    return chart;
  }

  function renderCompass() {
    const { counts, totals } = compassCounts();
    let max = 1;
    for (const row of counts.values()) for (const n of Object.values(row)) max = Math.max(max, n);
    const cards = state.tables.map((table) => {
      const card = document.createElement("article");
      card.className = `compass-card colour-${table.colour}`;
      card.dataset.tableId = table.id;
      const head = document.createElement("h3");
      head.textContent = table.name;
      const count = document.createElement("p");
      count.className = "compass-count";
      count.textContent = `${totals.get(table.id)} ${insightsWord(totals.get(table.id))}`;
      card.append(head, count, compassChart(table, counts.get(table.id), max));
      return card;
    });
    const grid = document.querySelector("[data-compass]");
    grid.className = `compass-grid cols-${Math.min(Math.max(state.tables.length, 1), 4)}`;
    grid.replaceChildren(...cards);
  }

  // --- stats and the table mix (from /stats) -----------------------------------------------------
  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function wordCloud(target, words, limit) {
    const chosen = (words || []).slice(0, limit);
    if (!chosen.length) {
      target.replaceChildren(element("p", "muted-note", strings.no_words));
      return;
    }
    const top = chosen[0][1];
    const low = chosen[chosen.length - 1][1];
    const RANK_TIERS = [4, 3, 3, 2, 2, 2]; // only a few words may be big, however even the counts
    const spans = chosen.map(([word, n], index) => {
      const byCount = top === low ? 1 : Math.round((4 * (n - low)) / (top - low));
      const tier = Math.min(byCount, RANK_TIERS[index] ?? (index < 12 ? 1 : 0));
      const span = element("span", `word w${tier}`, word);
      span.dataset.count = n;
      span.title = `${word}: ${n}`;
      span.style.order = String(index % 2 ? index : -index); // biggest words in the middle
      return span;
    });
    target.replaceChildren(...spans);
    fitCloud(target, spans);
  }

  // The cloud's box (a stats card or panel) clips: drop the least frequent words until it fits,
  // so no word is ever shown cut in half.
  function fitCloud(target, spans) {
    const box = target.closest(".stats-table, .stats-panel");
    if (!box || !box.clientHeight) return;
    const overflowing = () =>
      box.scrollHeight > box.clientHeight + 1 ||
      target.getBoundingClientRect().bottom > box.getBoundingClientRect().bottom;
    for (let i = spans.length - 1; i > 0 && overflowing(); i -= 1) spans[i].remove();
  }

  function kindRow(kinds) {
    const list = element("ul", "kind-counts");
    for (const kind of data.kinds) {
      const n = (kinds || {})[kind.key] || 0;
      const item = element("li", n ? "" : "is-zero");
      item.dataset.kind = kind.key;
      item.append(element("span", "kind-icon", kind.icon || ""), element("strong", "", String(n)), element("span", "kind-name", kind.label));
      list.append(item);
    }
    return list;
  }

  function renderStats() {
    if (!stats) return;
    const cards = stats.tables.map((row) => {
      const table = tableOf(row.id) || { colour: 0, name: row.name };
      const card = element("article", `stats-table colour-${table.colour}`);
      card.dataset.tableId = row.id;
      const numbers = element("p", "stats-numbers");
      const [before, after] = strings.recognised.split("{n}"); // "7× herkend", "recognised 7×"
      numbers.append(element("strong", "", String(row.insights)), ` ${insightsWord(row.insights)} · ${before}`, element("strong", "", String(row.votes || 0)), after);
      const cloud = element("div", "word-cloud");
      wordCloud(cloud, row.words, 14);
      card.append(element("h2", "", table.name), numbers, kindRow(row.kinds), cloud);
      return card;
    });
    const tables = document.querySelector("[data-stats-tables]");
    tables.className = `stats-tables cols-${Math.min(Math.max(stats.tables.length, 1), 4)}`;
    tables.replaceChildren(...cards);
    for (const cloud of tables.querySelectorAll(".word-cloud")) fitCloud(cloud, [...cloud.children]);

    const top = (stats.top || []).slice(0, 5).map((item, index) => {
      const table = tableOf(item.table_id);
      const li = element("li", `top-item colour-${table ? table.colour : 0}`);
      li.dataset.id = item.id;
      li.append(
        element("span", "top-rank", String(index + 1)),
        element("span", "top-text", item.text),
        element("span", "top-votes", `🙋 ${item.votes}`),
      );
      return li;
    });
    document.querySelector("[data-top]").replaceChildren(...top);
    const panel = document.querySelector("[data-top]").closest(".stats-panel");
    while (top.length > 1 && panel.scrollHeight > panel.clientHeight + 1) top.pop().remove(); // whole items only
    document.querySelector("[data-top-empty]").hidden = top.length > 0;
    wordCloud(document.querySelector("[data-words]"), stats.words, 36);
  }

  function orgLabel(key) {
    if (key === "unknown") return strings.not_given;
    const found = own.organisation_types.find((o) => o.key === key);
    return found ? found.label : key;
  }

  function renderMix() {
    if (!stats) return;
    const keys = [...own.organisation_types.map((o) => o.key), "unknown"];
    let max = 1;
    for (const row of stats.tables) for (const n of Object.values(row.organisation_types)) max = Math.max(max, n);
    const cards = stats.tables.map((row) => {
      const table = tableOf(row.id) || { colour: 0, name: row.name };
      const seated = Object.values(row.organisation_types).reduce((a, b) => a + b, 0);
      const card = element("article", `mix-table colour-${table.colour}`);
      card.dataset.tableId = row.id;
      card.append(element("h3", "", table.name), element("p", "mix-seated", `${seated} ${strings.seated}`));
      const list = element("ul", "mix-bars");
      for (const key of keys) {
        const n = row.organisation_types[key] || 0;
        if (key === "unknown" && !n) continue;
        const item = element("li", n ? "" : "is-zero");
        item.dataset.organisationType = key;
        const bar = element("span", "mix-bar");
        bar.style.setProperty("--share", String(n / max));
        item.append(element("span", "mix-name", orgLabel(key)), bar, element("strong", "mix-count", n ? String(n) : "–"));
        list.append(item);
      }
      card.append(list);
      return card;
    });
    const grid = document.querySelector("[data-mix]");
    grid.className = `mix-grid cols-${Math.min(Math.max(stats.tables.length, 1), 4)}`;
    grid.replaceChildren(...cards);
  }

  async function fetchStats() {
    lastFetch = Date.now();
    try {
      const response = await fetch(`/api/v1/sessions/${data.code}/stats`, { credentials: "same-origin" });
      if (!response.ok) return;
      stats = await response.json();
      if (view() === "stats") renderStats();
      if (view() === "mix") renderMix();
      wall.dataset.statsReady = "true";
    } catch {
      // offline: the next change or poll tries again
    }
  }

  // --- scheduling ----------------------------------------------------------------------------------
  function render() {
    renderTimer = null;
    const current = view();
    sortTableColumns();
    if (current === "perspectives") renderPerspectives();
    if (current === "compass") renderCompass();
    if (current === "themes") renderThemes();
    if (current === "tables" || current === "perspectives" || current === "themes") pager.relayout();
    if (STATS_VIEWS.has(current)) {
      // At most one /stats request per 1.5 s however fast insights arrive.
      const wait = Math.max(0, 1500 - (Date.now() - lastFetch));
      clearTimeout(statsTimer);
      statsTimer = setTimeout(fetchStats, wait);
    }
    wall.dataset.rendered = current;
  }

  function schedule(delay = 120) {
    if (renderTimer === null) renderTimer = setTimeout(render, delay);
  }

  const sessionFingerprint = data.state.tag_set;
  live.socket.on(EVENTS.SESSION_UPDATE, (update) => {
    if (!update.settings) return;
    if (update.tag_set && sessionFingerprint && update.tag_set !== sessionFingerprint) {
      window.location.reload(); // new labels come with the page
      return;
    }
    const switched = update.settings.wall_view !== view();
    state = { ...state, ...update };
    wall.dataset.view = view(); // wall.js does this too; here so the order of listeners never matters
    if (switched) delete wall.dataset.rendered;
    schedule(0);
  });
  live.socket.on(EVENTS.THEME_UPDATE, (update) => {
    themes = update.themes || [];
    if (view() === "themes") schedule(0);
  });
  setInterval(() => {
    if (STATS_VIEWS.has(view()) && document.visibilityState === "visible") fetchStats();
  }, POLL_MS);
  schedule(0);
  return { changed: () => schedule() }; // wall.js calls it for every insight change
}
