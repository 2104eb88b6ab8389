// The facilitator console: every action is a call to the HTTP API with the facilitator key;
// the results come back live over Socket.IO, so several facilitators see each other's actions.
import { fillCard, newCard } from "./cards.js";
import { connectLive, pageData, showConnection, startTimer } from "./live.js";

const data = pageData();
const context = { kinds: data.kinds, perspectives: data.perspectives, strings: data.strings };
const base = `/api/v1/sessions/${data.code}`;
const feed = document.getElementById("feed");
const errorBox = document.getElementById("console-error");

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
    errorBox.textContent = answer.error ? answer.error.message : response.statusText;
    errorBox.hidden = false;
    throw new Error(errorBox.textContent);
  }
  return answer;
}

// --- insights -----------------------------------------------------------------------------------

function showInsight(payload) {
  let card = feed.querySelector(`.insight[data-id="${payload.id}"]`);
  if (card) fillCard(card, payload, context);
  else {
    card = newCard(payload, context);
    card.classList.add("is-new");
    feed.prepend(card);
  }
  card.dataset.status = payload.status;
  document.getElementById("feed-empty").hidden = true;
  refreshCounts();
}

function refreshCounts() {
  const cards = [...feed.querySelectorAll(".insight")];
  document.getElementById("count-pending").textContent = cards.filter((c) =>
    c.classList.contains("is-pending"),
  ).length;
  const visible = cards.filter((c) => !c.classList.contains("is-pending") && !c.classList.contains("is-hidden"));
  document.getElementById("count-insights").textContent = visible.length;
  for (const row of document.querySelectorAll(".table-row")) {
    row.querySelector("[data-table-count]").textContent = visible.filter(
      (c) => c.dataset.tableId === row.dataset.tableId,
    ).length;
  }
}

const ACTIONS = {
  approve: { status: "visible" },
  restore: { status: "visible" },
  hide: { status: "hidden" },
  pin: { pinned: true },
  unpin: { pinned: false },
};

feed.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-action]");
  if (!button) return;
  const id = Number(button.closest(".insight").dataset.id);
  const action = button.dataset.action;
  if (action === "spotlight") await call("PUT", "/spotlight", { insight_id: id });
  else await call("PATCH", `/insights/${id}`, ACTIONS[action]);
});

// --- session, rounds, settings, tables ----------------------------------------------------------

function applySession(state) {
  if (!state.state) return;
  const badge = document.getElementById("state-badge");
  badge.dataset.state = state.state;
  badge.textContent = data.strings[state.state] || state.state;
  for (const button of document.querySelectorAll("#state-buttons [data-state]")) {
    button.classList.toggle("primary", button.dataset.state !== state.state);
    button.disabled = button.dataset.state === state.state;
  }
  for (const input of document.querySelectorAll("[data-setting]")) {
    input.checked = Boolean(state.settings[input.dataset.setting]);
  }
  if (state.counts) document.getElementById("count-participants").textContent = state.counts.participants;
  const ids = state.tables.map((t) => String(t.id)).join(",");
  const shown = [...document.querySelectorAll(".table-row")].map((r) => r.dataset.tableId).join(",");
  if (ids !== shown) window.location.reload();
  for (const table of state.tables) {
    const row = document.querySelector(`.table-row[data-table-id="${table.id}"]`);
    for (const name of ["name", "question"]) {
      const input = row.querySelector(`[data-field="${name}"]`);
      if (document.activeElement !== input) input.value = table[name];
    }
  }
}

document.getElementById("state-buttons").addEventListener("click", (event) => {
  const button = event.target.closest("[data-state]");
  if (button) call("PATCH", "", { state: button.dataset.state });
});

document.getElementById("round-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const minutes = Number(document.getElementById("round-minutes").value) || null;
  call("POST", "/rounds", { minutes });
});

for (const input of document.querySelectorAll("[data-setting]")) {
  input.addEventListener("change", () =>
    call("PATCH", "", { settings: { [input.dataset.setting]: input.checked } }),
  );
}

const editor = document.getElementById("table-editor");
editor.addEventListener("change", (event) => {
  const field = event.target.dataset.field;
  if (!field) return;
  const id = event.target.closest(".table-row").dataset.tableId;
  call("PATCH", `/tables/${id}`, { [field]: event.target.value });
});
editor.addEventListener("click", (event) => {
  const row = event.target.closest(".table-row");
  if (!row) return;
  const rows = [...editor.children];
  if (event.target.dataset.move) {
    const order = rows.indexOf(row) + Number(event.target.dataset.move);
    if (order >= 0 && order < rows.length) call("PATCH", `/tables/${row.dataset.tableId}`, { order });
  } else if (event.target.hasAttribute("data-remove") && window.confirm(data.strings.confirm_remove)) {
    call("DELETE", `/tables/${row.dataset.tableId}`);
  }
});
document.getElementById("add-table").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  await call("POST", "/tables", { name: form.name.value, question: form.question.value });
  form.reset();
});

const setTimer = startTimer(document.getElementById("timer"), data.strings);
setTimer(data.state.round.ends_at);

connectLive({
  code: data.code,
  role: "facilitator",
  token: data.key,
  initialSeq: data.state.seq,
  handlers: {
    insight: showInsight,
    session: applySession,
    round: (round) => {
      document.querySelector("#round-status [data-round-number]").textContent = round.number;
      setTimer(round.ends_at);
    },
    presence: (p) => (document.getElementById("count-phones").textContent = p.phones),
    status: showConnection,
    revoked: () => window.location.reload(),
  },
});
applySession(data.state);
refreshCounts();
