// Copies the built files the console needs from node_modules into xiaonuo/static/vendor/.
// Run from anywhere (`node frontend/vendor.mjs` in the Makefile); paths are relative to this file.
// The vendor directory is git-ignored: third-party code is installed, never committed.
import { copyFileSync, mkdirSync, existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const target = join(here, "..", "xiaonuo", "static", "vendor");

// [package-relative source, file name under static/vendor/]. Licences travel with the code.
const files = [
  ["htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"],
  ["htmx.org/LICENSE", "htmx/LICENSE"],
  // The "common" build (bar, line, pie) for most pages; the full build for the analytics heat
  // maps and funnels, loaded only there.
  ["echarts/dist/echarts.common.min.js", "echarts/echarts.common.min.js"],
  ["echarts/dist/echarts.min.js", "echarts/echarts.min.js"],
  ["echarts/LICENSE", "echarts/LICENSE"],
  // CSS only: the console uses no Bootstrap JavaScript (menus are <details>, pages work without JS).
  ["bootstrap/dist/css/bootstrap.min.css", "bootstrap/bootstrap.min.css"],
  ["bootstrap/LICENSE", "bootstrap/LICENSE"],
];

rmSync(target, { recursive: true, force: true });
for (const [source, name] of files) {
  const from = join(modules, source);
  if (!existsSync(from)) {
    console.error(`vendor.mjs: ${from} is missing; run \`npm ci\` in frontend/ first`);
    process.exit(1);
  }
  const to = join(target, name);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}
console.log(`vendor.mjs: copied ${files.length} files to ${target}`);
