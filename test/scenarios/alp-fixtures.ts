/**
 * Writes the ALP scenario files (fixtures/scenarios/ALP-*.json): minute bars of made-up US stocks in the regular
 * session of Tuesday 2024-01-02, the pipeline's parameters (with an external signal feed where the scenario needs
 * signals at exact times), simulator faults, restarts, orders placed by hand, and the expectations `trader replay`
 * checks. The files are committed; run this after changing a set-up:
 *
 *     npx tsx test/scenarios/alp-fixtures.ts
 */
import {writeFileSync} from 'node:fs'
import {join, resolve} from 'node:path'

/** 09:30 New York (EST) on Tuesday 2024-01-02. */
export const T0 = Date.UTC(2024, 0, 2, 14, 30)
export const MIN = 60_000
const at = (m: number, s = 0): number => T0 + m * MIN + s * 1_000

type Bar = [string, number, number, number, number, number, number]

/** Bars of one symbol from minute 0: `closes[k]` closes bar k; open is the previous close, high/low span them. */
function series(symbol: string, closes: readonly number[], volume: number | readonly number[] = 100_000): Bar[] {
  return closes.map((c, k) => {
    const o = k === 0 ? c : closes[k - 1]
    const v = typeof volume === 'number' ? volume : volume[k]
    return [symbol, T0 + k * MIN, o, Math.max(o, c), Math.min(o, c), c, v]
  })
}

const flat = (price: number, n: number): number[] => Array.from({length: n}, () => price)

/** A valid signal as another source would send it. */
function signal(symbol: string, time: number, price: number, maxAgeMs = 300_000) {
  return {id: `momentum:${symbol}:${time}`, strategy: 'momentum', symbol, time, score: 150, components: {velocity: 0.4, acceleration: 0.2, relativeVolume: 1.5}, referencePrice: price, maxAgeMs}
}

const equities = (bars: Bar[]) => ({inline: {timeframe: '1m', venue: 'alpaca', assetClass: 'us_equity', bars}})

const SIM = {seed: 1, latency: {fixedMs: 50, jitterMs: 0}}

export const SCENARIOS: Record<string, () => object> = {
  'ALP-01': () => {
    // Warm-up, surge 1 (entry), retrace (exit, cooldown 45 min), surge 2 five minutes later, restart, surge 3 (both
    // in cooldown), surge 4 after the cooldown (entered again).
    const surge = (base: number) => [base + 0.1, base + 0.3, base + 0.6, base + 1.0, base + 1.5]
    const closes = [...flat(100, 25), ...surge(100), 101.0, 100.4, 99.8, 99.5, 99.4, ...flat(99.4, 3), ...surge(99.4), ...flat(100.9, 15), ...surge(100.9), ...flat(102.4, 22), ...surge(102.4), ...flat(103.9, 10)]
    const vol = closes.map((_, k) => ([25, 26, 27, 28, 29, 38, 39, 40, 41, 42, 58, 59, 60, 61, 62, 85, 86, 87, 88, 89].includes(k) ? 5_000 : 1_000))
    return {
      id: 'ALP-01',
      title: 'a symbol is sold and the scanner signals it again minutes later, also after a restart: the buyer honours the seller\'s cooldown',
      strategy: 'momentum',
      params: {
        buyer: {sizing: {mode: 'notional', notional: 10_000}},
        scanner: {volumeWindow: 5},
        seller: {cooldownMs: 2_700_000},
        monitor: {decelerationChecks: 0},
      },
      data: equities(series('AAA', closes, vol)),
      sim: SIM,
      restartAt: [at(45, 30)],
      expect: {invariants: true, journal: {'signal_dropped:cooldown': {min: 2}, restart: {min: 1, max: 1}}, orders: {min: 3, max: 3}},
    }
  },

  'ALP-02': () => {
    // AAA held, BBB's entry filling 30 shares a bar (still working at the restart), CCC stopped out (cooldown),
    // then 5 s after the restart AAA's signal again (duplicate) and a new CCC signal (cooldown).
    const n = 30
    const ccc = [...flat(30, 6), 29.5, ...flat(29.5, n - 7)]
    const bars = [...series('AAA', flat(50, n)), ...series('BBB', flat(40, n), 300), ...series('CCC', ccc)]
    const aaa = signal('AAA', at(3), 50)
    return {
      id: 'ALP-02',
      title: 'the process restarts mid-session: positions, the open order, cooldowns and processed ids are restored before the first decision',
      strategy: 'momentum',
      params: {
        scan: false,
        buyer: {sizing: {mode: 'notional', notional: 10_000}, remainder: 'keep'},
        monitor: {decelerationChecks: 0},
        orders: {timeoutMs: 3_600_000},
        feed: [
          {at: at(3, 10), signals: [aaa, signal('CCC', at(3), 30)]},
          {at: at(4, 10), signals: [signal('BBB', at(4), 40)]},
          {at: at(9, 35), signals: [aaa, signal('CCC', at(9), 29.5)]},
        ],
      },
      data: equities(bars),
      // The new instance's first position query takes 40 s: decisions must wait for it.
      sim: {...SIM, faults: [{target: 'request', kinds: ['positions'], from: at(9, 30), to: at(9, 31), action: 'delay', delayMs: 40_000}]},
      restartAt: [at(9, 30)],
      expect: {invariants: true, journal: {'signal_dropped:duplicate': {min: 1}, 'signal_dropped:cooldown': {min: 1}, restart: {min: 1, max: 1}}},
    }
  },

  'ALP-05': () => {
    const syms = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF']
    const bars = syms.flatMap((s, i) => series(s, flat(20 + 10 * i, 30)))
    return {
      id: 'ALP-05',
      title: 'the broker answers HTTP 429 (injected, and its own request budget): back off until the reset, stay within the budget, no request lost or doubled',
      strategy: 'momentum',
      params: {
        scan: false,
        buyer: {sizing: {mode: 'notional', notional: 5_000}, maxPositions: 10},
        monitor: {decelerationChecks: 0},
        requests: {limit: 3, windowMs: 10_000},
        feed: [{at: at(5, 10), signals: syms.map((s, i) => signal(s, at(5), 20 + 10 * i))}],
      },
      data: equities(bars),
      sim: {...SIM, rateLimit: {requests: 4, windowMs: 10_000}, faults: [{target: 'request', kinds: ['submit'], nth: [1], action: 'rate_limit', resetMs: 60_000}]},
      expect: {invariants: true, orders: {min: 6, max: 6}, fills: {min: 6}, journal: {backoff: {min: 1}}},
    }
  },

  'ALP-06': () => {
    const bars = [...series('AAA', flat(50, 50)), ...series('BBB', flat(40, 50))]
    return {
      id: 'ALP-06',
      title: 'positions on the broker differ from the local record (sold and bought by hand): detected periodically and at startup, the broker wins',
      strategy: 'momentum',
      params: {
        scan: false,
        buyer: {sizing: {mode: 'notional', notional: 10_000}},
        monitor: {decelerationChecks: 0, maxHoldMs: 600_000},
        reconcile: {intervalMs: 120_000},
        feed: [{at: at(5, 10), signals: [signal('AAA', at(5), 50)]}],
      },
      data: equities(bars),
      sim: SIM,
      outside: [
        {at: at(9, 20), submit: {clientOrderId: 'manual-1', symbol: 'AAA', side: 'sell', type: 'market', qty: 80, tif: 'day'}},
        {at: at(11, 20), submit: {clientOrderId: 'manual-2', symbol: 'BBB', side: 'buy', type: 'market', qty: 50, tif: 'day'}},
        {at: at(19, 20), submit: {clientOrderId: 'manual-3', symbol: 'BBB', side: 'sell', type: 'market', qty: 20, tif: 'day'}},
      ],
      restartAt: [at(20, 0.5)],
      expect: {invariants: true, rejections: {insufficient_qty: {max: 0}}, journal: {reconcile_diff: {min: 3}}},
    }
  },

  'ALP-07': () => {
    const bars = [...series('AAA', flat(100, 20)), ...series('BBB', flat(50, 20)), ...series('CCC', flat(20, 20))]
    const t = at(5)
    const ccc = signal('CCC', t, 20)
    const {symbol: _drop, ...noSymbol} = signal('DDD', t, 10)
    return {
      id: 'ALP-07',
      title: 'malformed signals (missing field, wrong type, NaN price, bad id, null) in one batch: each rejected with its reason, the valid ones still run',
      strategy: 'momentum',
      params: {
        scan: false,
        buyer: {sizing: {mode: 'notional', notional: 5_000}},
        feed: [
          {
            at: at(5, 10),
            signals: [
              signal('AAA', t, 100),
              noSymbol,
              signal('BBB', t, 50),
              {...ccc, score: 'high'},
              {...ccc, referencePrice: 'NaN'},
              {...ccc, id: 'momentum:CCC:1'},
              null,
              {...ccc, maxAgeMs: -5},
            ],
          },
        ],
      },
      data: equities(bars),
      sim: SIM,
      expect: {invariants: true, orders: {min: 2, max: 2}, journal: {'signal_dropped:malformed': {min: 6, max: 6}, entry: {min: 2, max: 2}}},
    }
  },

  'ALP-11': () => {
    const bars = [...series('AAA', flat(100, 40)), ...series('BBB', flat(50, 40))]
    const s = signal('AAA', at(4), 100, 1_800_000)
    return {
      id: 'ALP-11',
      title: 'the same signal arrives three times, the last after a restart and after its position closed: at most one order per signal id',
      strategy: 'momentum',
      params: {
        scan: false,
        buyer: {sizing: {mode: 'notional', notional: 10_000}, maxSignalAgeMs: 1_800_000},
        monitor: {decelerationChecks: 0, maxHoldMs: 120_000},
        seller: {cooldownMs: 0},
        feed: [
          {at: at(5, 10), signals: [s, signal('BBB', at(4), 50, 1_800_000)]},
          {at: at(6, 10), signals: [s]},
          {at: at(17, 10), signals: [s]},
        ],
      },
      data: equities(bars),
      sim: SIM,
      restartAt: [at(15)],
      expect: {invariants: true, journal: {'signal_dropped:duplicate': {min: 2, max: 2}, entry: {min: 2, max: 2}}},
    }
  },

  'ALP-12': () => {
    // AAA trades 400 shares a minute (40 for the bot at 10 % participation), then nothing for six minutes, during
    // which it falls 2 %; then it trades again. The 200-share entry fills 120 and stalls.
    const closes = [...flat(50, 15), ...flat(49, 25)]
    const vol = closes.map((_, k) => (k >= 12 && k < 18 ? 0 : k < 9 ? 100_000 : 400))
    return {
      id: 'ALP-12',
      title: 'an entry partially fills, stalls and times out while execution reports are late or lost: the position is what filled, the rest is cancelled',
      strategy: 'momentum',
      params: {
        scan: false,
        buyer: {sizing: {mode: 'notional', notional: 10_000}},
        monitor: {decelerationChecks: 0},
        orders: {timeoutMs: 180_000, timeoutBars: 3},
        feed: [{at: at(9, 10), signals: [signal('AAA', at(9), 50)]}],
      },
      data: equities(series('AAA', closes, vol)),
      // Execution reports 5 s late, the second one lost, and the event stream down from 09:39:35 to 09:44 (while
      // the entry fills, times out and is cancelled): only polling can tell what happened meanwhile.
      sim: {
        ...SIM,
        latencyByKind: {execution: {fixedMs: 5_000, jitterMs: 0}},
        faults: [
          {target: 'event', kinds: ['execution'], nth: [2], action: 'drop'},
          {target: 'event', action: 'disconnect', from: at(9, 35), to: at(14)},
        ],
      },
      expect: {invariants: true, rejections: {insufficient_qty: {max: 0}}, journal: {order_timeout: {min: 1}}},
    }
  },

  'ALP-13': () => {
    const aaa = [...flat(50, 30), 45.5, ...flat(50, 19)]
    const bars = [...series('AAA', aaa), ...series('BBB', flat(40, 50)), ...series('CCC', flat(30, 50)), ...series('DDD', flat(20, 50))]
    return {
      id: 'ALP-13',
      title: 'startup with an open order and a position placed by hand while the bot was down: reconciled (order cancelled, position adopted) before the first new order',
      strategy: 'momentum',
      params: {
        scan: false,
        buyer: {sizing: {mode: 'notional', notional: 10_000}},
        monitor: {decelerationChecks: 0, maxHoldMs: 900_000},
        reconcile: {intervalMs: 3_600_000},
        feed: [
          {at: at(3, 10), signals: [signal('CCC', at(3), 30)]},
          {at: at(8, 25), signals: [signal('DDD', at(8, 20), 20)]},
        ],
      },
      data: equities(bars),
      // The new instance's first position query takes 40 s: the DDD signal waits for the reconciliation.
      sim: {...SIM, faults: [{target: 'request', kinds: ['positions'], from: at(8, 20), to: at(8, 21), action: 'delay', delayMs: 40_000}]},
      outside: [
        {at: at(7, 40), submit: {clientOrderId: 'manual-lim', symbol: 'AAA', side: 'buy', type: 'limit', qty: 100, limitPrice: 46, tif: 'gtc'}},
        {at: at(7, 40), submit: {clientOrderId: 'manual-mkt', symbol: 'BBB', side: 'buy', type: 'market', qty: 30, tif: 'day'}},
      ],
      restartAt: [at(8, 20)],
      expect: {invariants: true, journal: {reconcile_diff: {min: 2}, restart: {min: 1, max: 1}}},
    }
  },

  'ALP-16': () => {
    const syms = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE']
    const bars = syms.flatMap((s) => series(s, flat(40, 30)))
    return {
      id: 'ALP-16',
      title: 'signals delivered late, older than their maximum age (default 5 min, or their own): ignored and counted',
      strategy: 'momentum',
      params: {
        scan: false,
        buyer: {sizing: {mode: 'notional', notional: 5_000}},
        feed: [
          {
            at: at(20, 10),
            signals: [
              signal('AAA', at(19, 40), 40),
              signal('BBB', at(14), 40),
              signal('CCC', at(2), 40),
              signal('DDD', at(16, 10), 40),
              signal('EEE', at(18, 40), 40, 60_000),
            ],
          },
        ],
      },
      data: equities(bars),
      sim: SIM,
      expect: {invariants: true, orders: {min: 2, max: 2}, journal: {'signal_dropped:stale': {min: 3, max: 3}}},
    }
  },

  'ALP-17': () => {
    // Entries at minute 20; then SL gaps down 1.4 %, TR rises and gives back 0.6 % from its high, DC rises and
    // stalls (momentum fades while the price holds), TL does nothing until the time limit.
    const sl = [...flat(50, 25), ...flat(49.3, 20)]
    const tr = [...flat(80, 21), 80.2, 80.5, 80.9, 81.4, 80.9, ...flat(80.9, 19)]
    const dc = [...flat(40, 21), 40.2, 40.5, 40.8, 40.9, 40.95, 40.97, 40.98, 40.985, 40.99, ...flat(40.99, 15)]
    const bars = [...series('SL', sl), ...series('TR', tr), ...series('DC', dc), ...series('TL', flat(30, 45))]
    const t = at(20)
    return {
      id: 'ALP-17',
      title: 'held positions hit the stop loss, the trailing stop, deceleration and the time limit: each exit emitted, executed and logged with its reason',
      strategy: 'momentum',
      params: {
        scan: false,
        buyer: {sizing: {mode: 'notional', notional: 10_000}},
        monitor: {stopLossPct: 1, trailingStopPct: 0.5, decelerationChecks: 3, velocityWindow: 5, accelerationWindow: 3, maxHoldMs: 900_000},
        feed: [{at: at(20, 10), signals: [signal('SL', t, 50), signal('TR', t, 80), signal('DC', t, 40), signal('TL', t, 30)]}],
      },
      data: equities(bars),
      sim: {...SIM, latency: {fixedMs: 200, jitterMs: 0}, fees: {perShare: 0.005, takerRate: 0.0005}, slippage: {bps: 2}},
      expect: {invariants: true, trades: {min: 4, max: 4}, journal: {trade_closed: {min: 4, max: 4}}},
    }
  },
}

/** The scenario file as text: readable, with one bar per line. */
export function render(s: object): string {
  const text = JSON.stringify(s, null, 1)
  return text.replace(/\[\n\s+"([A-Z]+)",\n\s+([\d.]+),\n\s+([\d.]+),\n\s+([\d.]+),\n\s+([\d.]+),\n\s+([\d.]+),\n\s+([\d.]+)\n\s+\]/g, '["$1", $2, $3, $4, $5, $6, $7]') + '\n'
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const dir = resolve(import.meta.dirname, '../../fixtures/scenarios')
  for (const [id, make] of Object.entries(SCENARIOS)) writeFileSync(join(dir, `${id}.json`), render(make()))
  console.log(`wrote ${Object.keys(SCENARIOS).length} scenario files to ${dir}`)
}
