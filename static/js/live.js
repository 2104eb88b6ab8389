// The live connection every screen shares: Socket.IO auth, the event names (mirroring
// workshop/broadcast.py), and a store that applies each insight change once, in seq order,
// resyncing from the last seq after every (re)connect.

export const EVENTS = Object.freeze({
  INSIGHT_NEW: "insight:new",
  INSIGHT_UPDATE: "insight:update",
  INSIGHT_REMOVE: "insight:remove",
  SESSION_UPDATE: "session:update",
  ROUND_UPDATE: "round:update",
  SPOTLIGHT: "spotlight",
  PRESENCE: "presence",
  FACILITATOR_REVOKED: "facilitator:revoked",
  INSIGHT_POST: "insight:post",
  INSIGHT_VOTE: "insight:vote",
  RESYNC: "resync",
});

export function pageData() {
  return JSON.parse(document.getElementById("page-data").textContent);
}

/** Connect and keep a store of insights; `handlers.insight(payload, previous)` sees each change once. */
export function connectLive({ code, role, token, initialInsights = [], initialSeq = 0, handlers }) {
  const insights = new Map(initialInsights.map((i) => [i.id, i]));
  let lastSeq = Math.max(initialSeq, ...initialInsights.map((i) => i.seq || 0));

  const socket = window.io({
    auth: (send) => send({ session: code, role, token }),
    transports: ["websocket", "polling"],
    reconnectionDelayMax: 5000,
  });

  function apply(payload) {
    if (!payload || typeof payload.id !== "number") return;
    lastSeq = Math.max(lastSeq, payload.seq || 0);
    const previous = insights.get(payload.id);
    if (previous && (previous.seq || 0) > (payload.seq || 0)) return; // stale: a newer state is known
    if (payload.status === "hidden" && !payload.text) insights.delete(payload.id);
    else insights.set(payload.id, { ...previous, ...payload });
    handlers.insight?.(insights.get(payload.id) || payload, previous);
  }

  function resync(since = lastSeq) {
    socket.timeout(10000).emit(EVENTS.RESYNC, { since }, (err, answer) => {
      if (!err && answer && Array.isArray(answer.insights)) answer.insights.forEach(apply);
    });
  }

  socket.on("connect", () => {
    handlers.status?.("online");
    resync();
  });
  socket.on("disconnect", () => handlers.status?.("offline"));
  socket.on("connect_error", (error) => {
    handlers.status?.("offline");
    handlers.refused?.(error);
  });
  socket.on(EVENTS.INSIGHT_NEW, apply);
  socket.on(EVENTS.INSIGHT_UPDATE, apply);
  socket.on(EVENTS.INSIGHT_REMOVE, apply);
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
