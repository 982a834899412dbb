// The simulator (DESIGN §13): virtual boards that are real protocol clients
// over loopback, each from its own 127.x.y.z address, through a shared link
// model, on a scaled clock; and the storm that boots a rack of them against
// a real bootherd. bootherd's own code never imports this; `bootherd demo`
// and the benchmarks do.
export { createBoard, type Board, type BoardEnv, type BoardSnapshot, type BootRecord } from './board.js';
export { writeBootSet, realisticSizes, smallSizes, type BootSet, type BootSetSizes } from './boot-set.js';
export { createClock, type SimClock } from './clock.js';
export { makeFleet, boardAddress, type FleetOptions } from './fleet.js';
export { createLink, gigabit, type Link, type LinkSettings } from './link.js';
export type { WireTap, Peer } from './net.js';
export { parsePiConfig, pi4Steps, pi5Steps } from './pi-sequence.js';
export { scaledAdmission, startSimServer, type SimServer, type SimServerOptions } from './server.js';
export { createSwitchboard, portOf } from './switchboard.js';
export { createSimulation, startImageServer, type Simulation, type SimulationOptions } from './simulation.js';
export { runStorm, plannedTarget, type StormOptions, type StormResult, type BoardOutcome } from './storm.js';
export { formatFigures, type StormFigures } from './storm-figures.js';
export { defaultTimings, defaultQuirks, type BoardSpec, type BoardTimings, type Misbehaviour, type PiQuirks, type BoardEvent } from './types.js';
