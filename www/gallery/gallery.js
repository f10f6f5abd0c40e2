// Mounts the screen named by `?screen=` (see src/gallery.rs); marks the page when done.
import init, { mount_gallery } from "./aurora_crm_widget.js";

await init({ module_or_path: "./aurora_crm_widget_bg.wasm" });
const name = new URLSearchParams(location.search).get("screen") ?? "";
document.body.dataset.mounted = String(mount_gallery(document.getElementById("aurora-widget"), name));
