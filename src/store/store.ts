// The Store interface (DESIGN §6): async and narrow, so that a PostgreSQL
// store can serve several bootherd instances. Implementations translate their
// own errors into the AppError family and never let them leak.
import type { Image, ImageInput } from '../domain/images.js';
import type { Node, NodeState } from '../domain/node.js';
import type { Rule, RuleInput } from '../domain/rules.js';

/** An event to append to a node's log. */
export interface NewEvent {
  kind: string;
  data?: Record<string, unknown>;
}

/** An event as stored. */
export interface StoredEvent {
  id: number;
  nodeId: string;
  at: string;
  kind: string;
  data: Record<string, unknown>;
  /** The bootherd instance (`instance.name`) that wrote it; null for events from before instances were recorded. */
  instance: string | null;
}

/** How a store is opened: who writes through it, whether it may migrate the schema, whom to tell of new events. */
export interface StoreOptions {
  /** Recorded on every event this store writes. */
  instance?: string | null;
  /** Apply pending migrations on open (default true); false refuses a schema that is behind. */
  migrate?: boolean;
  /**
   * Called after every commit of this store that appended events, and (on a
   * store shared by several instances) when another instance did: "new
   * events may exist". Followers then read the store from their last id.
   */
  onEvents?: () => void;
}

/** A lock as its holder sees it: `signal` aborts if the lock was lost while held (its database connection broke). */
export interface Lease {
  readonly signal: AbortSignal;
}

/** Lock options: `wait: false` answers null at once when another holder has the lock. */
export interface LockOptions {
  wait?: boolean;
}

/** Which of a node's events to list: ids after/before a cursor, of some kinds, oldest (default) or newest first. */
export interface NodeEventQuery {
  limit?: number;
  afterId?: number;
  beforeId?: number;
  kinds?: string[];
  order?: 'asc' | 'desc';
}

/** One identity to look a node up by. */
export type NodeKey = { serial: string } | { mac: string } | { uuid: string } | { ip: string } | { hostname: string };

/** Filters for listing nodes; all given fields must match. */
export interface NodeFilter {
  state?: NodeState;
  label?: { key: string; value: string };
  serial?: string;
  mac?: string;
  /** Enrolled by a boot request and neither reported nor touched by an operator since. */
  pending?: boolean;
  limit?: number;
  offset?: number;
}

/** A read of the event log across all nodes; every given filter must match. */
export interface EventQuery {
  /** Only events with a larger id. */
  afterId?: number;
  /** The last `limit` matching events (still oldest first) instead of the first ones after `afterId`. */
  newest?: boolean;
  limit?: number;
  nodeId?: string;
  /** Any of these kinds. */
  kinds?: string[];
  /** Events of nodes that carry this label now. */
  label?: { key: string; value: string };
}

/** A power controller made through the API, as stored: its params raw (secrets included: the store is where they live). */
export interface StoredController {
  name: string;
  driver: string;
  params: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** Persistence for nodes, events, rules, images and power controllers. */
export interface Store {
  getNode(id: string): Promise<Node | null>;
  findNode(key: NodeKey): Promise<Node | null>;
  listNodes(filter?: NodeFilter): Promise<Node[]>;
  countNodesByState(): Promise<Record<string, number>>;
  /** How many nodes match `filter` (limit and offset ignored). */
  countNodes(filter?: NodeFilter): Promise<number>;
  /** Inserts a node and its first events in one transaction. */
  createNode(node: Node, events: NewEvent[], at: string): Promise<Node>;
  /** Replaces a node if its stored version is `expectedVersion` (else VersionMismatchError), appending events atomically. */
  updateNode(node: Node, expectedVersion: number, events: NewEvent[], at: string): Promise<Node>;
  /** Stores `survivor` (CAS) and deletes `absorbedId` (CAS), moving its events over, in one transaction. */
  mergeNodes(survivor: Node, survivorExpected: number, absorbedId: string, absorbedExpected: number, events: NewEvent[], at: string): Promise<Node>;
  /**
   * Deletes a node if its stored version is `expectedVersion` (NotFoundError, VersionMismatchError otherwise),
   * with its MAC claims; its events stay, and `events` are appended to them, in one transaction.
   */
  deleteNode(id: string, expectedVersion: number, events?: NewEvent[], at?: string): Promise<void>;
  appendEvents(nodeId: string, events: NewEvent[], at: string): Promise<void>;
  listEvents(nodeId: string, opts?: NodeEventQuery): Promise<StoredEvent[]>;
  /**
   * Events of every node in id order. Ids become visible in increasing order
   * (a smaller id never appears after a larger one was returned), so a reader
   * that resumes after the last id it saw misses nothing and repeats nothing.
   */
  listAllEvents(query: EventQuery): Promise<StoredEvent[]>;
  listRules(): Promise<Rule[]>;
  getRule(id: string): Promise<Rule | null>;
  createRule(id: string, input: RuleInput, at: string): Promise<Rule>;
  updateRule(id: string, input: RuleInput): Promise<Rule>;
  deleteRule(id: string): Promise<void>;
  /** Atomically takes the rule's next sequence number. */
  takeRuleSequence(id: string): Promise<number>;
  listImages(): Promise<Image[]>;
  getImage(name: string): Promise<Image | null>;
  putImage(name: string, input: ImageInput, at: string): Promise<Image>;
  deleteImage(name: string): Promise<void>;
  listControllers(): Promise<StoredController[]>;
  /** Creates or replaces a controller. */
  putController(name: string, driver: string, params: Record<string, unknown>, at: string): Promise<StoredController>;
  deleteController(name: string): Promise<void>;
  /**
   * Runs `fn` while holding the lock named `key`, one holder at a time among
   * every instance on this store (PostgreSQL: an advisory lock; SQLite, which
   * serves one instance: an in-process mutex). The lock ends with `fn`, or
   * with the holder's process or connection, so a crashed instance never
   * keeps it. With `{ wait: false }` it answers null when the lock is taken.
   */
  withLock<T>(key: string, fn: (lease: Lease) => Promise<T>): Promise<T>;
  withLock<T>(key: string, fn: (lease: Lease) => Promise<T>, opts: LockOptions): Promise<T | null>;
  close(): Promise<void>;
}
