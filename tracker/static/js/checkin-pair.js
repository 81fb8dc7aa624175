// Pairing page: read the organiser's pairing QR code with the camera and open its link.
import { startCameraScanner } from "./checkin-camera.js";

const box = document.getElementById("pair-camera");
const status = box.querySelector(".camera__status");
const prefix = new URL(box.dataset.pairPrefix, window.location.href).href;

startCameraScanner(box.querySelector("video"), {
  ponyfillUrl: box.dataset.ponyfill,
  wasmBase: box.dataset.wasmBase,
  onCode(text) {
    if (text.startsWith(prefix)) window.location.assign(text);
  },
}).catch(() => {
  status.textContent = box.dataset.msgCameraFailed || "";
});
