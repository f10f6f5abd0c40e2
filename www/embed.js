// Boots the widget inside the CRM's iframe. A file rather than an inline script so the
// embed page's Content-Security-Policy can forbid inline scripts altogether. `cargo xtask
// build` bundles it with wasm-bindgen's glue and minifies both into dist/widget/embed.js:
// one script, one request.
import init, { mount_widget } from "./aurora_crm_widget.js";

// The session is asked for at once, while the wasm downloads and compiles: the widget takes
// this answer over (src/api.rs, `started_session`) instead of asking again. The context is
// read as the widget reads it: the page's (a verified page load's embed ticket), else the
// fragment's ticket (HubSpot's modal), else the `context` the CRM signed into the URL.
// Marks of the boot's steps, for `cargo xtask bench`'s breakdown of boot to data.
performance.mark("aurora-boot-start");
const host = document.getElementById("aurora-widget");
const context =
  host.dataset.context ||
  new URLSearchParams(location.hash.slice(1)).get("t") ||
  new URLSearchParams(location.search).get("context") ||
  "";
window.__auroraSession = {
  crm: host.dataset.crm,
  context,
  answer: fetch("/v1/sessions", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ crm: host.dataset.crm, context }),
  }),
};

await init({ module_or_path: "/widget/aurora_crm_widget_bg.wasm" });
performance.mark("aurora-wasm-ready");
mount_widget(host);
