// A small Prometheus text-format registry: counters with labels, and gauges
// read on scrape. Components get it through their deps.

type Labels = Record<string, string>;

/** A counter with labels. */
export interface Counter {
  inc(labels?: Labels, by?: number): void;
}

/** The registry every component records into. */
export interface Metrics {
  counter(name: string, help: string): Counter;
  gauge(name: string, help: string, read: () => Promise<Array<{ labels: Labels; value: number }>> | Array<{ labels: Labels; value: number }>): void;
  render(): Promise<string>;
}

const fmt = (labels: Labels) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};

/** Creates an empty registry. */
export function createMetrics(): Metrics {
  const counters = new Map<string, { help: string; values: Map<string, number> }>();
  const gauges = new Map<string, { help: string; read: () => Promise<Array<{ labels: Labels; value: number }>> | Array<{ labels: Labels; value: number }> }>();
  return {
    counter(name, help) {
      const entry = counters.get(name) ?? { help, values: new Map<string, number>() };
      counters.set(name, entry);
      return { inc: (labels = {}, by = 1) => entry.values.set(fmt(labels), (entry.values.get(fmt(labels)) ?? 0) + by) };
    },
    gauge(name, help, read) {
      gauges.set(name, { help, read });
    },
    async render() {
      const out: string[] = [];
      for (const [name, c] of counters) {
        out.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`);
        for (const [l, v] of c.values) out.push(`${name}${l} ${v}`);
      }
      for (const [name, g] of gauges) {
        out.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} gauge`);
        for (const { labels, value } of await g.read()) out.push(`${name}${fmt(labels)} ${value}`);
      }
      return out.join('\n') + '\n';
    },
  };
}
