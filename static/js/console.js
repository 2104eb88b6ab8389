// The facilitator console: every action is a call to the HTTP API with the facilitator key;
// the results come back live over Socket.IO, so several facilitators see each other's actions.
import { fillCard, newCard } from "./cards.js";
import { mountConsoleThemes } from "./console_themes.js";
import { EVENTS, connectLive, pageData, showConnection, startTimer } from "./live.js";
import { secondClickDoes } from "./two_clicks.js";

const data = pageData();
const strings = data.strings;
const context = { kinds: data.kinds, perspectives: data.perspectives, strings };
const base = `/api/v1/sessions/${data.code}`;
const feed = document.getElementById("feed");
const pending = document.getElementById("pending");
const errorBox = document.getElementById("console-error");
const $ = (id) => document.getElementById(id);
let sessionState = data.state;
let spotlightId = null;
let mergeSource = null;
let rotating = false;
let tablesById = new Map(data.state.tables.map((t) => [t.id, t]));

async function call(method, path, body) {
  errorBox.hidden = true;
  const response = await fetch(base + path, {
    method,
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${data.key}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    showError(answer.error ? answer.error.message : response.statusText);
    throw new Error(errorBox.textContent);
  }
  return answer;
}

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => (errorBox.hidden = true), 8000);
}

// Buttons call the API; a failed call has already shown its message, so the rejection is handled.
const act = (promise) => promise.catch(() => {});

// --- insights -----------------------------------------------------------------------------------

const cardOf = (id) => document.querySelector(`.insight[data-id="${id}"]`);

function decorate(card, payload) {
  // Console-only notes under the text: the original of an edited text, and where a merge went.
  card.dataset.status = payload.status;
  card.classList.toggle("is-merged", Boolean(payload.merged_into));
  card.classList.toggle("is-spotlit", payload.id === spotlightId);
  card.classList.toggle("is-withheld", Boolean(payload.withheld));
  const table = tablesById.get(payload.table_id);
  card.className = card.className.replace(/\bcolour-\d+\b/g, "").trim();
  if (table) card.classList.add(`colour-${table.colour}`);
  let tag = card.querySelector(".table-tag");
  if (!tag) {
    tag = Object.assign(document.createElement("span"), { className: "table-tag" });
    card.querySelector(".insight-meta").prepend(tag);
  }
  tag.textContent = table ? table.name : "";
  let note = card.querySelector(".console-note");
  const parts = [];
  if (payload.original_text) parts.push(`${strings.edited} · ${strings.original}: “${payload.original_text}”`);
  if (payload.merged_into) {
    const kept = cardOf(payload.merged_into)?.querySelector(".insight-text")?.textContent;
    parts.push(`${strings.merged_into}: “${kept ? kept.slice(0, 80) : `#${payload.merged_into}`}”`);
  }
  if (!parts.length) return note?.remove();
  if (!note) {
    note = document.createElement("p");
    note.className = "console-note";
    card.querySelector(".insight-text").after(note);
  }
  note.textContent = parts.join(" · ");
}

function placeCard(card, payload) {
  const target = payload.status === "pending" ? pending : feed;
  if (card.parentElement === target) return;
  // Oldest first in the queue (first come, first approved); newest first in the feed.
  const siblings = [...target.children].filter((c) => c !== card);
  const before =
    target === pending
      ? siblings.find((c) => Number(c.dataset.id) > payload.id)
      : siblings.find((c) => Number(c.dataset.id) < payload.id);
  target.insertBefore(card, before || null);
}

function showInsight(payload) {
  if (payload.status === "withdrawn") {
    // Its author took it back: it leaves the console too (only a tombstone is left on the server).
    cardOf(payload.id)?.remove();
    refreshCounts();
    return;
  }
  if (payload.text === undefined) return; // stubs are for walls and phones
  let card = cardOf(payload.id);
  if (card) {
    if (!card.querySelector(".edit-form")) fillCard(card, payload, context);
  } else {
    card = newCard(payload, context);
    card.classList.add("is-new");
  }
  decorate(card, payload);
  themes.decorate(card, payload);
  placeCard(card, payload);
  refreshCounts();
  applyFilters();
}

function refreshCounts() {
  const queued = pending.querySelectorAll(".insight").length;
  $("count-pending").textContent = queued;
  $("queue").classList.toggle("has-items", queued > 0);
  $("queue-empty").hidden = queued > 0;
  $("approve-all").hidden = queued < 2;
  const visible = [...feed.querySelectorAll(".insight")].filter((c) => c.dataset.status === "visible");
  $("count-insights").textContent = visible.length;
  for (const row of document.querySelectorAll(".table-row")) {
    row.querySelector("[data-table-count]").textContent = visible.filter(
      (c) => c.dataset.tableId === row.dataset.tableId,
    ).length;
  }
  $("feed-empty").hidden = feed.children.length > 0;
}

function applyFilters() {
  const status = $("filter-status").value;
  const table = $("filter-table").value;
  for (const card of feed.querySelectorAll(".insight")) {
    const statusOk =
      status === "all" ||
      (status === "pinned" ? card.classList.contains("is-pinned") : card.dataset.status === status);
    card.hidden = !statusOk || (table && card.dataset.tableId !== table);
  }
}
$("filter-status").addEventListener("change", applyFilters);
$("filter-table").addEventListener("change", applyFilters);

const PATCHES = {
  approve: { status: "visible" },
  restore: { status: "visible" },
  hide: { status: "hidden" },
  pin: { pinned: true },
  unpin: { pinned: false },
};

function startEdit(card) {
  if (card.querySelector(".edit-form")) return;
  const text = card.querySelector(".insight-text");
  const form = document.createElement("form");
  form.className = "edit-form";
  const area = document.createElement("textarea");
  area.value = text.textContent;
  area.rows = 3;
  area.setAttribute("aria-label", strings.save);
  const save = Object.assign(document.createElement("button"), { className: "button small primary", textContent: strings.save });
  const cancel = Object.assign(document.createElement("button"), {
    type: "button",
    className: "button small",
    textContent: strings.cancel,
  });
  const row = document.createElement("div");
  row.className = "button-row tight";
  row.append(save, cancel);
  form.append(area, row);
  text.hidden = true;
  text.after(form);
  area.focus();
  const close = () => {
    form.remove();
    text.hidden = false;
  };
  cancel.addEventListener("click", close);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const updated = await call("PATCH", `/insights/${card.dataset.id}`, { text: area.value });
      close();
      showInsight(updated);
    } catch {
      area.focus();
    }
  });
}

function setMerging(card) {
  document.querySelectorAll(".insight.is-merge-source").forEach((c) => c.classList.remove("is-merge-source"));
  mergeSource = card ? Number(card.dataset.id) : null;
  card?.classList.add("is-merge-source");
  document.body.classList.toggle("merging", Boolean(card));
  $("merge-banner").hidden = !card;
}
$("merge-cancel").addEventListener("click", () => setMerging(null));
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && mergeSource) setMerging(null);
});

async function onCardAction(event) {
  const button = event.target.closest("[data-action]");
  if (!button) return;
  const card = button.closest(".insight");
  const id = Number(card.dataset.id);
  const action = button.dataset.action;
  if (action === "edit") return startEdit(card);
  if (action === "merge") return setMerging(card);
  if (action === "merge-here") {
    const source = mergeSource;
    setMerging(null);
    const answer = await call("POST", `/insights/${source}/merge`, { into: id });
    showInsight(answer.merged);
    showInsight(answer.kept);
    return;
  }
  button.disabled = true;
  try {
    if (action === "spotlight") await call("PUT", "/spotlight", { insight_id: spotlightId === id ? null : id });
    else showInsight(await call("PATCH", `/insights/${id}`, PATCHES[action]));
  } finally {
    button.disabled = false;
  }
}
feed.addEventListener("click", (event) => act(onCardAction(event)));
pending.addEventListener("click", (event) => act(onCardAction(event)));

$("approve-all").addEventListener("click", async () => {
  for (const card of [...pending.querySelectorAll(".insight")]) {
    await act(call("PATCH", `/insights/${card.dataset.id}`, { status: "visible" }).then(showInsight));
  }
});

// --- spotlight ----------------------------------------------------------------------------------

function showSpotlight(insight) {
  spotlightId = insight ? insight.id : null;
  $("spotlight-status").hidden = !insight;
  $("spotlight-text").textContent = insight ? insight.text : "";
  document.querySelectorAll(".insight").forEach((card) => {
    const lit = Number(card.dataset.id) === spotlightId;
    card.classList.toggle("is-spotlit", lit);
    const button = card.querySelector('[data-action="spotlight"]');
    if (button) button.setAttribute("aria-pressed", String(lit));
  });
}
$("release-spotlight").addEventListener("click", () => act(call("PUT", "/spotlight", { insight_id: null })));

// --- session state, settings, wall view -----------------------------------------------------

function stateLabel(from, to) {
  if (to === "open") return strings[from === "paused" ? "label_resume" : from === "closed" ? "label_reopen" : "label_open"];
  if (to === "closed" && from === "archived") return strings.label_unarchive;
  return strings[`label_${to}`];
}

function applySession(state) {
  if (!state.state) return;
  sessionState = { ...sessionState, ...state };
  const badge = $("state-badge");
  badge.dataset.state = state.state;
  badge.textContent = strings[state.state] || state.state;
  const allowed = data.transitions[state.state] || [];
  for (const button of document.querySelectorAll("#state-buttons [data-state]")) {
    const target = button.dataset.state;
    button.hidden = !allowed.includes(target);
    button.textContent = stateLabel(state.state, target);
    button.classList.toggle("primary", target === "open");
  }
  const order = ["draft", "open", "paused", "closed", "archived"];
  for (const step of document.querySelectorAll("#state-steps [data-step]")) {
    step.classList.toggle("is-current", step.dataset.step === state.state);
    step.classList.toggle("is-done", order.indexOf(step.dataset.step) < order.indexOf(state.state));
  }
  $("state-help").textContent = strings[`help_${state.state}`] || "";
  for (const input of document.querySelectorAll("[data-setting]")) {
    input.checked = Boolean(state.settings[input.dataset.setting]);
  }
  $("reveal").hidden = !state.settings.silent;
  $("wall-view").value = state.settings.wall_view || data.setting_defaults.wall_view;
  $("photos-setting").value = state.settings.photos || data.setting_defaults.photos;
  const running = state.state === "open" || state.state === "paused";
  for (const button of document.querySelectorAll("#round-buttons button, #round-form button")) {
    button.disabled = !running;
  }
  applyTables(state.tables);
}

function applyTables(tables) {
  tablesById = new Map(tables.map((t) => [t.id, t]));
  const ids = tables.map((t) => String(t.id)).join(",");
  const shown = [...document.querySelectorAll(".table-row")].map((r) => r.dataset.tableId).join(",");
  if (ids !== shown) return window.location.reload(); // a table was added, removed or moved
  for (const table of tables) {
    const row = document.querySelector(`.table-row[data-table-id="${table.id}"]`);
    row.querySelector("[data-table-name]").textContent = table.name;
    row.querySelector("[data-host-label]").textContent = table.host ? `${strings.host}: ${table.host}` : "";
    row.querySelector("[data-summary-flag]").hidden = !table.summary;
    for (const name of ["name", "question", "host"]) {
      const input = row.querySelector(`[data-field="${name}"]`);
      if (document.activeElement !== input) input.value = table[name];
    }
    const summary = row.querySelector("[data-summary]");
    if (document.activeElement !== summary) summary.value = table.summary || "";
    const option = document.querySelector(`#filter-table option[value="${table.id}"]`);
    if (option) option.textContent = table.name;
  }
}

$("state-buttons").addEventListener("click", (event) => {
  const button = event.target.closest("[data-state]");
  if (button) act(call("PATCH", "", { state: button.dataset.state }).then(applySession));
});

for (const input of document.querySelectorAll("[data-setting]")) {
  input.addEventListener("change", () =>
    act(call("PATCH", "", { settings: { [input.dataset.setting]: input.checked } }).then(applySession)),
  );
}
$("reveal").addEventListener("click", () => act(call("PATCH", "", { settings: { silent: false } }).then(applySession)));
$("wall-view").addEventListener("change", (event) =>
  act(call("PATCH", "", { settings: { wall_view: event.target.value } }).then(applySession)),
);
$("photos-setting").addEventListener("change", (event) =>
  act(call("PATCH", "", { settings: { photos: event.target.value } }).then(applySession)),
);

// --- rounds -------------------------------------------------------------------------------------

const setTimer = startTimer($("timer"), strings);

function applyRound(round) {
  document.querySelector("#round-title [data-round-number]").textContent = round.number;
  document.querySelector("#round-title [data-round-title]").textContent = round.title || "";
  setTimer(round.ends_at);
  $("timer").closest(".round-clock").dataset.hasTimer = String(Boolean(round.ends_at));
}

$("round-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const minutes = Number($("round-minutes").value) || null;
  const title = $("round-name").value;
  act(call("POST", "/rounds", { minutes, title }).then((round) => {
    applyRound(round);
    $("round-name").value = "";
  }));
});
$("round-buttons").addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  const body = button.hasAttribute("data-stop") ? { stop: true } : { minutes_added: Number(button.dataset.add) };
  act(call("PATCH", "/rounds/current", body).then(applyRound));
});

// --- tables -------------------------------------------------------------------------------------

const editor = $("table-editor");
editor.addEventListener("change", (event) => {
  const row = event.target.closest(".table-row");
  if (!row) return;
  const id = row.dataset.tableId;
  const field = event.target.dataset.field;
  if (field) act(call("PATCH", `/tables/${id}`, { [field]: event.target.value }));
  else if (event.target.hasAttribute("data-summary")) act(call("PUT", `/tables/${id}/summary`, { text: event.target.value }));
});
editor.addEventListener("click", (event) => {
  const row = event.target.closest(".table-row");
  const button = event.target.closest("button");
  if (!row || !button) return;
  const rows = [...editor.children];
  if (button.dataset.move) {
    const order = rows.indexOf(row) + Number(button.dataset.move);
    if (order >= 0 && order < rows.length) act(call("PATCH", `/tables/${row.dataset.tableId}`, { order }));
  } else if (button.hasAttribute("data-remove")) {
    secondClickDoes(button, strings.confirm_remove, () => act(call("DELETE", `/tables/${row.dataset.tableId}`)));
  } else if (button.dataset.copyHost) {
    copy(button.dataset.copyHost, button);
  }
});
$("add-table").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  await act(call("POST", "/tables", { name: form.name.value, question: form.question.value }).then(() => form.reset()));
});

// --- sharing: copy links, rotate the facilitator key --------------------------------------------

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const scratch = Object.assign(document.createElement("textarea"), { value: text });
    document.body.append(scratch);
    scratch.select();
    document.execCommand("copy");
    scratch.remove();
  }
  const label = button.textContent;
  button.textContent = `✓ ${strings.copied}`;
  setTimeout(() => (button.textContent = label), 1500);
}
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (button) copy($(button.dataset.copy).value, button);
});

$("rotate-key").addEventListener("click", () => ($("rotate-confirm").hidden = false));
$("rotate-no").addEventListener("click", () => ($("rotate-confirm").hidden = true));
$("rotate-yes").addEventListener("click", async () => {
  rotating = true;
  $("rotate-confirm").hidden = true;
  let answer;
  try {
    answer = await call("POST", "/facilitator-key");
  } catch {
    rotating = false;
    return;
  }
  data.key = answer.facilitator_key;
  $("new-key").hidden = false;
  $("new-key-url").value = answer.facilitator_url;
  $("new-key-url").select();
  // Keep this console working: store the new key in its cookie, then reconnect with it.
  await fetch(`/f/${data.code}?key=${encodeURIComponent(data.key)}`, { credentials: "same-origin" });
  live.socket.disconnect();
  live = connect();
  rotating = false;
  // Host links carry the key too: fetch the fresh ones.
  const page = await fetch(`/f/${data.code}`, { credentials: "same-origin" }).then((r) => r.text());
  const fresh = new DOMParser().parseFromString(page, "text/html");
  for (const button of fresh.querySelectorAll("[data-copy-host]")) {
    const row = button.closest(".table-row");
    const mine = document.querySelector(`.table-row[data-table-id="${row.dataset.tableId}"] [data-copy-host]`);
    if (mine) mine.dataset.copyHost = button.dataset.copyHost;
  }
});

function revoked(connection) {
  // Our own rotation, or the old socket of it: this console reconnects with the new key.
  if (rotating || connection !== live) return;
  $("revoked").hidden = false;
  document.body.classList.add("is-revoked");
  live.socket.disconnect();
}

// --- live ---------------------------------------------------------------------------------------

function connect() {
  const connection = connectLive({
    code: data.code,
    role: "facilitator",
    token: data.key,
    initialSeq: data.state.seq,
    initialInsights: data.insights,
    handlers: {
      insight: showInsight,
      session: applySession,
      round: applyRound,
      spotlight: showSpotlight,
      presence: (p) => ($("count-phones").textContent = p.phones),
      status: showConnection,
      revoked: () => revoked(connection),
    },
  });
  connection.socket.on(EVENTS.THEME_UPDATE, (update) => themes.apply(update.themes || []));
  return connection;
}

const themes = mountConsoleThemes({ call, act, strings, initial: data.themes });
let live = connect();
data.insights.forEach(showInsight); // the first paint, with the console's own notes and order
showSpotlight(null);
applySession(data.state);
applyRound(data.state.round);
refreshCounts();
