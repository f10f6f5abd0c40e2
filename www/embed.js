// Brings the widget's page to life. The worker rendered the opportunity's screen into the
// page, with the session it was rendered from: the rep reads it before any of this runs.
// The wasm is fetched only after that first paint, so it never competes with it; once
// compiled, the widget replaces the rendered screen with its own mount of the same one
// (no visible change) and takes over the clicks and the following. A file rather than an
// inline script so the page's Content-Security-Policy forbids inline scripts altogether;
// `cargo xtask build` bundles it with wasm-bindgen's glue into dist/widget/embed.js.
import init, { mount_widget } from "./aurora_crm_widget.js";

const host = document.getElementById("aurora-widget");

// A click on Create before the widget is live is not lost: it is made again on the
// widget's own button as soon as that exists.
let earlyCreate = false;
const remember = (event) => {
  if (event.target instanceof Element && event.target.closest("[data-testid='create-project']")) {
    earlyCreate = true;
  }
};
host.addEventListener("click", remember);

// After the first paint: the frame after the next one has been drawn.
await new Promise((painted) => requestAnimationFrame(() => setTimeout(painted, 0)));
performance.mark("aurora-boot-start");
try {
  await init({ module_or_path: "/widget/aurora_crm_widget_bg.wasm" });
  performance.mark("aurora-wasm-ready");
  host.removeEventListener("click", remember);
  mount_widget(host);
  if (earlyCreate) host.querySelector("[data-testid='create-project']")?.click();
} catch (error) {
  // The page stays readable; the rep is told why it does not act, and what to do.
  const notice = document.createElement("p");
  notice.className = "page-notice";
  notice.setAttribute("role", "status");
  notice.textContent =
    "This panel could not start in this browser, so it shows what was current when it loaded. Reload the page to try again.";
  host.after(notice);
  throw error;
}
