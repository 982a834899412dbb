// A small Prometheus text-format registry: counters with labels, and gauges
// and totals read on scrape. Components get it through their deps.

type Labels = Record<string, string>;

/** A counter with labels. */
export interface Counter {
  inc(labels?: Labels, by?: number): void;
}

/** Samples read on scrape. */
export type Read = () => Promise<Array<{ labels: Labels; value: number }>> | Array<{ labels: Labels; value: number }>;

/** The registry every component records into. */
export interface Metrics {
  counter(name: string, help: string): Counter;
  /** A value that goes up and down, read on scrape. */
  gauge(name: string, help: string, read: Read): void;
  /** A total kept elsewhere (only ever grows), read on scrape and typed as a counter. */
  counterFrom(name: string, help: string, read: Read): void;
  render(): Promise<string>;
}

const fmt = (labels: Labels) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};

/** Creates an empty registry. */
export function createMetrics(): Metrics {
  const counters = new Map<string, { help: string; values: Map<string, number> }>();
  const read = new Map<string, { help: string; type: 'gauge' | 'counter'; read: Read }>();
  return {
    counter(name, help) {
      const entry = counters.get(name) ?? { help, values: new Map<string, number>() };
      counters.set(name, entry);
      return { inc: (labels = {}, by = 1) => entry.values.set(fmt(labels), (entry.values.get(fmt(labels)) ?? 0) + by) };
    },
    gauge(name, help, fn) {
      read.set(name, { help, type: 'gauge', read: fn });
    },
    counterFrom(name, help, fn) {
      read.set(name, { help, type: 'counter', read: fn });
    },
    async render() {
      const out: string[] = [];
      for (const [name, c] of counters) {
        out.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`);
        for (const [l, v] of c.values) out.push(`${name}${l} ${v}`);
      }
      for (const [name, g] of read) {
        out.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} ${g.type}`);
        for (const { labels, value } of await g.read()) out.push(`${name}${fmt(labels)} ${value}`);
      }
      return out.join('\n') + '\n';
    },
  };
}

/** `counter` with every value of `label` in `values` present from the start, at 0. */
export function zeroed(counter: Counter, label: string, values: readonly string[]): Counter {
  for (const v of values) counter.inc({ [label]: v }, 0);
  return counter;
}
