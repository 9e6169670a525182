import {Flags} from '@oclif/core'
import {TraderCommand} from '../../src/ops/cli-command.js'
import {UserInputError} from '../../src/core/errors.js'

const VENUES = ['alpaca', 'bybit'] as const

/** Websocket paths each venue's protocol serves, for the start-up lines. */
const WS_PATHS: Record<(typeof VENUES)[number], string> = {
  alpaca: '/stream (trade_updates), /v2/iex (market data)',
  bybit: '/v5/private, /v5/public/linear',
}

export default class ExchangeServe extends TraderCommand {
  static override summary = 'Run a local exchange emulator that speaks the Alpaca or Bybit API, backed by the simulated exchange.'

  static override description = `Serves REST and websockets on 127.0.0.1 in the shapes of the venue's real payloads: orders are matched by the
simulator (partial fills, latency, hedge mode on Bybit), rate limits are enforced the way the venue counts them,
and market data from the DuckDB store is replayed on the emulator's own clock, shifted so the first bar opens at
--start (default: its own time) and accelerated by --speed. Point an adapter at it with --base-url / --ws-url.

Admin routes (any venue): GET /__emulator/stats, POST /__emulator/fault (JSON body, e.g.
{"kind":"drop_response","endpoint":"POST /v2/orders"}; kinds rate_limit, drop_response, server_error, delay),
POST /__emulator/disconnect (cut every websocket), POST /__emulator/advance?ms=N (with --manual).
Each needs the admin token printed at start (random, or --admin-token / $EMULATOR_ADMIN_TOKEN) as
Authorization: Bearer <token>; POSTs need Content-Type: application/json; requests from another origin (a web
page) are refused.

Credentials: --key / --secret, else $EMULATOR_KEY / $EMULATOR_SECRET, else the emulator-only test pair
alpaca PKEMULATORTESTKEY001 / emulatorOnlyTestSecretNotARealAlpacaKey1,
bybit  EMULATORTESTKEY001 / emulatorOnlyTestSecretNotARealBybit1.
They are public test values that open nothing but this emulator. Stop with Ctrl-C (SIGINT) or SIGTERM.`

  static override examples = [
    {description: 'An Alpaca emulator on the bundled SPY and IBM minute bars, 60x faster than real time', command: '<%= config.bin %> <%= command.id %> --venue alpaca --symbols SPY,IBM --from 2013-10-07 --to 2013-10-08 --speed 60'},
    {description: 'A Bybit emulator on a fixed port, replaying in real time', command: '<%= config.bin %> <%= command.id %> --venue bybit --symbols BTCUSDT --port 8790'},
    {description: 'Time moves only through POST /__emulator/advance?ms=… (tests); the URLs as one JSON line', command: '<%= config.bin %> <%= command.id %> --venue alpaca --symbols SPY --manual --json'},
    {description: 'Your own data and credentials, venue time starting now', command: 'EMULATOR_KEY=… EMULATOR_SECRET=… <%= config.bin %> <%= command.id %> --venue bybit --db data/crypto.duckdb --start now'},
  ]

  static override flags = {
    venue: Flags.string({required: true, options: [...VENUES], description: 'the venue API to speak'}),
    db: Flags.string({description: 'market-data database (default: $TRADER_DATA_DB or data/trader.duckdb, with the bundled sample)'}),
    symbols: Flags.string({description: "comma-separated symbols (default: every symbol of the venue in the store)"}),
    from: Flags.string({description: 'first bar: YYYY-MM-DD (UTC), ISO date-time or epoch ms'}),
    to: Flags.string({description: 'end: YYYY-MM-DD (inclusive), ISO date-time (exclusive) or epoch ms'}),
    timeframe: Flags.string({char: 't', description: 'bar timeframe: 1m, 5m, 15m, 1h, 1d (default 1m)'}),
    speed: Flags.string({description: 'venue seconds per wall second (default 1 = real time; 60 replays an hour of minute bars in a minute)'}),
    manual: Flags.boolean({description: 'no wall-clock pacing: venue time moves only through POST /__emulator/advance?ms=N'}),
    start: Flags.string({description: "venue time of the first bar's open: 'data' (default, the data's own time), 'now', or a time"}),
    port: Flags.integer({description: 'port on 127.0.0.1 (default 0: any free port, printed at start)'}),
    key: Flags.string({description: 'API key the emulator accepts (default $EMULATOR_KEY, else the test key in the description)'}),
    secret: Flags.string({description: 'API secret the emulator accepts (default $EMULATOR_SECRET, else the test secret in the description)'}),
    'admin-token': Flags.string({description: 'token the admin routes require (default $EMULATOR_ADMIN_TOKEN, else a random one, printed at start)'}),
    cash: Flags.integer({description: 'starting cash of the account (default 100000)'}),
    latency: Flags.integer({description: 'simulated venue latency per hop, venue ms (default 0; loopback adds its own)'}),
    participation: Flags.string({description: 'share of a bar\'s volume orders may take (default 0.1): partial fills'}),
    'position-mode': Flags.string({description: "bybit: one-way (default, as on Bybit: positionIdx 0), hedge (positionIdx 1/2), or per symbol, e.g. BTCUSDT=hedge,ETHUSDT=one-way; clients may switch with POST /v5/position/switch-mode"}),
    seed: Flags.integer({description: 'seed of the simulator'}),
    json: Flags.boolean({description: 'print the URLs as one JSON line on stdout instead of the text lines'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(ExchangeServe)
    const {parseServeFlags} = await import('../../src/emulator/core/serve-flags.js')
    const opts = parseServeFlags(flags, process.env)
    const {createEmulatedVenue, startEmulatorServer, loadProtocol, EmulatorError} = await import('../../src/emulator/index.js')
    const protocol = await loadProtocol(opts.venue)
    const {loadEmulatorData} = await import('../../src/emulator/core/load-bars.js')
    const data = await loadEmulatorData(opts.data)
    for (const n of data.notices) this.logToStderr(`note: ${n}`)
    const venue = createEmulatedVenue({venue: opts.venue, credentials: opts.credentials, instruments: data.instruments, bars: data.bars, funding: data.funding, pacing: opts.pacing, venueStart: opts.venueStart, sim: opts.sim})
    let server
    try {
      server = await startEmulatorServer({venue, protocol, port: opts.port, adminToken: opts.adminToken})
    } catch (err) {
      if (err instanceof EmulatorError) throw new UserInputError(err.message)
      throw err
    }
    const admin = ['GET /__emulator/stats', 'POST /__emulator/fault', 'POST /__emulator/disconnect', ...(opts.pacing.mode === 'manual' ? ['POST /__emulator/advance?ms='] : [])]
    if (flags.json) {
      this.log(JSON.stringify({venue: opts.venue, url: server.url, wsUrl: server.wsUrl, port: server.port, admin, symbols: venue.symbols, bars: data.rows, venueStart: venue.now(), pacing: opts.pacing, key: opts.credentials.key, adminToken: server.adminToken}))
    } else {
      const iso = (t: number) => new Date(t).toISOString().slice(0, 16) + 'Z'
      const pace = opts.pacing.mode === 'manual' ? 'manual pacing (POST /__emulator/advance)' : `speed ${opts.pacing.speed}x`
      this.log(`${opts.venue} emulator: ${venue.symbols.join(', ')}, ${data.rows.toLocaleString('en-US')} bars ${iso(data.first)} → ${iso(data.end)}, venue time from ${iso(venue.now())}, ${pace}`)
      this.log(`REST       ${server.url}`)
      this.log(`websocket  ${server.wsUrl}  paths: ${WS_PATHS[opts.venue]}`)
      this.log(`admin      ${admin.map((r) => r.replace(' ', ` ${server.url}`)).join('  ')}`)
      this.log(`admin token ${server.adminToken} (send Authorization: Bearer <token>; POSTs as application/json)`)
      this.log(`key        ${opts.credentials.key} (${opts.credentialSource}; the secret is not printed)`)
      this.log('Ctrl-C stops it.')
    }
    venue.start()
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      const on = (sig: NodeJS.Signals) => () => resolve(sig)
      process.once('SIGINT', on('SIGINT'))
      process.once('SIGTERM', on('SIGTERM'))
    })
    this.logToStderr(`${signal}: closing the emulator (${venue.stats().requests} requests served, ${venue.stats().rateLimitViolations} rate-limit violations)`)
    await server.close()
    await venue.stop()
  }
}
