// Sweep labels: the `[lr=0.1,epochs=10]` of a task id, and how they follow values. A loop's
// results carry the label of each combination (a list value's `labels`, beside its items),
// and so does every projection of them (`runs.model`), so that a loop over it reuses the
// sweep's labels rather than positions: ids then survive a value added at the front of a
// list. Crossing such a list with another adds that loop's own `name=value`. Labels are in
// ids only, never in keys.

import { labelText, type Value } from "./values.js";

/** A label's parts, in order: `["lr=0.1", "epochs=10"]`. */
export type Label = readonly string[];

type List = Value & { t: "list" };

/**
 * The label of one combination of a loop over `lists` (one per variable, `at` the index in
 * each): a list that carries labels gives its item's label, any other its `name=value`
 * (`name=#i` for a value known only at run time). Parts that several labelled lists share
 * (a zip of projections of one sweep) are written once.
 */
export function comboLabel(vars: readonly string[], lists: readonly List[], at: readonly number[]): Label {
  const parts: string[] = [];
  const inherited = new Set<string>();
  vars.forEach((name, k) => {
    const i = at[k]!;
    const own = lists[k]!.labels?.[i];
    if (own) {
      for (const p of own) {
        if (inherited.has(p)) continue;
        inherited.add(p);
        parts.push(p);
      }
      return;
    }
    const item = lists[k]!.items[i]!;
    parts.push(`${name}=${hasRef(item) ? `#${i}` : labelText(item)}`);
  });
  return parts;
}

/**
 * The labels of a loop's combinations, each variable's `name=value` parts made once per
 * item rather than once per combination. `distinct`: whether no two combinations can have
 * one label, so that the loop need not count them (`#2`): no list carries labels of its own,
 * no part holds the `,` that separates parts, and the items of each list (of one, for a
 * zip) have distinct parts.
 */
export class ComboLabels {
  private readonly parts: (readonly string[] | undefined)[];
  /** Each plain part as an id's suffix writes it: the first after `[`, the others after `,`, the last before `]`. */
  private readonly pieces: (readonly string[])[] | undefined;
  readonly distinct: boolean;
  /** Whether the ids made with these labels spell their let names and labels unambiguously: distinct, and no part holds `/`, `[`, `]` or `#`. */
  readonly plainIds: boolean;

  constructor(
    private readonly vars: readonly string[],
    private readonly lists: readonly List[],
    mode: "product" | "zip",
  ) {
    const plain = lists.every((l) => !l.labels?.some((x) => x !== undefined));
    // One pass over each list's items (a one-dimensional sweep's list holds all of them).
    const unique: boolean[] = [];
    let comma = false;
    let special = false;
    this.parts = lists.map((l, k) => {
      if (!plain) return undefined;
      const ps = new Array<string>(l.items.length);
      const seen = new Set<string>();
      let listComma = false;
      for (let i = 0; i < ps.length; i++) {
        const item = l.items[i]!;
        const p = `${vars[k]}=${hasRef(item) ? `#${i}` : labelText(item)}`;
        ps[i] = p;
        seen.add(p);
        if (!listComma && p.includes(",")) listComma = true;
        if (!special && /[/[\]#]/.test(p)) special = true;
      }
      unique.push(seen.size === ps.length && !listComma);
      comma ||= listComma;
      return ps;
    });
    this.distinct = plain && (mode === "product" ? unique.every(Boolean) : unique.some(Boolean) && !comma);
    this.plainIds = this.distinct && !special;
    const last = this.parts.length - 1;
    this.pieces = plain && last >= 0 ? this.parts.map((ps, k) => ps!.map((p) => `${k === 0 ? "[" : ","}${p}${k === last ? "]" : ""}`)) : undefined;
  }

  /** `labelSuffix` of the combination `at`, whose label is `label`: from pieces made once per item when every list is plain. */
  suffix(at: readonly number[], label: Label): string {
    const pieces = this.pieces;
    if (!pieces) return labelSuffix(label);
    let text = pieces[0]![at[0]!]!;
    for (let k = 1; k < pieces.length; k++) text += pieces[k]![at[k]!]!;
    return text;
  }

  /** The label of the combination `at` (an index in each list): `comboLabel`'s. */
  label(at: readonly number[]): Label {
    if (this.parts[0] === undefined && this.parts.length) return comboLabel(this.vars, this.lists, at);
    const label = new Array<string>(at.length);
    for (let k = 0; k < at.length; k++) label[k] = this.parts[k]![at[k]!]!;
    return label;
  }
}

/** A label as an id writes it: `[lr=0.1,epochs=10]`. */
export function labelSuffix(label: Label): string {
  return `[${label.join(",")}]`;
}

/** A list of items with their labels (none kept when no item has one). */
export function labelledList(items: readonly Value[], labels: readonly (Label | undefined)[] | undefined): Value {
  return labels && labels.some((l) => l !== undefined) ? { t: "list", items, labels } : { t: "list", items };
}

/** The labels of `list` for a list made from its items one for one (a projection, a coercion). */
export function sameLabels(list: Value): readonly (Label | undefined)[] | undefined {
  return list.t === "list" ? list.labels : undefined;
}

export function hasRef(v: Value): boolean {
  return v.t === "ref" || (v.t === "list" && v.items.some(hasRef)) || (v.t === "record" && Object.values(v.fields).some(hasRef));
}

/** `xs + ys`: each item keeps its label. */
export function concatenated(left: List, right: List): Value {
  const labels = left.labels || right.labels ? [...(left.labels ?? left.items.map(() => undefined)), ...(right.labels ?? right.items.map(() => undefined))] : undefined;
  return labelledList([...left.items, ...right.items], labels);
}

/**
 * `flatten(xss)`: an item's label is its list's label then its own (`[lr=0.1,epochs=2]` for
 * the inner sweep's `epochs=2` of a pipeline called at `lr=0.1`).
 */
export function flattened(outer: List): Value {
  const items: Value[] = [];
  const labels: (Label | undefined)[] = [];
  outer.items.forEach((inner, k) => {
    if (inner.t !== "list") return;
    const own = outer.labels?.[k];
    inner.items.forEach((item, i) => {
      items.push(item);
      const mine = inner.labels?.[i];
      labels.push(own && mine ? [...own, ...mine.filter((p) => !own.includes(p))] : (own ?? mine));
    });
  });
  return labelledList(items, labels);
}
