/**
 * `trader exchange serve` for the live crash test, with one difference: Alpaca's rate budget (200 requests per
 * minute per key) is counted in VENUE minutes, so a session running --time-scale N times faster than the wall gets
 * the budget it would have in its own time. The command counts it in wall minutes, which a 600x session overruns
 * by design. Everything else is the command's code path. Run: node --import tsx test/crash/emulator-child.ts
 * --venue alpaca --symbols SPY,IBM --from … --speed N. Prints the same JSON line as `serve --json`.
 */
import {parseArgs} from 'node:util'
import {alpacaProtocolWith} from '../../src/emulator/alpaca/index.js'
import {loadEmulatorData} from '../../src/emulator/core/load-bars.js'
import {parseServeFlags} from '../../src/emulator/core/serve-flags.js'
import {createEmulatedVenue, loadProtocol, startEmulatorServer} from '../../src/emulator/index.js'

const {values} = parseArgs({options: {venue: {type: 'string'}, symbols: {type: 'string'}, from: {type: 'string'}, speed: {type: 'string'}}})
const opts = parseServeFlags({venue: values.venue!, symbols: values.symbols, from: values.from, speed: values.speed}, process.env)
const speed = opts.pacing.mode === 'paced' ? opts.pacing.speed : 1
const protocol = opts.venue === 'alpaca' ? alpacaProtocolWith({rateLimit: {limit: 200, windowMs: Math.max(1, Math.round(60_000 / speed))}}) : await loadProtocol(opts.venue)
const data = await loadEmulatorData(opts.data)
const venue = createEmulatedVenue({venue: opts.venue, credentials: opts.credentials, instruments: data.instruments, bars: data.bars, pacing: opts.pacing, venueStart: opts.venueStart, sim: opts.sim})
const server = await startEmulatorServer({venue, protocol, port: opts.port})
process.stdout.write(`${JSON.stringify({venue: opts.venue, url: server.url, wsUrl: server.wsUrl, port: server.port, adminToken: server.adminToken, symbols: venue.symbols, venueStart: venue.now(), pacing: opts.pacing})}\n`)
venue.start()
const signal = await new Promise<NodeJS.Signals>((resolve) => {
  process.once('SIGINT', () => resolve('SIGINT'))
  process.once('SIGTERM', () => resolve('SIGTERM'))
})
process.stderr.write(`${signal}: closing the emulator (${venue.stats().requests} requests served, ${venue.stats().rateLimitViolations} rate-limit violations)\n`)
await server.close()
await venue.stop()
