// The door scanner: camera, hand scanner and name search feed one queue of checks against the
// check-in API; each answer fills the screen (green, amber, red) with sound and vibration.
import { startCameraScanner } from "./checkin-camera.js";
import { affiliation, verdictDialog } from "./checkin-verdict.js";

const root = document.getElementById("scanner");
const texts = root.dataset;
const doorId = Number(texts.door);
const codeInput = document.getElementById("scan-code");
const message = document.getElementById("scanner-message");
const cameraStatus = document.getElementById("camera-status");
const cameraToggle = document.getElementById("camera-toggle");
const undoButton = document.getElementById("undo-last");
// A code seen again within this time is not checked again: its earlier verdict is shown, marked as a repeat.
const REPEAT_WINDOW_MS = 3000;
// The camera sees a code in every frame while it is held up; this many frames without it mean it was taken away.
const FRAMES_GONE = 3;

// The last code checked: {code, checkedAt, seenAt, at (Date), answer (once it arrived), framesWithout (camera)}.
let lastScan = null;
let stopCamera = null;
let undoNonce = null;
let undoTimer = 0;

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
  return answer;
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

const verdict = verdictDialog({
  box: document.getElementById("verdict"),
  codeInput,
  recentList: document.getElementById("recent-verdicts"),
  recentEmpty: document.getElementById("recent-empty"),
  repeatText: texts.msgRepeat,
  timeZone: texts.timeZone,
  onCode: submitTyped,
  async onAction(action, answer) {
    const started = performance.now();
    let next;
    if (action === "move_to_hall") {
      next = await check({ invitee: answer.guest.invitee, move_to_hall: true }, started);
    } else if (action === "walk_in") {
      next = await send(texts.walkInUrl, { door: doorId, nonce: newNonce(), invitee: answer.guest.invitee });
      show(next, started);
    }
    if (lastScan && lastScan.answer === answer) lastScan.answer = next;
  },
});

function show(answer, startedAt) {
  if (answer.failed) {
    answer = { tone: "red", verdict: "error", title: texts.labelConnectionLost, reason: answer.message, actions: [],
      failed: true };
  }
  document.getElementById("verdict").dataset.scanMs = String(Math.round(performance.now() - startedAt));
  verdict.show(answer);
  updateCounts(answer.counts);
  beep(answer.tone);
  vibrate(answer.tone);
  if (answer.admitted) offerUndo(answer.nonce);
  if (answer.guest && listed.has(answer.guest.invitee)) search(searchedFor);
}

// --- Hand scanner, keyboard and camera: a code seen again within seconds shows its earlier verdict again ------

function scanCode(text, fromCamera, startedAt = performance.now()) {
  const code = text.trim().toUpperCase();
  const now = performance.now();
  const last = lastScan;
  // Typed codes count from the first check; the camera's window slides while the code stays in view.
  if (last && last.code === code && now - (fromCamera ? last.seenAt : last.checkedAt) < REPEAT_WINDOW_MS
      && !(last.answer && last.answer.failed)) {
    const cameBack = !fromCamera || last.framesWithout >= FRAMES_GONE;
    last.seenAt = now;
    last.framesWithout = 0;
    if (last.answer && cameBack) {
      verdict.show(last.answer, last.at);
      beep(last.answer.tone);
      vibrate(last.answer.tone);
    }
    return;
  }
  const scan = { code, checkedAt: now, seenAt: now, at: new Date(), answer: null, framesWithout: 0 };
  lastScan = scan;
  check({ code: text }, startedAt).then((answer) => {
    scan.answer = answer.failed ? { failed: true } : answer;
  });
}

function submitTyped() {
  const code = codeInput.value.trim();
  codeInput.value = "";
  codeInput.inputMode = "none";
  if (code) scanCode(code, false);
}

function focusCodeInput() {
  const active = document.activeElement;
  if (verdict.isOpen() || (active && active !== document.body && active !== codeInput)) return;
  codeInput.focus({ preventScroll: true });
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
    if (lastScan) lastScan.framesWithout = FRAMES_GONE; // seen again after a restart, it is a repeat
    cameraToggle.textContent = texts.msgStartCamera;
    cameraStatus.textContent = texts.msgCameraOff;
    return;
  }
  try {
    stopCamera = await startCameraScanner(document.getElementById("camera-video"), {
      ponyfillUrl: texts.ponyfill,
      wasmBase: texts.wasmBase,
      onCode(text, startedAt) {
        scanCode(text, true, startedAt);
      },
      onNothing() {
        if (lastScan) lastScan.framesWithout += 1;
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

// --- Undo (of this page's last check-in), name search, walk-ins ---------------------------------------------

function offerUndo(nonce) {
  undoNonce = nonce;
  undoButton.hidden = false;
  clearTimeout(undoTimer);
  undoTimer = setTimeout(withdrawUndo, Number(texts.undoWindowMs));
}

function withdrawUndo() {
  clearTimeout(undoTimer);
  undoNonce = null;
  undoButton.hidden = true;
}

undoButton.addEventListener("click", async () => {
  const answer = await send(texts.undoUrl, { door: doorId, nonce: undoNonce });
  message.textContent = answer.message;
  if (!answer.failed) {
    withdrawUndo();
    lastScan = null;
    updateCounts(answer.counts);
    if (listed.size) search(searchedFor);
  }
  codeInput.focus({ preventScroll: true });
});

const results = document.getElementById("search-results");
let searchedFor = "";
// The invitees the results show: a verdict about one of them refreshes the results with their new state.
let listed = new Set();

function searchResult(guest) {
  const item = document.createElement("li");
  const who = document.createElement("div");
  const name = document.createElement("strong");
  name.textContent = guest.name;
  who.append(name);
  for (const text of [affiliation(guest), [guest.status, guest.state].filter(Boolean).join(" · ")]) {
    if (!text) continue;
    const line = document.createElement("span");
    line.className = "search-results__line";
    line.textContent = text;
    who.append(line);
  }
  item.append(who);
  if (guest.admissible) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button";
    button.textContent = texts.msgAdmit;
    button.setAttribute("aria-label", `${texts.msgAdmit}: ${[guest.name, affiliation(guest)].filter(Boolean).join(", ")}`);
    button.addEventListener("click", () => check({ invitee: guest.invitee, exit: false }));
    item.append(button);
  }
  return item;
}

async function search(text) {
  searchedFor = text;
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
  listed = new Set((data.results || []).map((guest) => guest.invitee));
  if (data.error || !data.results.length) {
    const item = document.createElement("li");
    item.textContent = data.error || texts.msgNoResults;
    results.append(item);
    return;
  }
  results.append(...data.results.map(searchResult));
}

document.getElementById("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  search(document.getElementById("search-text").value.trim());
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
