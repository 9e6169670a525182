/**
 * The exchange emulator: a simulated venue (core) behind a venue's wire protocol (alpaca, bybit) on a loopback
 * HTTP + websocket server. Protocols are loaded by venue with `loadProtocol`, so importing this module does not
 * pull in either venue's code (nor DuckDB: `loadEmulatorData` imports the store when called).
 */
export type {EmulatedVenue, EmulatorCredentials, EmulatorProtocol, EmulatorStats, ProtocolFactory, RateDecision, RateRule, RequestFault} from './venue-api.js'
export {createEmulatedVenue, DEFAULT_MANUAL_START, type ControlledStats, type ControlledVenue, type EmulatorOptions, type Pacing} from './core/emulated-venue.js'
export {EmulatorError} from './core/errors.js'
export {endpointMatches} from './core/fault-board.js'
export {EMULATOR_TEST_CREDENTIALS} from './core/test-credentials.js'
export {RequestFaultSchema, startEmulatorServer, type EmulatorServerOptions, type RunningEmulator} from './server.js'
export {loadProtocol} from './core/load-protocol.js'
export {loadEmulatorData, type EmulatorData, type EmulatorDataQuery} from './core/load-bars.js'
export type {BarSeries, BarSource} from './core/bar-tape.js'
