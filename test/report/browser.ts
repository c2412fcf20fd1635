// Opens a report in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
// and returns what a test asserts on: every timeline bar's task, state and attempt, the
// console's errors and the page's, whether any script ran, and a screenshot kept under
// test-output/ (not committed).
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env["PIPE_CHROMIUM"] ?? "/usr/bin/chromium";
export const outputDir = path.resolve(import.meta.dirname, "../../test-output/report");

export interface Rendered {
  readonly bars: { task: string; state: string; attempt: string }[];
  readonly errors: string[];
  readonly title: string;
  readonly scripts: number;
  readonly dialogs: number;
  readonly dagNodes: number;
  readonly actionNodes: number;
  readonly text: string;
  readonly screenshot: string;
}

export async function render(file: string, name: string): Promise<Rendered> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    let dialogs = 0;
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
    page.on("dialog", (d) => {
      dialogs++;
      void d.dismiss();
    });
    // Nothing may be fetched: every request but the file itself is an error.
    page.on("request", (r) => {
      if (r.url() !== pathToFileURL(file).href) errors.push(`request: ${r.url()}`);
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    const bars = await page.$$eval(".bar[data-task]", (els) => els.map((e) => ({ task: e.getAttribute("data-task")!, state: e.getAttribute("data-state")!, attempt: e.getAttribute("data-attempt")! })));
    const scripts = await page.evaluate(() => document.scripts.length);
    const dagNodes = await page.$$eval("svg.dag g[data-node]", (els) => els.length);
    const actionNodes = await page.$$eval("svg.dag g[data-action]", (els) => els.length);
    const text = await page.evaluate(() => document.body.innerText);
    fs.mkdirSync(outputDir, { recursive: true });
    const screenshot = path.join(outputDir, `${name}.png`);
    await page.screenshot({ path: screenshot, fullPage: true });
    return { bars, errors, title: await page.title(), scripts, dialogs, dagNodes, actionNodes, text, screenshot };
  } finally {
    await browser.close();
  }
}
