/**
 * Presso boots card: both legs drawn live, the limits in force and why, and the controls.
 *
 * One plain ES module served by the integration (no build step). Everything it shows
 * comes from the integration's websocket: `presso_boots/subscribe` sends the card's
 * whole view (session, settings, limits and their reasons, live chambers),
 * `presso_boots/texts` its texts from the integration's translations, and
 * `presso_boots/week` this week's therapy minutes. Its controls go through
 * `presso_boots/control`, which checks the user's permission and limits and answers a
 * refusal in words.
 */

const DOMAIN = "presso_boots";
const CARD = "presso-boots-card";
const SVG_NS = "http://www.w3.org/2000/svg";
const LEG_KEYS = ["left", "right"];
const DOCS = "https://github.com/presso-boots/presso_boots#the-leg-boots-card";

const language = (hass) => hass?.locale?.language || hass?.language || "en";

/** Fill `{name}` placeholders. */
const fill = (template, values = {}) =>
  template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));

/** The first Presso boots in the entity registry (for a card added without a device). */
const firstDevice = (hass) => {
  const entry = Object.values(hass?.entities || {}).find((e) => e.platform === DOMAIN && e.device_id);
  return entry?.device_id;
};

const svg = (name, attributes = {}) => {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  return node;
};

const element = (name, attributes = {}, children = []) => {
  const node = document.createElement(name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  node.append(...children);
  return node;
};

/** Colour of a chamber at `ratio` (0..1) of today's limit: cool at rest, warm near it. */
const pressureColour = (ratio) => {
  if (ratio <= 0) return "var(--presso-chamber-empty, var(--secondary-background-color))";
  const hue = Math.round(200 - 190 * Math.min(1, ratio));
  return `hsl(${hue} 72% 52%)`;
};

const clock = (seconds) => {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
};

/** One leg's chamber outlines, chamber 1 (the foot) at the bottom, the thigh at the top. */
const legShapes = (chambers, cx) => {
  const top = 8;
  const ankle = 206;
  const sole = 252;
  const width = (y) => 66 - (36 * (y - top)) / (ankle - top);
  const band = (y0, y1) => {
    const a = width(y0) / 2;
    const b = width(y1) / 2;
    return `M${cx - a} ${y0} L${cx + a} ${y0} L${cx + b} ${y1} L${cx - b} ${y1} Z`;
  };
  const gap = 3;
  const step = (ankle - top) / Math.max(1, chambers - 1);
  const shapes = [];
  const w = width(ankle) / 2;
  shapes.push(
    `M${cx - w} ${ankle} L${cx + w} ${ankle} L${cx + w + 7} ${sole - 14}` +
      ` Q${cx + w + 9} ${sole} ${cx} ${sole} Q${cx - w - 9} ${sole} ${cx - w - 7} ${sole - 14} Z`,
  );
  for (let k = 2; k <= chambers; k += 1) {
    const y1 = ankle - (k - 2) * step - gap;
    const y0 = ankle - (k - 1) * step;
    shapes.push(band(chambers === 1 ? top : y0, y1));
  }
  return shapes;
};

const STYLE = `
  :host { display: block; }
  ha-card { height: 100%; box-sizing: border-box; padding: 16px; display: flex; flex-direction: column; gap: 12px; }
  .header { display: flex; align-items: baseline; justify-content: space-between; gap: 8px; flex-wrap: wrap; }
  .name { font-size: 1.2em; font-weight: 500; color: var(--primary-text-color); }
  .state { color: var(--secondary-text-color); }
  .notice { padding: 8px 12px; border-radius: var(--ha-card-border-radius, 12px);
    background: var(--secondary-background-color); color: var(--primary-text-color); }
  .notice.fault, .error { color: var(--error-color); }
  .error { margin: 0; }
  .body { display: flex; gap: 16px; align-items: center; flex-wrap: wrap; justify-content: center; }
  svg.legs { flex: 1 1 180px; max-width: 260px; min-width: 150px; height: auto; }
  .chamber { stroke: var(--divider-color); stroke-width: 1; stroke-linejoin: round;
    transition: fill 0.6s linear, fill-opacity 0.6s linear; }
  .chamber.active { stroke: var(--primary-text-color); stroke-width: 2.5; }
  .chamber.off { fill: var(--disabled-color, var(--divider-color)); fill-opacity: 0.25; stroke-dasharray: 3 3; }
  .leg-label { fill: var(--secondary-text-color); font-size: 11px; text-anchor: middle; }
  .side { flex: 1 1 150px; display: flex; flex-direction: column; align-items: center; gap: 8px; min-width: 140px; }
  .ring { width: 112px; height: 112px; }
  .ring .track { stroke: var(--secondary-background-color); }
  .ring .done { stroke: var(--state-active-color, var(--primary-color)); transition: stroke-dashoffset 1s linear; }
  .ring text { fill: var(--primary-text-color); text-anchor: middle; }
  .ring .big { font-size: 18px; font-weight: 500; }
  .ring .small { font-size: 10px; fill: var(--secondary-text-color); }
  .facts { text-align: center; color: var(--secondary-text-color); line-height: 1.5; }
  .scale { width: 100%; max-width: 180px; }
  .scale .bar { height: 8px; border-radius: 4px; background: linear-gradient(90deg,
    var(--secondary-background-color), hsl(200 72% 52%), hsl(105 72% 52%), hsl(10 72% 52%)); }
  .scale .ends { display: flex; justify-content: space-between; font-size: 0.8em; color: var(--secondary-text-color); }
  .buttons { display: flex; gap: 8px; flex-wrap: wrap; }
  button { flex: 1 1 120px; min-height: 40px; font: inherit; font-weight: 500; cursor: pointer;
    border-radius: 20px; border: 1px solid var(--primary-color); background: transparent; color: var(--primary-color); }
  button.primary { background: var(--primary-color); color: var(--text-primary-color, var(--card-background-color)); }
  button:disabled, input:disabled, select:disabled { opacity: 0.5; cursor: default; }
  button:focus-visible, input:focus-visible, select:focus-visible { outline: 2px solid var(--primary-color); outline-offset: 2px; }
  .field { display: grid; grid-template-columns: 7.5em 1fr auto; align-items: center; gap: 8px; color: var(--primary-text-color); }
  .field input[type=range] { width: 100%; accent-color: var(--primary-color); }
  .field output { min-width: 5.5em; text-align: right; color: var(--secondary-text-color); }
  .selects { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
  .selects .field { grid-template-columns: 1fr; gap: 4px; }
  select { font: inherit; min-height: 36px; padding: 0 8px; border-radius: 8px;
    border: 1px solid var(--divider-color); background: var(--card-background-color); color: var(--primary-text-color); }
  .why { margin: -4px 0 0; font-size: 0.85em; color: var(--secondary-text-color); }
  .limits { display: flex; flex-direction: column; gap: 4px; padding: 8px 12px;
    border-radius: var(--ha-card-border-radius, 12px); background: var(--secondary-background-color);
    color: var(--primary-text-color); }
  .limits p { margin: 0; }
  .glance { display: grid; grid-template-columns: 1fr auto; gap: 4px 12px; align-items: end; }
  .glance .bars, .glance .plan { grid-column: 1 / -1; }
  .glance .title { color: var(--secondary-text-color); font-size: 0.9em; }
  .bars { display: grid; grid-template-columns: repeat(7, 1fr); gap: 4px; align-items: end; height: 56px; }
  .bars .day { display: flex; flex-direction: column; align-items: center; gap: 2px; height: 100%;
    justify-content: flex-end; font-size: 0.7em; color: var(--secondary-text-color); }
  .bars .bar { width: 100%; max-width: 22px; min-height: 1px; border-radius: 3px 3px 0 0;
    background: var(--state-active-color, var(--primary-color)); }
  .bars .day.future .bar { background: var(--divider-color); }
  .plan { font-size: 0.9em; color: var(--secondary-text-color); }
  [hidden] { display: none !important; }
  @media (max-width: 420px) { .selects { grid-template-columns: 1fr; } }
`;
class PressoBootsCard extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._config = undefined;
    this._hass = undefined;
    this._view = undefined;
    this._texts = undefined;
    this._textsFor = undefined;
    this._week = undefined;
    this._weekKey = undefined;
    this._shape = "";
    this._drawn = undefined;
    this._unsubscribe = undefined;
    this._subscribedTo = undefined;
    this._tick = undefined;
    this._error = undefined;
    this._problem = undefined;
    this._moving = undefined;
  }

  static getStubConfig(hass) {
    const device = firstDevice(hass);
    return device ? { device_id: device } : {};
  }

  static getConfigForm() {
    return {
      schema: [{ name: "device_id", selector: { device: { integration: DOMAIN } } }],
      computeLabel: (schema) => (schema.name === "device_id" ? TEXTS.card_boots : undefined),
    };
  }

  setConfig(config) {
    if (!config || typeof config !== "object") throw new Error("Invalid configuration");
    if (config.device_id !== undefined && typeof config.device_id !== "string")
      throw new Error("device_id must be a device id");
    if (config.entity !== undefined && typeof config.entity !== "string")
      throw new Error("entity must be the boots' session switch");
    this._config = { ...config };
    this._shape = "";
    this._drawn = undefined;
    this._resubscribe();
    this._render();
  }

  set hass(hass) {
    const first = !this._hass;
    this._hass = hass;
    if (this._textsFor !== language(hass)) this._loadTexts();
    this._resubscribe();
    if (first) this._render();
  }

  get hass() {
    return this._hass;
  }

  connectedCallback() {
    this._resubscribe();
  }

  disconnectedCallback() {
    this._stopSubscription();
    this._setTicking(false);
  }

  getCardSize() {
    return 9;
  }

  getGridOptions() {
    return { columns: 12, min_columns: 6, rows: "auto", min_rows: 7 };
  }

  // --- which boots, texts, live view ---------------------------------------------------

  /** The configured boots: a device id, or the device of the configured session switch. */
  get _deviceId() {
    const config = this._config || {};
    if (config.device_id) return config.device_id;
    const registry = this._hass?.entities;
    return config.entity ? registry?.[config.entity]?.device_id : firstDevice(this._hass);
  }

  _t(key, values) {
    const template = this._texts?.[key];
    return template === undefined ? "" : fill(template, values);
  }

  async _loadTexts() {
    const hass = this._hass;
    const wanted = language(hass);
    this._textsFor = wanted;
    if (!hass?.connection) return;
    try {
      const answer = await hass.connection.sendMessagePromise({ type: `${DOMAIN}/texts`, language: wanted });
      if (this._textsFor !== wanted) return;
      this._texts = answer.texts;
      Object.assign(TEXTS, answer.texts);
      describe(answer.texts);
    } catch (err) {
      this._textsFor = undefined; // tried again with the next hass
      return;
    }
    this._shape = "";
    this._drawn = undefined;
    this._render();
  }

  _resubscribe() {
    const deviceId = this.isConnected ? this._deviceId : undefined;
    if (deviceId === this._subscribedTo) return;
    this._stopSubscription();
    if (!deviceId || !this._hass?.connection) return;
    this._subscribedTo = deviceId;
    const pending = this._hass.connection.subscribeMessage((message) => this._onView(message), {
      type: `${DOMAIN}/subscribe`,
      device_id: deviceId,
    });
    this._unsubscribe = pending;
    pending.catch((err) => {
      if (this._unsubscribe === pending) {
        this._unsubscribe = undefined;
        this._problem = err?.code === "not_found" ? "missing" : err?.message || String(err);
        this._render();
      }
    });
  }

  _stopSubscription() {
    const pending = this._unsubscribe;
    this._unsubscribe = undefined;
    this._subscribedTo = undefined;
    this._view = undefined;
    this._week = undefined;
    this._weekKey = undefined;
    if (pending) pending.then((unsubscribe) => unsubscribe()).catch(() => undefined);
  }

  _onView(view) {
    this._view = view;
    this._problem = undefined;
    const weekKey = `${view.today_minutes}/${view.limits?.plan?.session}/${view.available}`;
    if (weekKey !== this._weekKey) {
      this._weekKey = weekKey;
      this._loadWeek();
    }
    this._render();
  }

  async _loadWeek() {
    const deviceId = this._subscribedTo;
    if (!deviceId) return;
    try {
      const week = await this._hass.connection.sendMessagePromise({ type: `${DOMAIN}/week`, device_id: deviceId });
      if (deviceId !== this._subscribedTo) return;
      this._week = week;
      this._renderWeek();
    } catch (_err) {
      this._week = undefined; // the glance stays hidden
    }
  }

  // --- drawing ------------------------------------------------------------------------------

  _render() {
    if (!this._hass || !this._config) return;
    if (!this._texts) {
      this._renderMessage("");
      return;
    }
    const deviceId = this._deviceId;
    const view = this._view;
    if (!deviceId || this._problem === "missing") {
      this._renderMessage(this._t(deviceId ? "card_missing" : "card_choose"));
      return;
    }
    if (this._problem) {
      this._renderMessage(this._problem);
      return;
    }
    if (!view) return;
    if (view === this._drawn) return;
    this._drawn = view;
    const shape = `${deviceId}/${view.legs ?? 0}x${view.chambers ?? 0}/${this._textsFor}`;
    if (shape !== this._shape) this._build(view.legs ?? 0, view.chambers ?? 0, shape);
    this._update(view);
  }

  _renderMessage(message) {
    this._shape = "";
    this._drawn = undefined;
    this.shadowRoot.replaceChildren(
      element("style", {}, [STYLE]),
      element("ha-card", {}, [element("div", { class: "notice", role: "status" }, [message])]),
    );
  }

  _build(legs, chambers, shape) {
    this._shape = shape;
    this._perLeg = chambers;
    const drawing = svg("svg", { class: "legs", viewBox: `0 0 ${Math.max(1, legs) * 100} 272`, role: "group" });
    this._chambers = [];
    for (let leg = 0; leg < legs; leg += 1) {
      const legName = this._t(`card_leg_${LEG_KEYS[leg]}`);
      const group = svg("g", { role: "group", "aria-label": legName, "data-leg": LEG_KEYS[leg] });
      legShapes(chambers, 50 + leg * 100).forEach((d, i) => {
        const path = svg("path", { d, class: "chamber", role: "img", "data-chamber": String(i + 1) });
        group.append(path);
        this._chambers.push({ path, leg, chamber: i + 1, legName, key: "" });
      });
      const label = svg("text", { class: "leg-label", x: String(50 + leg * 100), y: "268", "aria-hidden": "true" });
      label.textContent = legName;
      group.append(label);
      drawing.append(group);
    }
    const ring = svg("svg", { class: "ring", viewBox: "0 0 112 112", "aria-hidden": "true" });
    const circle = (cls) =>
      svg("circle", { class: cls, cx: "56", cy: "56", r: "48", fill: "none", "stroke-width": "8",
        "stroke-linecap": "round", transform: "rotate(-90 56 56)" });
    this._done = circle("done");
    this._ringLength = 2 * Math.PI * 48;
    this._done.setAttribute("stroke-dasharray", String(this._ringLength));
    this._done.setAttribute("stroke-dashoffset", String(this._ringLength));
    this._ringBig = svg("text", { class: "big", x: "56", y: "58" });
    this._ringSmall = svg("text", { class: "small", x: "56", y: "74" });
    ring.append(circle("track"), this._done, this._ringBig, this._ringSmall);

    this._name = element("span", { class: "name" });
    this._state = element("span", { class: "state", role: "status" });
    this._notice = element("div", { class: "notice", role: "status", hidden: "" });
    this._limits = element("div", { class: "limits", role: "status", hidden: "" });
    this._facts = element("div", { class: "facts" });
    this._scaleEnd = element("span");
    this._scale = element("div", { class: "scale" }, [
      element("div", { class: "bar" }),
      element("div", { class: "ends", "aria-hidden": "true" }, [element("span", {}, ["0"]), this._scaleEnd]),
    ]);
    this._startStop = element("button", { type: "button", class: "primary", "data-action": "start-stop" });
    this._pauseResume = element("button", { type: "button", "data-action": "pause-resume" });
    this._pressure = element("input", { type: "range", id: "pressure", "aria-describedby": "pressure-why" });
    this._pressureValue = element("output", { for: "pressure" });
    this._pressureWhy = element("p", { class: "why", id: "pressure-why" });
    this._length = element("input", { type: "range", id: "length", "aria-describedby": "length-why" });
    this._lengthValue = element("output", { for: "length" });
    this._lengthWhy = element("p", { class: "why", id: "length-why" });
    this._program = element("select", { id: "program" });
    this._legs = element("select", { id: "legs" });
    this._errorLine = element("p", { class: "error", role: "alert", hidden: "" });
    this._bars = element("div", { class: "bars", role: "img" });
    this._weekTotal = element("span", { class: "title" });
    this._plan = element("div", { class: "plan" });
    this._glance = element("div", { class: "glance", hidden: "" }, [
      element("span", { class: "title" }, [this._t("card_week")]), this._weekTotal, this._bars, this._plan,
    ]);

    this._startStop.addEventListener("click", () => this._startOrStop());
    this._pauseResume.addEventListener("click", () => this._pauseOrResume());
    // while a slider moves, the view does not move it back; its change is sent once
    this._pressure.addEventListener("input", () => {
      this._moving = this._pressure;
      setText(this._pressureValue, `${this._pressure.value} mmHg`);
    });
    this._pressure.addEventListener("change", () => this._changed("pressure", this._pressure));
    this._length.addEventListener("input", () => {
      this._moving = this._length;
      this._showLength(Number(this._length.value));
    });
    this._length.addEventListener("change", () => this._changed("duration", this._length));
    this._program.addEventListener("change", () => this._control("program", this._program.value));
    this._legs.addEventListener("change", () => this._control("legs", this._legs.value));

    const field = (label, input, output) =>
      element("label", { class: "field", for: input.id }, [label, input, output]);
    this.shadowRoot.replaceChildren(
      element("style", {}, [STYLE]),
      element("ha-card", {}, [
        element("div", { class: "header" }, [this._name, this._state]),
        this._notice,
        this._limits,
        element("div", { class: "body" }, [drawing, element("div", { class: "side" }, [ring, this._facts, this._scale])]),
        element("div", { class: "buttons" }, [this._startStop, this._pauseResume]),
        field(this._t("card_pressure"), this._pressure, this._pressureValue),
        this._pressureWhy,
        field(this._t("card_length"), this._length, this._lengthValue),
        this._lengthWhy,
        element("div", { class: "selects" }, [
          element("label", { class: "field" }, [this._t("card_program"), this._program]),
          element("label", { class: "field" }, [this._t("card_legs"), this._legs]),
        ]),
        this._errorLine,
        this._glance,
      ]),
    );
    if (this._error) this._showError(this._error);
    this._renderWeek();
  }

  _update(view) {
    const limits = view.limits || {};
    const available = Boolean(view.available);
    const state = view.state;
    const inSession = state === "running" || state === "paused";
    setText(this._name, view.name || this._t("card_name"));
    setText(this._state, available && state ? this._t(`state.${state}`) : "");

    // chambers, coloured against today's pressure limit
    const top = limits.pressure_max || 100;
    const legsInUse = view.legs_in_use ?? 3;
    const zones = view.zones ?? 0xffff;
    for (const item of this._chambers) {
      const inUse = Boolean(legsInUse & (1 << item.leg)) && Boolean(zones & (1 << (item.chamber - 1)));
      const value = view.pressures?.[item.leg * this._perLeg + item.chamber - 1] ?? 0;
      const active = state === "running" && inUse && view.active_chamber === item.chamber;
      const key = `${inUse}/${value}/${active}/${top}`;
      if (key === item.key) continue;
      item.key = key;
      item.path.classList.toggle("off", !inUse);
      item.path.classList.toggle("active", active);
      item.path.style.fill = inUse ? pressureColour(value / top) : "";
      item.path.dataset.pressure = String(value);
      item.path.setAttribute("aria-label", inUse
        ? this._t("card_chamber", { leg: item.legName, chamber: item.chamber, pressure: value }) +
            (active ? ` (${this._t("card_inflating")})` : "")
        : this._t("card_not_in_use", { leg: item.legName, chamber: item.chamber }));
    }
    setAttr(this._scale, "aria-label", this._t("card_scale", { limit: top }));
    setText(this._scaleEnd, `${top} mmHg`);

    this._updateNotice(view, available);
    this._updateLimits(view, limits);
    this._updateProgress();

    // controls: Start/Stop and Pause/Resume follow the session
    setText(this._startStop, this._t(inSession ? "card_stop" : "card_start"));
    setFlag(this._startStop, "disabled", !available);
    setText(this._pauseResume, this._t(state === "paused" ? "card_resume" : "card_pause"));
    setFlag(this._pauseResume, "disabled", !available || !inSession);
    const pressure = Math.min(view.pressure ?? limits.start_pressure ?? 0, top);
    this._setRange(this._pressure, limits.pressure_min, top, limits.pressure_step, pressure);
    setText(this._pressureValue, `${this._pressure.value} mmHg`);
    setAttr(this._pressure, "aria-valuetext", `${this._pressure.value} mmHg`);
    setFlag(this._pressure, "disabled", !available || view.pressure == null);
    const longest = limits.duration_max;
    const length = inSession ? view.duration : limits.start_minutes;
    this._setRange(this._length, limits.duration_min, longest ?? limits.duration_min, limits.duration_step,
      Math.min(length ?? 0, longest ?? 0));
    this._showLength(Number(this._length.value));
    setFlag(this._length, "disabled", !available || longest == null || inSession);
    this._fillSelect(this._program, "program", view.programs || [], view.program);
    this._fillSelect(this._legs, "legs", view.legs_options || [], view.legs_choice);
    setFlag(this._program, "disabled", !available || !view.program);
    setFlag(this._legs, "disabled", !available || !view.legs_choice);
  }

  _setRange(input, min, max, step, value) {
    setAttr(input, "min", min);
    setAttr(input, "max", max);
    setAttr(input, "step", step);
    if (this._moving !== input) input.value = String(value);
  }

  _showLength(minutes) {
    const text = this._t("card_minutes", { minutes });
    setText(this._lengthValue, text);
    setAttr(this._length, "aria-valuetext", text);
  }

  _updateNotice(view, available) {
    let message = "";
    let isFault = false;
    const name = view.name;
    if (!available) message = this._t("card_asleep", { name });
    else if (view.other_app) message = this._t("card_other_app", { name });
    else if (view.fault) {
      isFault = true;
      message = this._t("card_fault", { fault: this._t(`fault.${view.fault}`) || view.fault });
    }
    setText(this._notice, message);
    setFlag(this._notice, "hidden", !message);
    if (this._notice.classList.contains("fault") !== isFault) this._notice.classList.toggle("fault", isFault);
  }

  /** The limits in force, in words: a summary, and why each slider stops where it does. */
  _updateLimits(view, limits) {
    const lines = [];
    const plan = limits.plan;
    if (plan) lines.push(this._t("card_plan", plan));
    if (limits.rest_until) lines.push(this._t("card_rest", { time: limits.rest_until }));
    const daily = limits.daily;
    if (daily) {
      const values = { left: daily.left, limit: daily.limit, shortest: limits.duration_min };
      if (daily.left <= 0) lines.push(this._t("card_daily_used", values));
      else if (limits.duration_max == null) lines.push(this._t("card_daily_short", values));
      else lines.push(this._t("card_daily_left", values));
    }
    const key = lines.join("\n");
    if (this._limits.dataset.key !== key) {
      this._limits.dataset.key = key;
      this._limits.replaceChildren(...lines.map((line) => element("p", {}, [line])));
    }
    setFlag(this._limits, "hidden", !lines.length);
    const step = plan ? { session: plan.session, sessions: plan.sessions } : {};
    const pressureLimit = `${limits.pressure_max} mmHg`;
    setText(this._pressureWhy, limits.pressure_reason === "plan"
      ? this._t("card_stops_plan", { limit: pressureLimit, ...step })
      : this._t("card_stops_cap_pressure", { limit: pressureLimit }));
    const minutes = limits.duration_max ?? 0;
    const lengthLimit = this._t("card_minutes", { minutes });
    let why = this._t("card_stops_cap_length", { limit: lengthLimit });
    if (limits.duration_reason === "daily") {
      why = this._t("card_stops_daily", { limit: lengthLimit, left: daily?.left ?? 0, daily: daily?.limit ?? 0 });
    } else if (limits.duration_reason === "plan") {
      why = this._t("card_stops_plan", { limit: lengthLimit, ...step });
    }
    setText(this._lengthWhy, why);
  }

  /** The ring: time left in a session, else the length a start will really get. */
  _updateProgress() {
    const view = this._view || {};
    const limits = view.limits || {};
    const running = view.state === "running";
    const paused = view.state === "paused";
    const ends = Date.parse(view.ends ?? "");
    const total = (view.duration || 0) * 60;
    let big = "–";
    let small = "";
    let done = 0;
    if ((running || paused) && !Number.isNaN(ends)) {
      const remaining = paused && this._frozen !== undefined
        ? this._frozen : Math.max(0, Math.round((ends - Date.now()) / 1000));
      this._frozen = paused ? remaining : undefined;
      big = clock(remaining);
      small = this._t("card_time_left");
      done = total ? Math.min(1, Math.max(0, 1 - remaining / total)) : 0;
    } else if (!running && !paused && limits.start_minutes) {
      this._frozen = undefined;
      big = clock(limits.start_minutes * 60);
      small = this._t("card_start_gets");
    }
    setAttr(this._done, "stroke-dashoffset", (this._ringLength * (1 - done)).toFixed(1));
    setText(this._ringBig, big);
    setText(this._ringSmall, small);
    const facts = [view.program ? this._t(`program.${view.program}`) : "", view.pressure != null ? `${view.pressure} mmHg` : ""];
    setText(this._facts, facts.filter(Boolean).join(" · "));
    this._setTicking(running && !Number.isNaN(ends));
  }

  _setTicking(on) {
    if (on && !this._tick) this._tick = setInterval(() => this._updateProgress(), 1000);
    else if (!on && this._tick) {
      clearInterval(this._tick);
      this._tick = undefined;
    }
  }

  /** This week's minutes per day, beside the gentle start plan's progress. */
  _renderWeek() {
    const week = this._week;
    if (!this._glance) return;
    const days = week?.days || [];
    setFlag(this._glance, "hidden", !days.length);
    if (!days.length) return;
    const locale = language(this._hass);
    const most = Math.max(1, ...days.map((d) => d.minutes || 0));
    const weekday = new Intl.DateTimeFormat(locale, { weekday: "short", timeZone: "UTC" });
    const bars = days.map((d) => {
      const name = weekday.format(new Date(`${d.day}T12:00:00Z`));
      const bar = element("div", { class: "bar" });
      bar.style.height = `${Math.round((40 * (d.minutes || 0)) / most)}px`;
      return element("div", {
        class: d.minutes === null ? "day future" : "day",
        "data-minutes": String(d.minutes ?? ""),
        title: this._t("card_day_minutes", { day: name, minutes: d.minutes ?? 0 }),
      }, [bar, element("span", { "aria-hidden": "true" }, [name])]);
    });
    this._bars.replaceChildren(...bars);
    const total = days.reduce((sum, d) => sum + (d.minutes || 0), 0);
    setText(this._weekTotal, this._t("card_week_total", { minutes: total }));
    setAttr(this._bars, "aria-label", days.filter((d) => d.minutes !== null)
      .map((d) => this._t("card_day_minutes", { day: weekday.format(new Date(`${d.day}T12:00:00Z`)), minutes: d.minutes }))
      .join(", "));
    setText(this._plan, week.plan ? this._t("card_plan_progress", week.plan) : this._t("card_plan_off"));
  }

  _fillSelect(select, kind, options, value) {
    const key = `${options.join("|")}/${this._textsFor}`;
    if (select.dataset.options !== key) {
      select.dataset.options = key;
      select.replaceChildren(
        ...options.map((option) => element("option", { value: option }, [this._t(`${kind}.${option}`) || option])),
      );
    }
    if (value && select.value !== value) select.value = value;
  }

  // --- controls (through the integration: permissions and limits apply) ------------------

  async _control(action, value) {
    this._showError(undefined);
    const message = { type: `${DOMAIN}/control`, device_id: this._subscribedTo, action,
      language: language(this._hass) };
    if (value !== undefined) message.value = value;
    try {
      await this._hass.connection.sendMessagePromise(message);
    } catch (err) {
      this._showError(err, action);
      this._drawn = undefined;
      this._render(); // put the sliders and selects back to what the boots have
    }
  }

  /** A refusal in words, and what to change on this card to get past it. */
  _showError(err, action) {
    this._error = err;
    if (!this._errorLine) return;
    if (!err) {
      setText(this._errorLine, "");
      this._errorLine.hidden = true;
      return;
    }
    const limits = this._view?.limits || {};
    const hint = {
      daily_limit: ["card_change_length", { limit: limits.duration_max }],
      duration_above_plan: ["card_change_length", { limit: limits.duration_max }],
      pressure_above_plan: ["card_change_pressure", { limit: limits.pressure_max }],
      pressure_above_cap: ["card_change_pressure", { limit: limits.pressure_max }],
      rest_period: ["card_change_wait", { time: limits.rest_until }],
    }[err?.translation_key];
    const words = [err?.message || String(err)];
    if (action === "start" && hint && (hint[1].limit || hint[1].time)) words.push(this._t(...hint));
    setText(this._errorLine, words.join(" "));
    this._errorLine.hidden = false;
  }

  _changed(action, input) {
    this._moving = undefined;
    return this._control(action, Number(input.value));
  }

  _startOrStop() {
    const state = this._view?.state;
    if (state === "running" || state === "paused") return this._control("stop");
    return this._control("start", this._view?.limits?.start_minutes ?? undefined);
  }

  _pauseOrResume() {
    return this._control(this._view?.state === "paused" ? "resume" : "pause");
  }
}

const setText = (node, value) => {
  if (node.textContent !== value) node.textContent = value;
};

const setAttr = (node, name, value) => {
  if (value !== undefined && value !== null && node.getAttribute(name) !== String(value))
    node.setAttribute(name, String(value));
};

const setFlag = (node, name, on) => {
  if (node[name] !== on) node[name] = on;
};

/** The card picker's texts, once a card has loaded them (the picker is opened later). */
const TEXTS = {};
const PICKER = { type: CARD, name: "Presso", description: "", preview: true, documentationURL: DOCS };
const describe = (texts) => {
  PICKER.name = texts.card_name || PICKER.name;
  PICKER.description = texts.card_description || PICKER.description;
};

if (!customElements.get(CARD)) {
  customElements.define(CARD, PressoBootsCard);
  window.customCards = window.customCards || [];
  window.customCards.push(PICKER);
}
