// Brings the widget's page to life once the rep can read it. The worker rendered the
// opportunity's screen into the page, with the session it was rendered from: this small
// script waits for the browser's first contentful paint, and only then loads the widget
// (`widget.js`: wasm-bindgen's glue, then the wasm), so nothing of it competes with that
// paint. The widget adopts the rendered screen (no visible change) and takes over the
// clicks and the following. A file, not an inline script: the page's
// Content-Security-Policy forbids inline scripts altogether.
const host = document.getElementById("aurora-widget");

// A click on Create before the widget is live is not lost: it is made again on the
// widget's own button as soon as the widget listens.
let earlyCreate = false;
const remember = (event) => {
  if (event.target instanceof Element && event.target.closest("[data-testid='create-project']")) {
    earlyCreate = true;
  }
};
host.addEventListener("click", remember);

// Whichever comes first: the first contentful paint (not the first paint, which may be
// blank), or a moment after the page loaded (a browser without paint timing).
const painted = new Promise((resolve) => {
  if (performance.getEntriesByName("first-contentful-paint").length > 0) return resolve();
  try {
    new PerformanceObserver((entries, observer) => {
      if (entries.getEntriesByName("first-contentful-paint").length === 0) return;
      observer.disconnect();
      resolve();
    }).observe({ type: "paint", buffered: true });
  } catch {
    // No paint timing here: the load below decides.
  }
  addEventListener("load", () => setTimeout(resolve, 50));
});

painted
  .then(async () => {
    performance.mark("aurora-boot-start");
    const { start } = await import("./widget.js");
    await start(host);
    host.removeEventListener("click", remember);
    if (earlyCreate) host.querySelector("[data-testid='create-project']")?.click();
  })
  .catch((error) => {
    // The page stays readable; the rep is told why it does not act, and what to do.
    const notice = document.createElement("p");
    notice.className = "page-notice";
    notice.setAttribute("role", "status");
    notice.textContent =
      "This panel could not start in this browser, so it shows what was current when it loaded. Reload the page to try again.";
    host.after(notice);
    throw error;
  });
