// Builds the front-end assets into static/build/ (git-ignored).
// GOV.UK Frontend is compiled from its Sass with the office's own font stack:
// the GDS Transport typeface is licensed for GOV.UK services only, and this
// portal is not one.
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
const out = join(root, "static", "build");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const css = sass.compile(join(root, "static", "scss", "portal.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import", "global-builtin", "slash-div", "color-functions"],
});
writeFileSync(join(out, "portal.css"), css.css);

cpSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
cpSync(join(govuk, "assets", "images"), join(out, "images"), { recursive: true });
cpSync(join(govuk, "assets", "manifest.json"), join(out, "manifest.json"));
console.log(`Built front-end assets in ${out}`);
