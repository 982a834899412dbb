// The rack, kept live: every node loaded page by page, then the event stream
// from the id read before the load (so nothing in between is missed); each
// event marks its node, and marked nodes are fetched again in small batches.
import { api, resumeSession } from './api.js';

const pageSize = 1000;

/** Creates the live rack model. */
export function createRack({ onLoggedOut }) {
  const nodes = new Map();
  const lastEvents = new Map();
  const changeListeners = new Set();
  const eventListeners = new Set();
  const statusListeners = new Set();
  const dirty = new Set();
  let lastId = 0;
  let source = null;
  let timer = null;
  let flushing = false;
  let stopped = false;

  const emit = (ids) => changeListeners.forEach((l) => l(ids));
  const setStatus = (s) => statusListeners.forEach((l) => l(s));

  async function loadAll() {
    const all = [];
    for (let offset = 0; ; offset += pageSize) {
      const { nodes: page } = await api('GET', `/api/v1/nodes?limit=${pageSize}&offset=${offset}`);
      all.push(...page);
      if (page.length < pageSize) break;
    }
    nodes.clear();
    for (const n of all) nodes.set(n.id, n);
  }

  async function fetchOne(id) {
    try {
      nodes.set(id, await api('GET', `/api/v1/nodes/${encodeURIComponent(id)}`));
    } catch (err) {
      if (err.status === 404) nodes.delete(id);
      else throw err;
    }
  }

  async function flush() {
    timer = null;
    if (flushing) return void (timer = setTimeout(flush, 250));
    flushing = true;
    const ids = [...dirty];
    dirty.clear();
    try {
      if (ids.length > 100) await loadAll();
      else for (let i = 0; i < ids.length; i += 6) await Promise.all(ids.slice(i, i + 6).map(fetchOne));
      emit(ids);
    } catch {
      for (const id of ids) dirty.add(id);
      timer ??= setTimeout(flush, 2000);
    } finally {
      flushing = false;
    }
  }

  function connect() {
    if (stopped) return;
    source = new EventSource(`/api/v1/events?follow=1&after=${lastId}`);
    source.onopen = () => setStatus('live');
    source.onmessage = (m) => {
      const e = JSON.parse(m.data);
      lastId = e.id;
      lastEvents.set(e.nodeId, e);
      eventListeners.forEach((l) => l(e));
      dirty.add(e.nodeId);
      timer ??= setTimeout(flush, 250);
    };
    source.onerror = () => {
      if (source.readyState !== EventSource.CLOSED) return setStatus('reconnecting');
      // Refused (401, or the server gone for good): check the session, then try again.
      setStatus('offline');
      setTimeout(async () => {
        const ok = await resumeSession().catch(() => true);
        if (!ok) return onLoggedOut();
        connect();
      }, 3000);
    };
  }

  return {
    nodes,
    lastEvents,
    async start() {
      const recent = await api('GET', '/api/v1/events?limit=1000');
      lastId = recent.next;
      for (const e of recent.events) lastEvents.set(e.nodeId, e);
      await loadAll();
      connect();
      emit(null);
    },
    stop() {
      stopped = true;
      source?.close();
      clearTimeout(timer);
    },
    /** Fetches one node now (after an action) and tells the views. */
    async refresh(id) {
      await fetchOne(id);
      emit([id]);
    },
    onChange: (fn) => (changeListeners.add(fn), () => changeListeners.delete(fn)),
    onEvent: (fn) => (eventListeners.add(fn), () => eventListeners.delete(fn)),
    onStatus: (fn) => (statusListeners.add(fn), () => statusListeners.delete(fn)),
  };
}

/** What a node boots next: `nextBoot` when the server gives one, else its target's kind. */
export function nextBootOf(n) {
  if (typeof n.nextBoot === 'string' && n.nextBoot) return n.nextBoot;
  return n.target?.kind ?? '—';
}

/** The name a node is shown by: hostname, else serial, MAC or the start of its id. */
export function nameOf(n) {
  return n.hostname ?? n.identity?.serial ?? n.identity?.macs?.[0] ?? n.id.slice(0, 8);
}

/** Health with its reason, when the server gives one. */
export function healthOf(n) {
  return n.healthReason ? `${n.health} (${n.healthReason})` : (n.health ?? '—');
}

/** A short description of an event. */
export function describeEvent(e) {
  const d = e.data ?? {};
  if (e.kind === 'transition' && d.from && d.to) return `${d.from} → ${d.to}`;
  if (e.kind === 'boot-stage' && d.stage) return `boot: ${d.stage}`;
  if (e.kind === 'power' && d.op) return `power ${d.op}${d.done === false || d.outcome === 'failed' ? ' (failed)' : ''}`;
  if (e.kind === 'admission' && d.action === 'deferred') return `boot deferred (place ${d.position})`;
  if (e.kind === 'admission' && d.action === 'admitted') return `boot slot after ${d.waitedSeconds} s`;
  if (e.kind === 'admission' && d.action === 'slot-timeout') return `boot slot taken back (${d.reason})`;
  return e.kind;
}
