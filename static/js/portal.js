// Progressive enhancement only: every page works without this file.
import { initAll } from "../build/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// A report being prepared: check its page every few seconds and, once it has finished,
// swap in the new progress area (a polite live region announces it). Nothing reloads,
// so focus and a screen reader's place are kept. Gives up after ten minutes.
const progress = document.getElementById("job-progress");
if (progress && progress.dataset.live === "true") {
  const started = Date.now();
  const check = async () => {
    try {
      const response = await fetch(progress.dataset.pollUrl, {
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      });
      if (response.ok) {
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        const fresh = page.getElementById("job-progress");
        if (fresh && fresh.dataset.live === "false") {
          progress.innerHTML = fresh.innerHTML;
          progress.dataset.live = "false";
          initAll({ scope: progress });
          return;
        }
      }
    } catch {
      // A network blip: try again at the next tick.
    }
    if (Date.now() - started < 10 * 60 * 1000) {
      window.setTimeout(check, 3000);
    }
  };
  window.setTimeout(check, 3000);
}
