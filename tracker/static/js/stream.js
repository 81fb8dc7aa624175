// Watch page: countdown, player (native HLS, hls.js or iframe) and presence heartbeats.
function watch(root) {
  var data = root.dataset;
  var OPENS_BEFORE_MS = 15 * 60 * 1000;

  // --- Countdown ---------------------------------------------------------------------------------
  var countdown = document.getElementById("countdown");
  var startsAt = Number(data.startsAt);

  function amount(value, unit) {
    var labels = countdown.dataset;
    return value + " " + (value === 1 ? labels["label" + unit] : labels["label" + unit + "s"]);
  }

  function renderCountdown() {
    var left = startsAt - Date.now();
    if (data.phase === "before" && left <= OPENS_BEFORE_MS) { window.location.reload(); return; }
    if (left <= 0) { countdown.closest("section").hidden = true; return; }
    var seconds = Math.floor(left / 1000);
    var parts = [];
    var days = Math.floor(seconds / 86400);
    var hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    if (days) { parts.push(amount(days, "Day")); }
    if (days || hours) { parts.push(amount(hours, "Hour")); }
    parts.push(amount(minutes, "Minute"));
    if (!days) { parts.push(amount(seconds % 60, "Second")); }
    countdown.textContent = parts.join(", ");
  }
  if (countdown) { renderCountdown(); window.setInterval(renderCountdown, 1000); }

  if (data.phase !== "live" || !data.streamUrl) { return; }

  // --- Viewer token: this page's own. Nothing is stored on the device (no consent needed, TDDDG section 25), so
  // each page of the public watch page counts as a viewer of its own; personal links are one viewer anyway. ---
  var token = data.viewerToken;

  // --- Heartbeats ----------------------------------------------------------------------------------
  var intervalMs = Number(data.heartbeatSeconds) * 1000;
  var timer = null;
  var playing = false;
  var stopped = false;

  function body() { return JSON.stringify({ viewer: token }); }

  // 403: the registration no longer allows watching. No more heartbeats from this page; it says so and links to
  // the personal page, where the person may register again (and then reopen this page).
  function stopForGood() {
    stopped = true;
    stop(false);
    var notice = document.getElementById("watch-stopped");
    if (notice) { notice.hidden = false; }
  }

  function sendHeartbeat() {
    fetch(data.heartbeatUrl, {
      method: "POST", body: body(), headers: { "Content-Type": "application/json" },
      credentials: "omit", keepalive: true
    }).then(function (response) {
      if (response.status === 403) { stopForGood(); }
    }).catch(function () { /* offline for a moment: the next heartbeat tries again */ });
  }

  function scheduleNext() {
    var jitter = 0.9 + Math.random() * 0.2;
    timer = window.setTimeout(function () { sendHeartbeat(); scheduleNext(); }, intervalMs * jitter);
  }

  function start() {
    if (stopped || timer !== null || !playing || document.visibilityState !== "visible") { return; }
    sendHeartbeat();
    scheduleNext();
  }

  function stop(sayGoodbye) {
    if (timer === null) { return; }
    window.clearTimeout(timer);
    timer = null;
    if (sayGoodbye) {
      var sent = navigator.sendBeacon && navigator.sendBeacon(data.goodbyeUrl, body());
      if (!sent) {
        fetch(data.goodbyeUrl, { method: "POST", body: body(), credentials: "omit", keepalive: true }).catch(function () {});
      }
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { start(); } else { stop(true); }
  });
  window.addEventListener("pagehide", function () { stop(true); });
  window.addEventListener("pageshow", function (event) { if (event.persisted) { start(); } });

  function setPlaying(value) {
    playing = value;
    if (playing) { start(); } else { stop(true); }
  }

  // --- Player --------------------------------------------------------------------------------------
  if (data.streamKind !== "hls") {
    // A cross-origin player cannot tell us whether it plays: a visible page counts as watching.
    setPlaying(true);
    return;
  }
  var video = document.getElementById("player-video");
  var problem = document.getElementById("player-error");
  video.addEventListener("playing", function () { setPlaying(true); });
  video.addEventListener("pause", function () { setPlaying(false); });
  video.addEventListener("ended", function () { setPlaying(false); });

  function showProblem() { problem.hidden = false; }

  if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = data.streamUrl;
    video.addEventListener("error", showProblem);
    return;
  }
  var script = document.createElement("script");
  script.src = data.hlsScript;
  script.onload = function () {
    if (!window.Hls || !window.Hls.isSupported()) { showProblem(); return; }
    var hls = new window.Hls({ liveDurationInfinity: true });
    hls.on(window.Hls.Events.ERROR, function (_event, details) { if (details.fatal) { showProblem(); } });
    hls.loadSource(data.streamUrl);
    hls.attachMedia(video);
  };
  script.onerror = showProblem;
  document.head.appendChild(script);
}

const root = document.getElementById("watch");
if (root) { watch(root); }
