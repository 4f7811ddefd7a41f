/**
 * Presso boots card: both legs drawn live, chambers coloured by pressure, with controls.
 *
 * One plain ES module served by the integration (no build step). Live chamber
 * pressures arrive over the integration's websocket subscription
 * (`presso_boots/subscribe`), not through entity states; every control goes
 * through the integration's entities and actions, so the user's limits apply.
 */

const DOMAIN = "presso_boots";
const CARD = "presso-boots-card";
const SVG_NS = "http://www.w3.org/2000/svg";
const LEG_KEYS = ["left", "right"];

const TEXTS = {
  en: {
    name: "Presso boots",
    description: "Both legs drawn live, chambers coloured by pressure, with session controls.",
    boots: "Boots",
    start: "Start",
    stop: "Stop",
    pause: "Pause",
    resume: "Resume",
    pressure: "Pressure",
    program: "Program",
    legs: "Legs",
    leg_left: "Left leg",
    leg_right: "Right leg",
    chamber: "{leg}, chamber {chamber}: {pressure} mmHg",
    not_in_use: "{leg}, chamber {chamber}: not in use",
    inflating: "inflating",
    remaining: "{time} left",
    scale: "Pressure scale from 0 to your limit of {cap} mmHg",
    cap: "limit {cap} mmHg",
    choose: "Choose the boots in the card's settings.",
    missing: "These boots are not set up in Home Assistant.",
    asleep:
      "{name} are asleep or out of range. Press the power button on the controller or move closer to a Bluetooth adapter or proxy.",
    other_app: "{name} are connected to another app (such as the phone app). Close it and try again.",
    fault: "Fault: {fault}. Settings → Repairs says what to check.",
    idle: "Idle",
    running: "Running",
    paused: "Paused",
    finishing: "Finishing",
    unknown: "Unknown",
  },
  es: {
    name: "Botas Presso",
    description: "Las dos piernas en directo, cámaras coloreadas según la presión, con controles de sesión.",
    boots: "Botas",
    start: "Iniciar",
    stop: "Detener",
    pause: "Pausar",
    resume: "Reanudar",
    pressure: "Presión",
    program: "Programa",
    legs: "Piernas",
    leg_left: "Pierna izquierda",
    leg_right: "Pierna derecha",
    chamber: "{leg}, cámara {chamber}: {pressure} mmHg",
    not_in_use: "{leg}, cámara {chamber}: sin usar",
    inflating: "inflando",
    remaining: "quedan {time}",
    scale: "Escala de presión de 0 a tu límite de {cap} mmHg",
    cap: "límite {cap} mmHg",
    choose: "Elige las botas en la configuración de la tarjeta.",
    missing: "Estas botas no están configuradas en Home Assistant.",
    asleep:
      "{name} están dormidas o fuera de alcance. Pulsa el botón de encendido del controlador o acércalas a un adaptador o proxy Bluetooth.",
    other_app: "{name} están conectadas a otra app (como la del móvil). Ciérrala y vuelve a intentarlo.",
    fault: "Fallo: {fault}. Ajustes → Reparaciones indica qué revisar.",
    idle: "En reposo",
    running: "En marcha",
    paused: "En pausa",
    finishing: "Terminando",
    unknown: "Desconocido",
  },
};

const language = (hass) => (hass?.locale?.language || hass?.language || "en").split("-")[0];

const text = (hass, key, values = {}) => {
  const table = TEXTS[language(hass)] || TEXTS.en;
  const template = table[key] ?? TEXTS.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
};

/** The integration's own translation (exceptions, issues, entity states), or our fallback. */
const backend = (localize, key, values, fallback) => {
  const found = localize ? localize(`component.${DOMAIN}.${key}`, values) : "";
  return found || fallback;
};

/** The device's entities, found by translation key (entity ids can be renamed). */
const deviceEntities = (hass, deviceId) => {
  const found = { chamberZones: [] };
  for (const entry of Object.values(hass.entities || {})) {
    if (entry.device_id !== deviceId || entry.platform !== DOMAIN) continue;
    const domain = entry.entity_id.split(".")[0];
    const key = `${domain}.${entry.translation_key ?? ""}`;
    if (key === "switch.chamber_zone") found.chamberZones.push(entry.entity_id);
    else if (key === "switch.session") found.session = entry.entity_id;
    else if (key === "number.pressure") found.pressure = entry.entity_id;
    else if (key === "number.duration") found.duration = entry.entity_id;
    else if (key === "select.program") found.program = entry.entity_id;
    else if (key === "select.legs") found.legs = entry.entity_id;
    else if (key === "sensor.session_state") found.state = entry.entity_id;
    else if (key === "sensor.session_ends") found.ends = entry.entity_id;
    else if (key === "sensor.fault") found.fault = entry.entity_id;
  }
  found.chamberZones.sort((a, b) => chamberNumber(a) - chamberNumber(b));
  return found;
};

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

/** Colour of a chamber at `ratio` (0..1) of the user's cap: cool at rest, warm near the cap. */
const pressureColour = (ratio) => {
  if (ratio <= 0) return "var(--presso-chamber-empty, var(--secondary-background-color))";
  const hue = Math.round(200 - 190 * Math.min(1, ratio));
  return `hsl(${hue} 72% 52%)`;
};

const duration = (seconds) => {
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
  .field { display: grid; grid-template-columns: 6.5em 1fr auto; align-items: center; gap: 8px; color: var(--primary-text-color); }
  .field input[type=range] { width: 100%; accent-color: var(--primary-color); }
  .field output { min-width: 5.5em; text-align: right; color: var(--secondary-text-color); }
  .selects { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
  .selects .field { grid-template-columns: 1fr; gap: 4px; }
  select { font: inherit; min-height: 36px; padding: 0 8px; border-radius: 8px;
    border: 1px solid var(--divider-color); background: var(--card-background-color); color: var(--primary-text-color); }
  [hidden] { display: none !important; }
  @media (max-width: 420px) { .selects { grid-template-columns: 1fr; } }
`;

class PressoBootsCard extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._config = undefined;
    this._hass = undefined;
    this._live = undefined;
    this._shape = "";
    this._seen = [];
    this._unsubscribe = undefined;
    this._subscribedTo = undefined;
    this._localize = undefined;
    this._translationsFor = undefined;
    this._tick = undefined;
    this._registry = undefined;
    this._registryDevice = undefined;
    this._found = undefined;
  }

  static getStubConfig(hass) {
    const device = firstDevice(hass);
    return device ? { device_id: device } : {};
  }

  static getConfigForm() {
    return {
      schema: [{ name: "device_id", selector: { device: { integration: DOMAIN } } }],
      computeLabel: (schema, _data, hass) => (schema.name === "device_id" ? text(hass, "boots") : undefined),
    };
  }

  setConfig(config) {
    if (!config || typeof config !== "object") throw new Error("Invalid configuration");
    if (config.device_id !== undefined && typeof config.device_id !== "string")
      throw new Error("device_id must be a device id");
    if (config.entity !== undefined && !String(config.entity).startsWith("switch."))
      throw new Error("entity must be the boots' session switch (switch.…)");
    this._config = { ...config };
    this._shape = "";
    this._seen = [];
    this._resubscribe();
    this._render();
  }

  set hass(hass) {
    this._hass = hass;
    if (this._translationsFor !== language(hass)) this._loadTranslations();
    this._resubscribe();
    this._render();
  }

  get hass() {
    return this._hass;
  }

  connectedCallback() {
    this._resubscribe();
  }

  disconnectedCallback() {
    this._stopSubscription();
    clearInterval(this._tick);
    this._tick = undefined;
  }

  getCardSize() {
    return 8;
  }

  getGridOptions() {
    return { columns: 12, min_columns: 6, rows: "auto", min_rows: 6 };
  }

  // --- which boots ---------------------------------------------------------------------

  get _deviceId() {
    const config = this._config || {};
    if (config.device_id) return config.device_id;
    const registry = this._hass?.entities;
    if (registry !== this._idRegistry || config !== this._idConfig) {
      this._idRegistry = registry;
      this._idConfig = config;
      this._id = config.entity ? registry?.[config.entity]?.device_id : firstDevice(this._hass);
    }
    return this._id;
  }

  async _loadTranslations() {
    const hass = this._hass;
    this._translationsFor = language(hass);
    if (!hass?.loadBackendTranslation) return;
    try {
      await hass.loadBackendTranslation("exceptions", DOMAIN);
      this._localize = await hass.loadBackendTranslation("issues", DOMAIN);
    } catch (_err) {
      this._localize = undefined; // our own texts serve
    }
    this._seen = [];
    this._render();
  }

  // --- live data -------------------------------------------------------------------------

  _resubscribe() {
    const deviceId = this.isConnected ? this._deviceId : undefined;
    if (deviceId === this._subscribedTo) return;
    this._stopSubscription();
    if (!deviceId || !this._hass?.connection) return;
    this._subscribedTo = deviceId;
    const pending = this._hass.connection.subscribeMessage((message) => this._onLive(message), {
      type: `${DOMAIN}/subscribe`,
      device_id: deviceId,
    });
    this._unsubscribe = pending;
    pending.catch((err) => {
      if (this._unsubscribe === pending) {
        this._unsubscribe = undefined;
        this._showError(err);
      }
    });
  }

  _stopSubscription() {
    const pending = this._unsubscribe;
    this._unsubscribe = undefined;
    this._subscribedTo = undefined;
    this._live = undefined;
    if (pending) pending.then((unsubscribe) => unsubscribe()).catch(() => undefined);
  }

  _onLive(message) {
    this._live = message;
    this._render();
  }

  // --- drawing ----------------------------------------------------------------------------

  _render() {
    const hass = this._hass;
    if (!hass || !this._config) return;
    const deviceId = this._deviceId;
    if (hass.entities !== this._registry || deviceId !== this._registryDevice) {
      // the entity registry changes rarely; hass itself changes with every state
      this._registry = hass.entities;
      this._registryDevice = deviceId;
      this._found = deviceId ? deviceEntities(hass, deviceId) : undefined;
    }
    const entities = this._found;
    if (!deviceId || !entities.session) {
      this._renderMessage(text(hass, deviceId ? "missing" : "choose"));
      return;
    }
    const ids = [entities.session, entities.pressure, entities.duration, entities.program, entities.legs,
      entities.state, entities.ends, entities.fault, ...entities.chamberZones];
    const seen = [language(hass), this._live, this._localize, ...ids.map((id) => hass.states[id])];
    if (seen.length === this._seen.length && seen.every((value, i) => value === this._seen[i])) return;
    this._seen = seen;
    const legs = this._live?.legs ?? (hass.states[entities.legs]?.attributes.options?.length > 1 ? 2 : 1);
    const chambers = this._live?.chambers ?? entities.chamberZones.length;
    const shape = `${deviceId}/${legs}x${chambers}/${language(hass)}`;
    if (shape !== this._shape) this._build(legs, chambers, shape);
    this._update(entities);
  }

  _renderMessage(message) {
    this._shape = "";
    this._seen = [];
    this.shadowRoot.replaceChildren(
      element("style", {}, [STYLE]),
      element("ha-card", {}, [element("div", { class: "notice", role: "status" }, [message])]),
    );
  }

  _build(legs, chambers, shape) {
    const hass = this._hass;
    this._shape = shape;
    this._perLeg = chambers;
    const drawing = svg("svg", { class: "legs", viewBox: `0 0 ${legs * 100} 272`, role: "group" });
    this._chambers = [];
    for (let leg = 0; leg < legs; leg += 1) {
      const legName = text(hass, `leg_${LEG_KEYS[leg]}`);
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
    const track = circle("track");
    this._done = circle("done");
    const length = 2 * Math.PI * 48;
    this._done.setAttribute("stroke-dasharray", String(length));
    this._done.setAttribute("stroke-dashoffset", String(length));
    this._ringLength = length;
    this._ringBig = svg("text", { class: "big", x: "56", y: "58" });
    this._ringSmall = svg("text", { class: "small", x: "56", y: "74" });
    ring.append(track, this._done, this._ringBig, this._ringSmall);

    this._name = element("span", { class: "name" });
    this._state = element("span", { class: "state", role: "status" });
    this._notice = element("div", { class: "notice", role: "status", hidden: "" });
    this._facts = element("div", { class: "facts" });
    this._scaleEnd = element("span");
    this._scale = element("div", { class: "scale" }, [
      element("div", { class: "bar" }),
      element("div", { class: "ends", "aria-hidden": "true" }, [element("span", {}, ["0"]), this._scaleEnd]),
    ]);
    this._startStop = element("button", { type: "button", class: "primary", "data-action": "start-stop" });
    this._pauseResume = element("button", { type: "button", "data-action": "pause-resume" });
    this._slider = element("input", { type: "range", id: "pressure" });
    this._sliderValue = element("output", { for: "pressure" });
    this._program = element("select", { id: "program" });
    this._legs = element("select", { id: "legs" });
    this._error = element("p", { class: "error", role: "alert", hidden: "" });

    this._startStop.addEventListener("click", () => this._startOrStop());
    this._pauseResume.addEventListener("click", () => this._pauseOrResume());
    this._slider.addEventListener("input", () => {
      this._sliderValue.value = `${this._slider.value} mmHg`;
    });
    this._slider.addEventListener("change", () => this._setPressure(Number(this._slider.value)));
    this._program.addEventListener("change", () => this._select("program", this._program.value));
    this._legs.addEventListener("change", () => this._select("legs", this._legs.value));

    this.shadowRoot.replaceChildren(
      element("style", {}, [STYLE]),
      element("ha-card", {}, [
        element("div", { class: "header" }, [this._name, this._state]),
        this._notice,
        element("div", { class: "body" }, [drawing, element("div", { class: "side" }, [ring, this._facts, this._scale])]),
        element("div", { class: "buttons" }, [this._startStop, this._pauseResume]),
        element("label", { class: "field", for: "pressure" }, [text(hass, "pressure"), this._slider, this._sliderValue]),
        element("div", { class: "selects" }, [
          element("label", { class: "field" }, [text(hass, "program"), this._program]),
          element("label", { class: "field" }, [text(hass, "legs"), this._legs]),
        ]),
        this._error,
      ]),
    );
    this._entities = undefined;
  }

  _update(entities) {
    const hass = this._hass;
    this._entities = entities;
    const session = hass.states[entities.session];
    const pressure = hass.states[entities.pressure];
    const stateObj = hass.states[entities.state];
    const live = this._live || {};
    const name = hass.devices?.[this._deviceId]?.name_by_user || hass.devices?.[this._deviceId]?.name ||
      session?.attributes.friendly_name || text(hass, "name");
    const available = session && session.state !== "unavailable";
    const running = session?.state === "on";
    const sessionState = live.state ?? stateObj?.state;
    const paused = sessionState === "paused";
    setText(this._name, name);
    setText(this._state, available ? this._stateName(stateObj, sessionState) : "");

    // chambers
    const cap = Number(pressure?.attributes.max) || 100;
    const legsInUse = live.legs_in_use ?? { both: 3, left: 1, right: 2 }[hass.states[entities.legs]?.state] ?? 3;
    const zones = live.zones ?? entities.chamberZones.reduce(
      (mask, id) => (hass.states[id]?.state === "off" ? mask & ~(1 << (chamberNumber(id) - 1)) : mask), 0xffff);
    const perLeg = this._perLeg;
    for (const item of this._chambers) {
      const inUse = Boolean(legsInUse & (1 << item.leg)) && Boolean(zones & (1 << (item.chamber - 1)));
      const value = live.pressures?.[item.leg * perLeg + item.chamber - 1] ?? 0;
      const active = running && inUse && live.active_chamber === item.chamber;
      const key = `${inUse}/${value}/${active}/${cap}`;
      if (key === item.key) continue;
      item.key = key;
      item.path.classList.toggle("off", !inUse);
      item.path.classList.toggle("active", active);
      item.path.style.fill = inUse ? pressureColour(value / cap) : "";
      item.path.dataset.pressure = String(value);
      item.path.setAttribute("aria-label", inUse
        ? text(hass, "chamber", { leg: item.legName, chamber: item.chamber, pressure: value }) +
            (active ? ` (${text(hass, "inflating")})` : "")
        : text(hass, "not_in_use", { leg: item.legName, chamber: item.chamber }));
    }
    setAttr(this._scale, "aria-label", text(hass, "scale", { cap }));
    setText(this._scaleEnd, `${cap} mmHg`);

    this._updateNotice(entities, name, available);
    this._updateProgress(entities, running, paused);

    // controls
    setText(this._startStop, text(hass, running ? "stop" : "start"));
    setFlag(this._startStop, "disabled", !available);
    setText(this._pauseResume, text(hass, paused ? "resume" : "pause"));
    setFlag(this._pauseResume, "disabled", !available || !running);
    if (pressure) {
      const attrs = pressure.attributes;
      setAttr(this._slider, "min", attrs.min);
      setAttr(this._slider, "max", attrs.max);
      setAttr(this._slider, "step", attrs.step);
      if (this.shadowRoot.activeElement !== this._slider && !Number.isNaN(Number(pressure.state))) {
        this._slider.value = pressure.state;
      }
      setText(this._sliderValue, `${this._slider.value} mmHg`);
      setAttr(this._slider, "aria-valuetext", `${this._slider.value} mmHg (${text(hass, "cap", { cap })})`);
    }
    setFlag(this._slider, "disabled", !available || !pressure || pressure.state === "unavailable");
    fillSelect(this._program, hass, hass.states[entities.program]);
    fillSelect(this._legs, hass, hass.states[entities.legs]);
    setFlag(this._program, "disabled", !available);
    setFlag(this._legs, "disabled", !available);
  }

  _stateName(stateObj, value) {
    const hass = this._hass;
    if (!value || value === "unknown" || value === "unavailable") return "";
    if (stateObj && value === stateObj.state && hass.formatEntityState) return hass.formatEntityState(stateObj);
    return backend(hass.localize, `entity.sensor.session_state.state.${value}`, {}, text(hass, value));
  }

  _updateNotice(entities, name, available) {
    const hass = this._hass;
    const fault = hass.states[entities.fault];
    let message = "";
    let isFault = false;
    if (!available) {
      message = backend(this._localize || hass.localize, "exceptions.not_found.message", { name },
        text(hass, "asleep", { name }));
    } else if (this._live?.other_app) {
      message = backend(this._localize || hass.localize, "exceptions.other_central.message", { name },
        text(hass, "other_app", { name }));
    } else if (fault && !["none", "unknown", "unavailable"].includes(fault.state)) {
      isFault = true;
      const title = hass.formatEntityState ? hass.formatEntityState(fault) : fault.state;
      const key = `issues.fault_${fault.state}.fix_flow.step.confirm.description`;
      message = `${text(hass, "fault", { fault: title })} ${backend(this._localize, key, { code: "" }, "")}`.trim();
    }
    setText(this._notice, message);
    setFlag(this._notice, "hidden", !message);
    if (this._notice.classList.contains("fault") !== isFault) this._notice.classList.toggle("fault", isFault);
  }

  _updateProgress(entities, running, paused) {
    const hass = this._hass;
    const program = hass.states[entities.program];
    const pressure = hass.states[entities.pressure];
    const ends = Date.parse(hass.states[entities.ends]?.state ?? "");
    const minutes = Number(hass.states[entities.duration]?.state);
    const remaining = running && !Number.isNaN(ends) ? Math.max(0, Math.round((ends - Date.now()) / 1000)) : undefined;
    const total = minutes > 0 ? minutes * 60 : undefined;
    const done = remaining !== undefined && total ? Math.min(1, Math.max(0, 1 - remaining / total)) : 0;
    setAttr(this._done, "stroke-dashoffset", (this._ringLength * (1 - done)).toFixed(1));
    setText(this._ringBig, remaining !== undefined ? duration(remaining) : total ? duration(total) : "–");
    setText(this._ringSmall, remaining !== undefined ? text(hass, "remaining", { time: "" }).trim() : "");
    const programName = program && hass.formatEntityState ? hass.formatEntityState(program) : program?.state;
    const facts = [programName, pressure ? `${pressure.state} mmHg` : ""].filter(
      (v) => v && !v.startsWith("unavailable") && !v.startsWith("unknown"));
    setText(this._facts, facts.join(" · "));
    const ticking = running && !paused && remaining !== undefined;
    if (ticking && !this._tick) {
      this._tick = setInterval(() => {
        if (this._entities) this._updateProgress(this._entities, true, false);
      }, 1000);
    } else if (!ticking && this._tick) {
      clearInterval(this._tick);
      this._tick = undefined;
    }
  }

  // --- controls (always through the integration's entities and actions) -------------------

  async _call(domain, service, data, target) {
    setText(this._error, "");
    this._error.hidden = true;
    try {
      await this._hass.callService(domain, service, data, target);
    } catch (err) {
      this._showError(err);
      this._seen = [];
      this._render(); // put the slider and selects back to what the boots have
    }
  }

  _showError(err) {
    if (!this._error) return;
    setText(this._error, err?.message || String(err));
    this._error.hidden = false;
  }

  _startOrStop() {
    const session = this._hass.states[this._entities.session];
    const service = session?.state === "on" ? "turn_off" : "turn_on";
    return this._call("switch", service, {}, { entity_id: this._entities.session });
  }

  _pauseOrResume() {
    const paused = (this._live?.state ?? this._hass.states[this._entities.state]?.state) === "paused";
    return this._call(DOMAIN, paused ? "resume_session" : "pause_session", { device_id: this._deviceId });
  }

  _setPressure(value) {
    return this._call("number", "set_value", { value }, { entity_id: this._entities.pressure });
  }

  _select(which, option) {
    return this._call("select", "select_option", { option }, { entity_id: this._entities[which] });
  }
}

const setText = (node, value) => {
  if (node.textContent !== value) node.textContent = value;
};

const setAttr = (node, name, value) => {
  if (value !== undefined && node.getAttribute(name) !== String(value)) node.setAttribute(name, String(value));
};

const setFlag = (node, name, on) => {
  if (node[name] !== on) node[name] = on;
};

const chamberNumber = (entityId) => Number(entityId.match(/(\d+)$/)?.[1] ?? 0);

const fillSelect = (select, hass, stateObj) => {
  const options = stateObj?.attributes.options || [];
  const key = options.join("|");
  if (select.dataset.options !== key || select.dataset.language !== language(hass)) {
    select.dataset.options = key;
    select.dataset.language = language(hass);
    select.replaceChildren(
      ...options.map((option) => {
        const label = hass.formatEntityState ? hass.formatEntityState(stateObj, option) : option;
        return element("option", { value: option }, [label]);
      }),
    );
  }
  if (stateObj && options.includes(stateObj.state) && select.value !== stateObj.state) select.value = stateObj.state;
};

if (!customElements.get(CARD)) {
  customElements.define(CARD, PressoBootsCard);
  window.customCards = window.customCards || [];
  window.customCards.push({
    type: CARD,
    name: TEXTS.en.name,
    description: TEXTS.en.description,
    preview: true,
    documentationURL: "https://github.com/presso-boots/presso_boots#the-leg-boots-card",
  });
}
