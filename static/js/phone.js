// The phone: post insights through a local outbox so that no post is ever lost on conference wifi.
// Each post gets a client id when written, is kept in localStorage until the server acknowledges it
// (socket ack, or HTTP when the socket is down), and is retried with backoff.
import { fillCard, newCard, setDelivery } from "./cards.js";
import { EVENTS, connectLive, pageData, showConnection } from "./live.js";
import { followRound } from "./rotation.js";

const data = pageData();
const context = { kinds: data.kinds, perspectives: data.perspectives, strings: data.strings };
const outboxKey = `aantafel:outbox:${data.code}`;
const ACK_TIMEOUT_MS = 5000;
let retryDelay = 1000;
let retryTimer = null;
let flushing = false;
let sessionState = data.state.state;

const feed = document.getElementById("feed");
const form = document.getElementById("compose");
const cardOf = (id) => feed?.querySelector(`.insight[data-id="${id}"]`);
const cardOfClient = (clientId) => feed?.querySelector(`.insight[data-client-id="${clientId}"]`);

// --- outbox -------------------------------------------------------------------------------------

function readOutbox() {
  try {
    return JSON.parse(localStorage.getItem(outboxKey)) || [];
  } catch {
    return [];
  }
}

function writeOutbox(items) {
  localStorage.setItem(outboxKey, JSON.stringify(items));
}

function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function sendOverSocket(item) {
  return new Promise((resolve, reject) => {
    if (!live.socket.connected) return reject(new Error("offline"));
    live.socket.timeout(ACK_TIMEOUT_MS).emit(EVENTS.INSIGHT_POST, item, (err, ack) => {
      if (err) reject(err);
      else resolve(ack);
    });
  });
}

async function sendOverHttp(item) {
  const response = await fetch(`/api/v1/sessions/${data.code}/insights`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    credentials: "same-origin",
    body: JSON.stringify(item),
  });
  const body = await response.json().catch(() => ({}));
  if (response.ok) return { ok: true, insight: body };
  if (response.status >= 500) throw new Error(`server ${response.status}`);
  return { ok: false, error: body.error || { code: "error", message: response.statusText } };
}

async function deliver(item) {
  try {
    return await sendOverSocket(item);
  } catch {
    return sendOverHttp(item); // throws when the network is down too: the item stays queued
  }
}

async function flush() {
  if (flushing) return;
  flushing = true;
  clearTimeout(retryTimer);
  let waiting = false;
  try {
    for (const item of readOutbox()) {
      showPending(item, "sending");
      let ack;
      try {
        ack = await deliver(item);
      } catch {
        showPending(item, "waiting");
        waiting = true;
        break;
      }
      if (ack.ok) {
        settle(item.client_id);
        showInsight({ ...ack.insight, own: true });
      } else if (["session_not_open", "rate_limited"].includes(ack.error.code)) {
        showPending(item, "waiting");
        if (ack.error.code === "session_not_open") showBanner(ack.error.message);
        waiting = true;
        break;
      } else {
        // The server refused it for good (too long, unknown table...): give the text back to edit.
        settle(item.client_id);
        cardOfClient(item.client_id)?.remove();
        restoreDraft(item, ack.error.message);
      }
    }
  } finally {
    flushing = false;
  }
  if (waiting) {
    retryTimer = setTimeout(flush, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
  } else {
    retryDelay = 1000;
  }
}

function settle(clientId) {
  writeOutbox(readOutbox().filter((i) => i.client_id !== clientId));
}

// --- rendering ----------------------------------------------------------------------------------

function place(card) {
  const pinned = card.classList.contains("is-pinned");
  const before = [...feed.children].find(
    (other) => other !== card && (!pinned ? !other.classList.contains("is-pinned") : true),
  );
  feed.insertBefore(card, before || null);
  document.getElementById("feed-empty").hidden = true;
}

function showPending(item, state) {
  if (!feed) return;
  let card = cardOfClient(item.client_id);
  if (!card) {
    card = newCard({ ...item, id: `local-${item.client_id}`, status: "visible", own: true, votes: 0 }, context);
    card.dataset.clientId = item.client_id;
    place(card);
  }
  setDelivery(card, state, data.strings[state]);
}

function deliveryOf(payload) {
  if (!payload.own) return [null, ""];
  if (payload.status === "pending") return ["pending", data.strings.pending];
  if (payload.status === "hidden") return ["hidden", data.strings.hidden];
  if (payload.withheld) return ["delivered", data.strings.withheld];
  return ["delivered", data.strings.delivered];
}

function showInsight(payload) {
  if (!feed) return;
  let card = cardOf(payload.id) || (payload.client_id && cardOfClient(payload.client_id));
  const visibleToMe = payload.own || (payload.status === "visible" && payload.table_id === data.table_id);
  if (!visibleToMe || payload.text === undefined) {
    card?.remove();
    return;
  }
  if (card) fillCard(card, payload, context);
  else {
    card = newCard(payload, context);
    card.classList.add("is-new");
    place(card);
  }
  card.dataset.clientId = payload.client_id;
  const [state, label] = deliveryOf(payload);
  setDelivery(card, state, label);
  markVoted(card);
}

function markVoted(card) {
  const button = card.querySelector("[data-vote]");
  if (!button) return;
  const voted = data.voted.includes(Number(card.dataset.id));
  button.classList.toggle("is-voted", voted);
  button.setAttribute("aria-pressed", String(voted));
}

function showBanner(message) {
  const banner = document.getElementById("state-banner");
  banner.textContent = message || "";
  banner.hidden = !message;
}

function restoreDraft(item, message) {
  const text = form?.querySelector("textarea");
  if (text && !text.value) text.value = item.text;
  showBanner(message);
}

// --- wiring -------------------------------------------------------------------------------------

const live = connectLive({
  code: data.code,
  role: "participant",
  initialSeq: data.state.seq,
  handlers: {
    insight: (payload) => showInsight(payload),
    session: (state) => {
      if (!state.state) return;
      sessionState = state.state;
      showBanner(data.strings[sessionState]);
      if (sessionState === "open") flush();
    },
    status: (status) => {
      showConnection(status);
      if (status === "online") flush();
    },
  },
});

form?.addEventListener("submit", (event) => {
  event.preventDefault();
  const fields = new FormData(form);
  const text = String(fields.get("text") || "").trim();
  if (!text) return;
  const item = {
    client_id: newClientId(),
    table_id: Number(fields.get("table_id")),
    text,
    kind: fields.get("kind") || null,
    perspectives: fields.getAll("perspectives"),
    phase: fields.get("phase") || null,
    anonymous: fields.get("anonymous") === "on",
  };
  writeOutbox([...readOutbox(), item]);
  form.reset();
  updateCharCount();
  showPending(item, "sending");
  flush();
});

feed?.addEventListener("click", (event) => {
  const button = event.target.closest("[data-vote]");
  if (!button) return;
  event.preventDefault();
  const insightId = Number(button.dataset.vote);
  const done = (answer) => {
    if (!answer || !answer.ok) return showBanner(answer?.error?.message);
    data.voted = answer.voted
      ? [...data.voted, insightId]
      : data.voted.filter((id) => id !== insightId);
    const card = cardOf(insightId);
    if (card) markVoted(card);
  };
  if (live.socket.connected) {
    live.socket.timeout(ACK_TIMEOUT_MS).emit(EVENTS.INSIGHT_VOTE, { insight_id: insightId }, (err, ack) =>
      err ? button.closest("form")?.submit() : done(ack),
    );
  } else {
    button.closest("form")?.submit();
  }
});

const textarea = form?.querySelector("textarea");
function updateCharCount() {
  const counter = document.getElementById("char-count");
  if (!textarea || !counter) return;
  const left = textarea.maxLength - textarea.value.length;
  counter.textContent = left < 100 ? data.strings.chars_left.replace("{n}", left) : "";
}
textarea?.addEventListener("input", updateCharCount);

window.addEventListener("online", flush);
for (const item of readOutbox()) showPending(item, "waiting");
feed?.querySelectorAll(".insight").forEach((card) => {
  const own = card.classList.contains("is-own");
  if (own) setDelivery(card, "delivered", data.strings.delivered);
});
flush();

// The round's countdown and the World Café "move to the next table" hint (static/js/rotation.js).
followRound(live.socket, data.state, {
  hint: document.getElementById("rotation-hint"),
  timer: document.getElementById("timer"),
  box: document.getElementById("round-box"),
  strings: data.strings,
});
