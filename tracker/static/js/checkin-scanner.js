// The door scanner: camera, hand scanner and name search feed one queue of checks against the
// check-in API; each answer fills the screen (green, amber, red) with sound and vibration.
import { startCameraScanner } from "./checkin-camera.js";

const root = document.getElementById("scanner");
const texts = root.dataset;
const doorId = Number(texts.door);
const codeInput = document.getElementById("scan-code");
const verdictBox = document.getElementById("verdict");
const message = document.getElementById("scanner-message");
const cameraStatus = document.getElementById("camera-status");
const cameraToggle = document.getElementById("camera-toggle");
const REPEAT_WINDOW_MS = 3000;
const GREEN_VISIBLE_MS = 1800;
const RED_VISIBLE_MS = 4500;

let lastCode = "";
let lastCodeAt = 0;
let hideTimer = 0;
let currentVerdict = null;
let stopCamera = null;

function newNonce() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function isExit() {
  const out = document.getElementById("direction-out");
  return Boolean(out && out.checked);
}

// --- Talking to the API (a retry reuses the nonce, so it can never admit twice) ----------------------

async function send(url, body, attempts = 3) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-Tracker-Scanner": "1" },
        body: JSON.stringify(body),
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) return { failed: true, message: data.error || texts.msgError };
      return data;
    } catch (error) {
      if (attempt >= attempts) return { failed: true, message: texts.msgOffline };
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
  }
}

async function check(fields, startedAt = performance.now()) {
  const answer = await send(texts.scanUrl, { door: doorId, nonce: newNonce(), exit: isExit(), ...fields });
  show(answer, startedAt);
}

// --- Verdict on screen, sound, vibration ------------------------------------------------------------------

let audio = null;
function beep(tone) {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    if (audio.state === "suspended") audio.resume();
    const notes = { green: [[880, 0.12]], amber: [[660, 0.15], [520, 0.15]], red: [[220, 0.45]] }[tone];
    let at = audio.currentTime;
    for (const [frequency, length] of notes) {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.type = tone === "red" ? "square" : "sine";
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.25, at);
      gain.gain.exponentialRampToValueAtTime(0.001, at + length);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(at);
      oscillator.stop(at + length);
      at += length + 0.05;
    }
  } catch (error) {
    // no sound on this device
  }
}

function vibrate(tone) {
  if (navigator.vibrate) navigator.vibrate({ green: 80, amber: [120, 80, 120], red: [400] }[tone]);
}

function updateCounts(counts) {
  if (!counts) return;
  for (const [name, value] of Object.entries(counts)) {
    const target = root.querySelector(`[data-count="${name}"]`);
    if (target && value !== null) target.textContent = value;
  }
}

function show(answer, startedAt) {
  if (answer.failed) {
    answer = { tone: "red", verdict: "error", title: texts.labelConnectionLost, reason: answer.message, actions: [] };
  }
  currentVerdict = answer;
  const tone = answer.tone;
  verdictBox.className = `verdict verdict--${tone}`;
  verdictBox.dataset.verdict = answer.verdict;
  verdictBox.querySelector(".verdict__symbol").textContent = { green: "✓", amber: "!", red: "✗" }[tone];
  verdictBox.querySelector(".verdict__title").textContent = answer.title;
  verdictBox.querySelector(".verdict__name").textContent = answer.guest ? answer.guest.name : "";
  verdictBox.querySelector(".verdict__group").textContent = answer.guest && answer.guest.group ? answer.guest.group : "";
  verdictBox.querySelector(".verdict__reason").textContent = answer.reason;
  for (const button of verdictBox.querySelectorAll("[data-action]")) {
    const action = button.dataset.action;
    button.hidden = action !== "close" && !(answer.actions || []).includes(action);
  }
  verdictBox.hidden = false;
  verdictBox.dataset.scanMs = String(Math.round(performance.now() - startedAt));
  updateCounts(answer.counts);
  beep(tone);
  vibrate(tone);
  clearTimeout(hideTimer);
  if (tone !== "amber") hideTimer = setTimeout(hideVerdict, tone === "green" ? GREEN_VISIBLE_MS : RED_VISIBLE_MS);
  focusCodeInput();
}

function hideVerdict() {
  clearTimeout(hideTimer);
  verdictBox.hidden = true;
  currentVerdict = null;
  focusCodeInput();
}

verdictBox.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-action]");
  if (!button) return;
  const answer = currentVerdict;
  const action = button.dataset.action;
  if (action === "close" || !answer || !answer.guest) {
    hideVerdict();
    return;
  }
  button.disabled = true;
  const started = performance.now();
  if (action === "move_to_hall") {
    await check({ invitee: answer.guest.invitee, move_to_hall: true }, started);
  } else if (action === "walk_in") {
    show(await send(texts.walkInUrl, { door: doorId, nonce: newNonce(), invitee: answer.guest.invitee }), started);
  }
  button.disabled = false;
});

// --- Hand scanner and keyboard: Enter or Tab ends a code; a repeat within a few seconds is ignored ---------

function isRepeat(code, sliding) {
  const now = performance.now();
  const repeat = code === lastCode && now - lastCodeAt < REPEAT_WINDOW_MS;
  if (!repeat || sliding) lastCodeAt = now;
  lastCode = code;
  return repeat;
}

function submitTyped() {
  const code = codeInput.value.trim();
  codeInput.value = "";
  codeInput.inputMode = "none";
  if (code && !isRepeat(code.toUpperCase(), false)) check({ code });
}

function focusCodeInput() {
  const active = document.activeElement;
  const busyElsewhere = active && active !== document.body && active !== codeInput && !verdictBox.contains(active);
  if (!busyElsewhere) codeInput.focus({ preventScroll: true });
}

// The field keeps the focus for hand scanners without opening a phone's on-screen keyboard;
// tapping the field itself opens the keyboard to type a code.
codeInput.addEventListener("pointerdown", () => {
  codeInput.inputMode = "text";
});
codeInput.addEventListener("keydown", (event) => {
  if ((event.key === "Enter" || event.key === "Tab") && codeInput.value.trim()) {
    event.preventDefault();
    submitTyped();
  }
});
document.getElementById("code-form").addEventListener("submit", (event) => {
  event.preventDefault();
  submitTyped();
});
codeInput.addEventListener("blur", (event) => {
  if (!event.relatedTarget) setTimeout(focusCodeInput, 0);
});
document.addEventListener("click", (event) => {
  if (!event.target.closest("input, button, select, textarea, summary, a, label")) focusCodeInput();
});

// --- Camera ------------------------------------------------------------------------------------------------

async function toggleCamera() {
  if (stopCamera) {
    stopCamera();
    stopCamera = null;
    cameraToggle.textContent = texts.msgStartCamera;
    cameraStatus.textContent = texts.msgCameraOff;
    return;
  }
  try {
    stopCamera = await startCameraScanner(document.getElementById("camera-video"), {
      ponyfillUrl: texts.ponyfill,
      wasmBase: texts.wasmBase,
      onCode(text, startedAt) {
        if (!isRepeat(text.trim().toUpperCase(), true)) check({ code: text }, startedAt);
      },
    });
    cameraToggle.textContent = texts.msgStopCamera;
    cameraStatus.textContent = texts.msgCameraOn;
  } catch (error) {
    cameraStatus.textContent = texts.msgCameraFailed;
  }
  focusCodeInput();
}
cameraToggle.addEventListener("click", toggleCamera);

// --- Undo, name search, walk-ins ------------------------------------------------------------------------------

document.getElementById("undo-last").addEventListener("click", async () => {
  const answer = await send(texts.undoUrl, { door: doorId });
  message.textContent = answer.message;
  updateCounts(answer.counts);
  focusCodeInput();
});

const results = document.getElementById("search-results");
document.getElementById("search-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = document.getElementById("search-text").value.trim();
  const url = `${texts.searchUrl}?door=${doorId}&q=${encodeURIComponent(text)}`;
  let data;
  try {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    data = await response.json();
    if (!response.ok) data = { error: data.error || texts.msgError };
  } catch (error) {
    data = { error: texts.msgOffline };
  }
  results.replaceChildren();
  if (data.error || !data.results.length) {
    const item = document.createElement("li");
    item.textContent = data.error || texts.msgNoResults;
    results.append(item);
    return;
  }
  for (const guest of data.results) {
    const item = document.createElement("li");
    const label = document.createElement("span");
    label.textContent = [guest.name, guest.group, guest.status, guest.present ? texts.msgPresent : ""].filter(Boolean).join(" · ");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button";
    button.textContent = texts.msgAdmit;
    button.setAttribute("aria-label", `${texts.msgAdmit}: ${guest.name}`);
    button.addEventListener("click", () => check({ invitee: guest.invitee }));
    item.append(label, button);
    results.append(item);
  }
});

document.getElementById("walk-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const started = performance.now();
  const body = { door: doorId, nonce: newNonce(), name: form.elements.name.value.trim() };
  const email = form.elements.email.value.trim();
  if (email) body.email = email;
  const answer = await send(texts.walkInUrl, body);
  if (!answer.failed) form.reset();
  show(answer, started);
});

focusCodeInput();
