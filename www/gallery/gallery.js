// Mounts the screen named by `?screen=` (see src/gallery.rs) at `?width=` pixels in the
// `?theme=` (light unless `dark`, as a CRM says it to the widget), as in a CRM panel that wide (headless Chromium windows cannot be narrower than 500 px); marks
// the page when done, and lists every screen's name on it.
import init, { gallery_screens, mount_gallery } from "./aurora_crm_widget.js";

await init({ module_or_path: "./aurora_crm_widget_bg.wasm" });
const params = new URLSearchParams(location.search);
const host = document.getElementById("aurora-widget");
document.documentElement.dataset.theme = params.get("theme") === "dark" ? "dark" : "light";
const width = Number(params.get("width"));
if (width > 0) host.style.width = `${width}px`;
document.body.dataset.screens = gallery_screens();
document.body.dataset.mounted = String(mount_gallery(host, params.get("screen") ?? ""));
