// The phone: post insights through a local outbox so that no post is ever lost on conference wifi.
// Each post gets a client id when written, is kept in localStorage until the server acknowledges it
// (socket ack, or HTTP when the socket is down), and is retried with backoff.
import { fillCard, newCard, setDelivery } from "./cards.js";
import { EVENTS, connectLive, pageData, showConnection } from "./live.js";
import { mountPhoneThemes } from "./phone_themes.js";
import { followRound } from "./rotation.js";

const data = pageData();
const context = { kinds: data.kinds, perspectives: data.perspectives, strings: data.strings };
const outboxKey = `aantafel:outbox:${data.code}`;
const draftKey = `aantafel:draft:${data.code}`;
// The answer to the consent question, kept until the server has it (it goes before any post).
const consentKey = `aantafel:consent:${data.code}`;
const ACK_TIMEOUT_MS = 5000;
const HTTP_TIMEOUT_MS = 10000;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30000;
let retryDelay = RETRY_MIN_MS;
let retryTimer = null;
let flushing = false;
let flushAgain = false;
let sessionState = data.state.state;

const feed = document.getElementById("feed");
const form = document.getElementById("compose");
const cardOf = (id) => feed?.querySelector(`.insight[data-id="${id}"]`);
const cardOfClient = (clientId) => feed?.querySelector(`.insight[data-client-id="${clientId}"]`);
// Server ids of this phone's own posts: a table's broadcast does not say whose a post is.
const ownIds = new Set(
  [...(feed?.querySelectorAll(".insight.is-own") || [])].map((card) => Number(card.dataset.id)),
);

// --- outbox -------------------------------------------------------------------------------------

// localStorage can be missing or full (private browsing): then the outbox lives in memory for as
// long as the page is open, which is still better than losing the post.
const memory = new Map();
const storage = {
  get(key) {
    try {
      return localStorage.getItem(key);
    } catch {
      return memory.get(key) ?? null;
    }
  },
  set(key, value) {
    try {
      localStorage.setItem(key, value);
    } catch {
      memory.set(key, value);
    }
  },
};

function readOutbox() {
  try {
    const items = JSON.parse(storage.get(outboxKey));
    return Array.isArray(items) ? items.filter((i) => i && typeof i.client_id === "string") : [];
  } catch {
    return [];
  }
}

function writeOutbox(items) {
  storage.set(outboxKey, JSON.stringify(items));
}

function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const online = () => navigator.onLine !== false;

function sendOverSocket(item) {
  return new Promise((resolve, reject) => {
    if (!live.socket.connected || !online()) return reject(new Error("offline"));
    live.socket.timeout(ACK_TIMEOUT_MS).emit(EVENTS.INSIGHT_POST, item, (err, ack) => {
      if (err) reject(err);
      else resolve(ack);
    });
  });
}

async function sendOverHttp(item) {
  if (!online()) throw new Error("offline");
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), HTTP_TIMEOUT_MS); // a dead wifi can hang forever
  try {
    const response = await fetch(`/api/v1/sessions/${data.code}/insights`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(item),
      signal: abort.signal,
    });
    const body = await response.json().catch(() => ({}));
    if (response.ok) return { ok: true, insight: body };
    if (response.status >= 500 || !body.error) throw new Error(`server ${response.status}`);
    return { ok: false, error: body.error };
  } finally {
    clearTimeout(timer);
  }
}

/** An answer counts only when it is this post: a captive portal's "200 OK" page is not an ack. */
function acknowledges(ack, item) {
  return Boolean(ack && (ack.ok === false || ack.insight?.client_id === item.client_id));
}

async function deliver(item) {
  try {
    const ack = await sendOverSocket(item);
    if (acknowledges(ack, item)) return ack;
  } catch {
    // no socket or no ack in time: the same client id over HTTP (the server stores it once)
  }
  const ack = await sendOverHttp(item); // throws when the network is down too: the item stays queued
  if (!acknowledges(ack, item)) throw new Error("not acknowledged");
  return ack;
}

// --- consent to be quoted -------------------------------------------------------------------------

/** Store the consent answer before the posts it was given with; true when nothing is left to store. */
async function saveConsent() {
  const answer = storage.get(consentKey);
  if (!answer) return true;
  if (!online()) return false;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), HTTP_TIMEOUT_MS);
  try {
    const response = await fetch(`/api/v1/sessions/${data.code}/participants/me`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify({ quote_consent: answer }),
      signal: abort.signal,
    });
    if (response.status >= 500) return false;
    storage.set(consentKey, "");
    if (response.ok) consentSaved((await response.json()).quote_consent);
    return true; // refused for good (it cannot be, from the radio buttons): do not hold the posts
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** The question was answered: ask no more, and offer the per-post choice with the answer named. */
function consentSaved(level) {
  data.my_consent = level;
  data.consent_asked = true;
  document.getElementById("consent-question")?.remove();
  const override = document.getElementById("consent-override");
  if (override) override.hidden = false;
  const asChosen = override?.querySelector("[data-as-chosen]");
  const label = data.strings.consent_labels[level];
  if (asChosen && label) asChosen.textContent = data.strings.as_chosen.replace("{choice}", label);
}

/** Send every queued post, oldest first, until one has to wait; then try again with backoff. */
async function flush() {
  if (flushing) {
    flushAgain = true; // a post written meanwhile, or the network came back: go round once more
    return;
  }
  flushing = true;
  clearTimeout(retryTimer);
  let waitMs = 0;
  try {
    do {
      flushAgain = false;
      if (!(await saveConsent())) {
        for (const item of readOutbox()) showPending(item, "waiting");
        waitMs = retryDelay;
        break;
      }
      for (const item of readOutbox()) {
        if (!readOutbox().some((i) => i.client_id === item.client_id)) continue; // another tab sent it
        showPending(item, online() ? "sending" : "waiting");
        let ack;
        try {
          ack = await deliver(item);
        } catch {
          showPending(item, "waiting");
          waitMs = retryDelay;
          break;
        }
        if (ack.ok) {
          const latest = readOutbox().find((i) => i.client_id === item.client_id);
          settle(item.client_id);
          if (withdrawnQueued.has(item.client_id)) {
            withdrawOnServer(ack.insight.id); // withdrawn while it was on its way
          } else {
            received(ack.insight);
            if (latest && latest.text !== item.text) editOnServer(ack.insight.id, latest.text);
          }
        } else if (ack.error.code === "withdrawn") {
          // Sent again after its author withdrew it: it stays withdrawn, and so does the card.
          settle(item.client_id);
          cardOfClient(item.client_id)?.remove();
        } else if (["session_not_open", "rate_limited"].includes(ack.error.code)) {
          // Paused, closed or too fast: the text stays in the outbox and goes when it may.
          showPending(item, "waiting");
          if (ack.error.code === "session_not_open") showBanner(data.strings[sessionState] || ack.error.message);
          waitMs = Math.max(retryDelay, (ack.error.retry_after || 0) * 1000);
          break;
        } else {
          // The server refused it for good (too long, unknown table...): give the text back to edit.
          settle(item.client_id);
          cardOfClient(item.client_id)?.remove();
          restoreDraft(item, ack.error.message);
        }
      }
    } while (flushAgain && !waitMs);
  } finally {
    flushing = false;
  }
  if (waitMs && flushAgain) waitMs = RETRY_MIN_MS; // asked again while failing: soon, not later
  if (waitMs) {
    retryTimer = setTimeout(flush, waitMs * (0.75 + Math.random() / 2)); // jitter: not all at once
    retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
  } else {
    retryDelay = RETRY_MIN_MS;
  }
}

function settle(clientId) {
  writeOutbox(readOutbox().filter((i) => i.client_id !== clientId));
}

/** The server's copy of one of our posts replaces the local card (it may have come live already). */
function received(insight) {
  ownIds.add(insight.id);
  const payload = { ...insight, own: true };
  // Already known (it came live first, maybe newer): draw what the store holds, as ours.
  if (!live.apply(payload)) showInsight({ ...payload, ...live.insights.get(insight.id), own: true });
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
    const consent = item.quote_consent || storage.get(consentKey) || data.my_consent;
    const local = { ...item, id: `local-${item.client_id}`, status: "visible", own: true, votes: 0 };
    card = newCard({ ...local, quote_consent: consent }, context);
    card.dataset.clientId = item.client_id;
    showOwnActions(card, { ...item, own: true });
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

function showInsight(update) {
  if (!feed) return;
  let card = cardOf(update.id) || (update.client_id && cardOfClient(update.client_id));
  // A table's broadcast of our own post does not say it is ours; the card (local or server-made) does.
  const own = Boolean(update.own || ownIds.has(update.id) || card?.classList.contains("is-own"));
  if (own && update.text !== undefined) ownIds.add(update.id);
  const payload = { ...update, own };
  const visibleToMe = payload.own || (payload.status === "visible" && payload.table_id === data.table_id);
  if (!visibleToMe || payload.text === undefined) {
    card?.remove();
    showEmpty(); // the last card may just have left (hidden, or withdrawn on another phone)
    return;
  }
  if (card) fillCard(card, payload, context);
  else {
    card = newCard(payload, context);
    card.classList.add("is-new");
    place(card);
  }
  card.dataset.clientId = payload.client_id;
  showOwnActions(card, payload);
  const [state, label] = deliveryOf(payload);
  setDelivery(card, state, label);
  markVoted(card);
}

/** The author's edit and withdraw under its own posts; the edit box holds the current text. */
function showOwnActions(card, payload) {
  const actions = card.querySelector("[data-own-actions]");
  if (!actions) return;
  actions.hidden = !payload.own;
  const edit = card.querySelector("[data-edit]");
  const box = card.querySelector("[data-edit-form] textarea");
  if (box && !edit.open) box.value = payload.text ?? "";
  if (box) box.id = `edit-${card.dataset.id}`;
  const label = card.querySelector("[data-edit-form] label");
  if (label) label.htmlFor = `edit-${card.dataset.id}`;
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

// A phone on the join page has no token yet: it connects once it has taken a seat.
const offline = { socket: { connected: false, on() {} }, resync() {} };
const live = !data.joined ? offline : connectLive({
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
  const fields = new FormData(form);
  const photo = fields.get("photo");
  // A photo goes as the form itself (multipart, the no-JavaScript path): the page reloads with it.
  if (photo && photo.size) {
    storage.set(draftKey, ""); // the text goes with the photo; it must not come back as a draft
    return;
  }
  event.preventDefault();
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
  if (fields.get("quote_consent")) item.quote_consent = fields.get("quote_consent");
  // The consent question's answer (asked once, before the first post) is stored before the post.
  if (fields.get("my_consent") && !data.consent_asked) storage.set(consentKey, fields.get("my_consent"));
  writeOutbox([...readOutbox(), item]); // first into the outbox, then the form may forget it
  form.reset();
  storage.set(draftKey, "");
  updateCharCount();
  showPending(item, online() ? "sending" : "waiting");
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

// --- own posts: edit and withdraw -------------------------------------------------------------

// Client ids withdrawn while queued: if one was already on its way, it is withdrawn once acked.
const withdrawnQueued = new Set();

/** An own-post operation over the socket, or over HTTP when the socket is down or silent. */
async function ownPostCall(event, method, path, body) {
  if (live.socket.connected && online()) {
    try {
      return await new Promise((resolve, reject) =>
        live.socket.timeout(ACK_TIMEOUT_MS).emit(event, body, (err, ack) => (err ? reject(err) : resolve(ack))),
      );
    } catch {
      // no ack in time: the same call over HTTP (an edit or a withdrawal may safely come twice)
    }
  }
  const response = await fetch(`/api/v1/sessions/${data.code}${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    credentials: "same-origin",
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (response.ok) return { ok: true, insight: answer, ...answer };
  return { ok: false, error: answer.error || { message: response.statusText } };
}

async function withdrawOnServer(insightId) {
  const ack = await ownPostCall(EVENTS.INSIGHT_WITHDRAW, "DELETE", `/insights/${insightId}`, {
    insight_id: insightId,
  }).catch(() => null);
  if (ack?.ok) live.apply(ack.insight);
  else showBanner(ack?.error?.message || data.strings.waiting);
  return ack;
}

async function editOnServer(insightId, text) {
  const ack = await ownPostCall(EVENTS.INSIGHT_EDIT, "PATCH", `/insights/${insightId}`, {
    insight_id: insightId,
    text,
  }).catch(() => null);
  if (ack?.ok) received(ack.insight);
  else showBanner(ack?.error?.message || data.strings.waiting);
  return ack;
}

const queuedOf = (card) => (card.dataset.id.startsWith("local-") ? card.dataset.clientId : null);

feed?.addEventListener("submit", async (event) => {
  const withdraw = event.target.closest("[data-withdraw-form]");
  const edit = event.target.closest("[data-edit-form]");
  if (!withdraw && !edit) return;
  event.preventDefault();
  const card = event.target.closest(".insight");
  const queued = queuedOf(card);
  if (withdraw) {
    if (queued) {
      // Not sent yet: it simply leaves the outbox (and is withdrawn if it was on its way).
      withdrawnQueued.add(queued);
      settle(queued);
      card.remove();
      showEmpty();
      return;
    }
    const ack = await withdrawOnServer(Number(card.dataset.id));
    if (ack?.ok) card.remove();
    showEmpty();
    return;
  }
  const text = String(edit.querySelector("textarea").value || "").trim();
  if (!text) return;
  if (queued) {
    writeOutbox(readOutbox().map((i) => (i.client_id === queued ? { ...i, text } : i)));
    card.querySelector('[data-field="text"]').textContent = text;
    card.querySelector("[data-edit]").open = false;
    return;
  }
  const ack = await editOnServer(Number(card.dataset.id), text);
  if (ack?.ok) card.querySelector("[data-edit]").open = false;
});

document.getElementById("withdraw-all")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  for (const item of readOutbox()) withdrawnQueued.add(item.client_id);
  writeOutbox([]);
  feed.querySelectorAll('.insight[data-id^="local-"]').forEach((card) => card.remove());
  const response = await fetch(`/api/v1/sessions/${data.code}/participants/me`, {
    method: "DELETE",
    headers: { "Content-Type": "application/json" },
    credentials: "same-origin",
  }).catch(() => null);
  const answer = (await response?.json().catch(() => null)) || {};
  if (!response?.ok) return showBanner(answer.error?.message || data.strings.waiting);
  for (const id of answer.withdrawn || []) cardOf(id)?.remove();
  feed.querySelectorAll(".insight.is-own").forEach((card) => card.remove());
  event.target.closest("details").open = false;
  showEmpty();
});

function showEmpty() {
  document.getElementById("feed-empty").hidden = feed.children.length > 0;
}

const textarea = form?.querySelector("textarea");
function updateCharCount() {
  const counter = document.getElementById("char-count");
  if (!textarea || !counter) return;
  const left = textarea.maxLength - textarea.value.length;
  counter.textContent = left < 100 ? data.strings.chars_left.replace("{n}", left) : "";
}
textarea?.addEventListener("input", () => {
  updateCharCount();
  storage.set(draftKey, textarea.value); // half-written text survives a reload too
});

window.addEventListener("online", flush);
window.addEventListener("offline", () => {
  for (const item of readOutbox()) showPending(item, "waiting");
});
window.addEventListener("storage", (event) => {
  if (event.key !== outboxKey) return;
  // Another tab of this phone wrote or sent a post: show and send what is queued.
  flush();
});

// Server-made cards of our own posts, then what is still queued from an earlier visit.
feed?.querySelectorAll(".insight.is-own").forEach((card) => {
  const status = ["pending", "hidden"].find((s) => card.classList.contains(`is-${s}`));
  setDelivery(card, status || "delivered", data.strings[status || "delivered"]);
});
for (const item of readOutbox()) showPending(item, "waiting");
if (textarea && !textarea.value && storage.get(draftKey)) {
  textarea.value = storage.get(draftKey);
  updateCharCount();
}
flush();

// The round's countdown and the World Café "move to the next table" hint (static/js/rotation.js).
followRound(live.socket, data.state, {
  hint: document.getElementById("rotation-hint"),
  timer: document.getElementById("timer"),
  box: document.getElementById("round-box"),
  strings: data.strings,
});

// Themes across tables, and a vote on each (static/js/phone_themes.js).
if (data.joined) mountPhoneThemes(live.socket, data);
