// The live connection every screen shares: Socket.IO auth, the event names (given by the server
// in the page data, from workshop/realtime/rooms.py), and a store that applies each insight
// change once, in seq order, resyncing from the last seq after every (re)connect.

export function pageData() {
  return JSON.parse(document.getElementById("page-data").textContent);
}

export const EVENTS = Object.freeze({ ...pageData().events });

// A live event can arrive late or never (a process dies between its commit and its emit), so
// live events never advance the point a resync starts from: only a resync answer does, with the
// session's seq at the time of its query, up to which it is complete. What comes twice is
// recognised by its (id, seq) and not shown again. Walls and consoles also resync now and then
// while connected, which keeps that point recent and repairs anything a live event missed.
const RESYNC_RETRY_MS = 3000;
const RESYNC_EVERY_MS = 60000;

/** Connect and keep a store of insights; `handlers.insight(payload, previous)` sees each change once. */
export function connectLive({ code, role, token, auth = {}, initialInsights = [], initialSeq = 0, handlers }) {
  const insights = new Map(initialInsights.map((i) => [i.id, i]));
  // The seq of every insight this client has seen, hidden ones too: a late, older payload of an
  // insight that was hidden meanwhile must not bring it back.
  const versions = new Map(initialInsights.map((i) => [i.id, { seq: i.seq || 0, stub: false }]));
  let lastSeq = Math.max(initialSeq, ...initialInsights.map((i) => i.seq || 0));
  let confirmedSeq = initialSeq; // everything up to here is known (the page was rendered with it)
  let resyncTimer = null;

  const socket = window.io({
    auth: (send) => send({ ...auth, session: code, role, token }),
    transports: ["websocket", "polling"],
    reconnectionDelayMax: 5000,
  });

  const isStub = (payload) => payload.text === undefined;

  /** Apply one insight payload unless it is older than (or the same as) what is known; say if it was. */
  function apply(payload, { force = false } = {}) {
    if (!payload || typeof payload.id !== "number") return false;
    const seq = payload.seq || 0;
    lastSeq = Math.max(lastSeq, seq);
    const known = versions.get(payload.id);
    if (known) {
      if (seq < known.seq) return false; // stale: a newer state is known
      // The same change again (a resync overlapping live events) is skipped unless a redraw was
      // asked for; a full payload replaces a stub of the same seq (a phone's own post, hidden
      // from its table).
      if (seq === known.seq && !force && !(known.stub && !isStub(payload))) return false;
    }
    versions.set(payload.id, { seq, stub: isStub(payload) });
    const previous = insights.get(payload.id);
    if (isStub(payload)) insights.delete(payload.id); // hidden from this client, or withdrawn
    else insights.set(payload.id, { ...previous, ...payload });
    handlers.insight?.(insights.get(payload.id) || payload, previous);
    return true;
  }

  /**
   * Ask for everything changed since a seq. Without an argument (every (re)connect) it continues
   * from the last seq seen; with one (e.g. 0 after a settings change) it redraws all it gets.
   */
  function resync(since) {
    const force = since !== undefined;
    clearTimeout(resyncTimer);
    socket.timeout(10000).emit(EVENTS.RESYNC, { since: force ? since : confirmedSeq }, (err, answer) => {
      if (!err && answer && Array.isArray(answer.insights)) {
        answer.insights.forEach((payload) => apply(payload, { force }));
        if (typeof answer.seq === "number") confirmedSeq = Math.max(confirmedSeq, answer.seq);
        handlers.resynced?.(answer.insights.length);
        if (role !== "participant") resyncTimer = setTimeout(() => resync(), RESYNC_EVERY_MS);
      } else if (socket.connected) {
        // No answer (busy server, rate limit): try again; a reconnect also resyncs by itself.
        resyncTimer = setTimeout(() => resync(since), RESYNC_RETRY_MS);
      }
    });
  }

  socket.on("connect", () => {
    handlers.status?.("online");
    resync();
  });
  socket.on("disconnect", () => {
    clearTimeout(resyncTimer);
    handlers.status?.("offline");
  });
  socket.on("connect_error", (error) => {
    handlers.status?.("offline");
    handlers.refused?.(error);
  });
  socket.on(EVENTS.INSIGHT_NEW, (p) => apply(p));
  socket.on(EVENTS.INSIGHT_UPDATE, (p) => apply(p));
  socket.on(EVENTS.INSIGHT_REMOVE, (p) => apply(p));
  socket.on(EVENTS.SESSION_UPDATE, (s) => handlers.session?.(s));
  socket.on(EVENTS.ROUND_UPDATE, (r) => handlers.round?.(r));
  socket.on(EVENTS.SPOTLIGHT, (s) => handlers.spotlight?.(s.insight));
  socket.on(EVENTS.PRESENCE, (p) => handlers.presence?.(p));
  socket.on(EVENTS.FACILITATOR_REVOKED, () => handlers.revoked?.());

  return {
    socket,
    insights,
    resync,
    apply,
    get lastSeq() {
      return lastSeq;
    },
  };
}

export function showConnection(status) {
  const dot = document.getElementById("connection");
  if (dot) {
    dot.hidden = false;
    dot.dataset.status = status;
  }
}

/** A countdown computed from the server's end time, so drifting clocks and sleeping tabs agree. */
export function startTimer(element, strings) {
  let endsAt = null;
  const tick = () => {
    if (!endsAt) {
      element.hidden = element.id === "timer" && element.closest(".wall") !== null;
      element.textContent = strings.no_timer || "—";
      return;
    }
    element.hidden = false;
    const left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    const minutes = Math.floor(left / 60);
    const seconds = String(left % 60).padStart(2, "0");
    element.textContent = left ? `${minutes}:${seconds}` : strings.time_up;
    element.classList.toggle("is-ending", left > 0 && left <= 60);
    element.classList.toggle("is-over", left === 0);
  };
  setInterval(tick, 1000);
  return (iso) => {
    endsAt = iso ? Date.parse(iso) : null;
    tick();
  };
}
