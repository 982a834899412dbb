// The lifecycle state machine of DESIGN §3 as one transition table. Pure:
// `transition` returns the next node and the effects for core to carry out.
import { InvalidTransitionError } from '../errors.js';
import type { Node, NodeState } from './node.js';
import type { Target } from './targets.js';

/** Events the state machine accepts. */
export type LifecycleEvent =
  | { type: 'inventory' }
  | { type: 'assign'; target: Target }
  | { type: 'install-succeeded'; partuuid?: string }
  | { type: 'install-failed'; message: string }
  | { type: 'install-timeout' }
  | { type: 'rescue' }
  | { type: 'end-rescue' }
  | { type: 'retire' }
  | { type: 'reset' };

/** The names of all events. */
export const eventTypes = ['inventory', 'assign', 'install-succeeded', 'install-failed', 'install-timeout', 'rescue', 'end-rescue', 'retire', 'reset'] as const;
/** One event name. */
export type EventType = (typeof eventTypes)[number];

/** Side effects that core carries out after the change is stored. */
/** `agentPolls`: the node runs bootherd's agent, which takes the change at its next poll even if nobody cycles its power. */
export type Effect = { kind: 'power-cycle'; reason: string; agentPolls?: boolean } | { kind: 'power-off'; reason: string };

type Change = Partial<Node> & { state: NodeState };
type Rule = (node: Node, event: LifecycleEvent) => Change;

const toTarget = (_n: Node, e: LifecycleEvent): Change => {
  const target = (e as Extract<LifecycleEvent, { type: 'assign' }>).target;
  return { state: target.kind === 'install' ? 'installing' : 'deployed', target, failure: null, install: null, health: 'ok', healthReason: null, escalation: null, conflict: null };
};
const stay: Rule = (n) => ({ state: n.state });
const toRescue: Rule = (n) => ({ state: 'rescue', rescueFrom: n.state });
const toRetired: Rule = () => ({ state: 'retired', pendingAction: null });
const toNew: Rule = () => ({ state: 'new', target: null, rescueFrom: null, failure: null, health: 'ok', healthReason: null, escalation: null, conflict: null, install: null, pendingAction: null });
const toFailed = (why: (e: LifecycleEvent) => string): Rule => (_n, e) => ({ state: 'failed', failure: why(e) });

const installDone: Rule = (n, e) => {
  const ev = e as Extract<LifecycleEvent, { type: 'install-succeeded' }>;
  if (n.target?.kind !== 'install') return { state: 'deployed' };
  let then = n.target.then;
  if (then.kind === 'usb-root' && !then.partuuid && ev.partuuid) then = { ...then, partuuid: ev.partuuid };
  if (then.kind !== 'local' && !then.image) then = { ...then, image: n.target.image };
  return { state: 'deployed', target: then, install: null };
};

/** The transition table: state -> event -> rule. A missing entry is a refused transition. */
export const table: Record<NodeState, Partial<Record<EventType, Rule>>> = {
  new: { inventory: () => ({ state: 'ready' }), assign: toTarget, retire: toRetired },
  ready: { inventory: stay, assign: toTarget, rescue: toRescue, retire: toRetired, reset: toNew },
  installing: {
    inventory: stay,
    'install-succeeded': installDone,
    'install-failed': toFailed((e) => `install failed: ${(e as { message?: string }).message ?? 'no reason given'}`),
    'install-timeout': toFailed(() => 'install failed: no result from the installer before the watchdog timeout'),
    rescue: toRescue,
    reset: toNew,
  },
  deployed: { inventory: stay, assign: toTarget, rescue: toRescue, retire: toRetired, reset: toNew },
  // Ending a rescue hands the rescue system's agent a reboot, into whatever the node boots now.
  rescue: { inventory: stay, 'end-rescue': (n) => ({ state: n.rescueFrom ?? 'ready', rescueFrom: null, pendingAction: 'reboot', rescueAccess: null }), reset: toNew },
  failed: { inventory: stay, assign: toTarget, rescue: toRescue, retire: toRetired, reset: toNew },
  retired: { reset: toNew },
};

// What an operator can do instead of a refused event, where that is not obvious.
const hints: Partial<Record<NodeState, Partial<Record<EventType, string>>>> = {
  installing: {
    assign: "the node is installing; wait for the install to succeed or fail, or give up on it with the action 'reset' (the node goes back to 'new' and boots discovery), then assign again",
    retire: "the node is installing; 'reset' it first, then retire it",
  },
  rescue: { assign: "end the rescue first (action 'end-rescue'), or 'reset' the node", retire: "end the rescue first (action 'end-rescue')" },
  retired: { assign: "a retired node must be 'reset' (back to 'new') before it gets a target" },
};

/** States in which the node runs bootherd's agent (discovery image) and polls for work. */
export const agentStates: ReadonlySet<NodeState> = new Set(['new', 'ready', 'installing', 'rescue', 'failed']);

function effectsOf(before: Node, after: Node, event: LifecycleEvent): Effect[] {
  // A node running its own OS does not poll us: only a power cycle makes it boot what it should now.
  const runsOwnOs = !agentStates.has(before.state);
  if (event.type === 'retire') return [{ kind: 'power-off', reason: 'retired' }];
  // A rescue is for a node that may not answer: power-cycle it where a driver can.
  if (event.type === 'rescue') return [{ kind: 'power-cycle', reason: `rescue: ${before.state} -> rescue`, ...(runsOwnOs ? {} : { agentPolls: true }) }];
  if (runsOwnOs && before.state !== after.state) return [{ kind: 'power-cycle', reason: `${event.type}: ${before.state} -> ${after.state}` }];
  if (runsOwnOs && event.type === 'assign') return [{ kind: 'power-cycle', reason: 'assign: new target' }];
  return [];
}

/** Applies `event` to `node` at time `now`; throws InvalidTransitionError if the state does not accept it. */
export function transition(node: Node, event: LifecycleEvent, now: string): { node: Node; effects: Effect[] } {
  const rule = table[node.state][event.type];
  if (!rule) throw new InvalidTransitionError(node.state, event.type, hints[node.state]?.[event.type]);
  const next: Node = { ...node, ...rule(node, event), version: node.version + 1, updatedAt: now };
  return { node: next, effects: effectsOf(node, next, event) };
}
