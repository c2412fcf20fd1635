// Escaping for the report's HTML and SVG, text and attribute values alike, so that a task id
// or a log line holding `<script>` or quotes is shown, never run. Control characters become
// numeric references, which the parser turns back into the same characters: a `data-task`
// attribute holds the task's exact id. Ids shown as text go through printable.ts first.

import { printable } from "../printable.js";

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!).replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, (c) => (c === "\x00" ? "\ufffd" : `&#x${c.charCodeAt(0).toString(16)};`));
}

/** A task id as text: printed as the terminal prints it, then escaped. */
export function shownId(id: string): string {
  return escapeHtml(printable(id));
}
