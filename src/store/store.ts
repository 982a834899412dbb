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

/** How a store is opened: who writes through it, and whether it may migrate the schema. */
export interface StoreOptions {
  /** Recorded on every event this store writes. */
  instance?: string | null;
  /** Apply pending migrations on open (default true); false refuses a schema that is behind. */
  migrate?: boolean;
}

/** One identity to look a node up by. */
export type NodeKey = { serial: string } | { mac: string } | { uuid: string } | { ip: string } | { hostname: string };

/** Filters for listing nodes; all given fields must match. */
export interface NodeFilter {
  state?: NodeState;
  label?: { key: string; value: string };
  serial?: string;
  mac?: string;
  limit?: number;
  offset?: number;
}

/** Persistence for nodes, events, rules and images. */
export interface Store {
  getNode(id: string): Promise<Node | null>;
  findNode(key: NodeKey): Promise<Node | null>;
  listNodes(filter?: NodeFilter): Promise<Node[]>;
  countNodesByState(): Promise<Record<string, number>>;
  /** Inserts a node and its first events in one transaction. */
  createNode(node: Node, events: NewEvent[], at: string): Promise<Node>;
  /** Replaces a node if its stored version is `expectedVersion` (else VersionMismatchError), appending events atomically. */
  updateNode(node: Node, expectedVersion: number, events: NewEvent[], at: string): Promise<Node>;
  /** Stores `survivor` (CAS) and deletes `absorbedId` (CAS), moving its events over, in one transaction. */
  mergeNodes(survivor: Node, survivorExpected: number, absorbedId: string, absorbedExpected: number, events: NewEvent[], at: string): Promise<Node>;
  appendEvents(nodeId: string, events: NewEvent[], at: string): Promise<void>;
  listEvents(nodeId: string, opts?: { limit?: number; afterId?: number }): Promise<StoredEvent[]>;
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
  close(): Promise<void>;
}
