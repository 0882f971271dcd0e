/**
 * Faults, counters and shaping of the emulator: the factories `startEmulator` wires into the
 * context, plus the helpers the file handlers use to honour fault decisions and bandwidth caps.
 */
export { createFaultEngine } from './engine.js';
export { createCounters, type EmulatorCounters } from './counters.js';
export { createShaper } from './shaper.js';
export { createThrottle } from './throttle.js';
export { handlerFault, urlExpiredByFault, type HandlerFault } from './decisions.js';
