// Continuous QR scanning from the camera: the native BarcodeDetector where the browser has one,
// else the vendored ZXing-WebAssembly ponyfill, whose .wasm is loaded from our static folder.

async function makeDetector(ponyfillUrl, wasmBase) {
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) return new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch (error) {
      // fall through to the ponyfill
    }
  }
  const ponyfill = await import(ponyfillUrl);
  ponyfill.prepareZXingModule({
    overrides: {
      locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasmBase + path : prefix + path),
    },
  });
  return new ponyfill.BarcodeDetector({ formats: ["qr_code"] });
}

// Start the camera on `video` and call onCode(text, startedAt) for each QR code seen, and onNothing() (if given)
// for each frame read without one; startedAt is the performance.now() at which the frame that held it was taken.
// Returns stop().
export async function startCameraScanner(video, { ponyfillUrl, wasmBase, onCode, onNothing = () => {} }) {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: "environment", width: { ideal: 1280 }, height: { ideal: 720 } },
    audio: false,
  });
  video.srcObject = stream;
  video.classList.add("is-live");
  await video.play();
  const detector = await makeDetector(ponyfillUrl, wasmBase);
  let running = true;

  async function loop() {
    while (running) {
      if (video.readyState >= 2) {
        const startedAt = performance.now();
        try {
          const found = await detector.detect(video);
          if (running && found.length) onCode(found[0].rawValue, startedAt);
          else if (running) onNothing();
        } catch (error) {
          // a frame that cannot be read is skipped
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
  }
  loop();

  return function stop() {
    running = false;
    stream.getTracks().forEach((track) => track.stop());
    video.srcObject = null;
    video.classList.remove("is-live");
  };
}
