// The round as walls and phones follow it: when a round's time is up and the facilitator has
// switched on the World Café hint (setting `rotation_hint`), show "move to the next table".
// It listens on the screen's existing socket, so a screen adds it with one call.
import { EVENTS, startTimer } from "./live.js";

export function followRound(socket, state, { hint, timer, box, strings }) {
  let round = state.round || {};
  let settings = state.settings || {};
  let sessionState = state.state;
  const setTimer = timer ? startTimer(timer, strings) : null;
  const update = () => {
    const over = Boolean(round.ends_at) && Date.parse(round.ends_at) <= Date.now();
    if (hint) hint.hidden = !(over && settings.rotation_hint && sessionState === "open");
    if (box) box.hidden = !round.ends_at || sessionState !== "open";
  };
  socket.on(EVENTS.ROUND_UPDATE, (next) => {
    round = next;
    const number = box?.querySelector("[data-round-number]");
    if (number) number.textContent = round.number;
    setTimer?.(round.ends_at);
    update();
  });
  socket.on(EVENTS.SESSION_UPDATE, (next) => {
    if (next.settings) settings = next.settings;
    if (next.state) sessionState = next.state;
    update();
  });
  setTimer?.(round.ends_at);
  update();
  setInterval(update, 1000);
}
