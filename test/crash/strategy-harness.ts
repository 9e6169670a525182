/**
 * The lock-step crash harness for the REAL strategies (issue 5, DESIGN properties 4 and 6): the grid (Bybit, hedge
 * mode) or the momentum pipeline (Alpaca) runs in a forked child (strategy-child.ts) wired as `trader paper` wires
 * it; the SimulatedExchange lives HERE, with seeded latency (20-60 ms) and partial fills, so it outlives every
 * kill. Time is this process's virtual clock: it runs the venue's loop to the next instant (a request arriving, an
 * answer or event due, a bar, the child's next timer), hands the child what that instant delivers, and waits for
 * its ack. A run is a function of (strategy, mode, seed).
 *
 * Kill points, drawn from the seed per life: the child's k-th request or k-th submit (the venue got it or not, by a
 * coin), or its n-th state write (before it, torn half-way at a seeded file-system step, or just after it). Between
 * lives the venue goes on trading for 0-2 bars. Checks, from the venue's own record:
 * - after every restart: the state loads and equals the last committed state (never behind; "ahead" — the last
 *   write done but its commit message lost in the kill — is counted, not failed);
 * - at every bar boundary once the strategy has reconciled: its positions equal the venue's, and the order
 *   tracker's violations are empty;
 * - on every submit: the venue never saw a client order id twice;
 * - at the end (after a drain): positions and working orders equal the venue's; no two working venue orders for
 *   one grid slot (symbol, leg, opening / entry / take-profit) at any instant; momentum: one entry per signal, and
 *   entries only from flat.
 */
import {type ChildProcess, fork} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {isDeepStrictEqual} from 'node:util'
import {DuplicateClientOrderIdError} from '../../src/broker/errors.js'
import {defaultInstrument, type Instrument} from '../../src/core/instrument.js'
import {isTerminal} from '../../src/core/order-state.js'
import {Rng} from '../../src/core/rng.js'
import {EventLoop, microtaskBarrier} from '../../src/engine/event-loop.js'
import {SimulatedExchange} from '../../src/sim/exchange.js'
import {profileFor} from '../../src/sim/venue-profile.js'
import type {StateChange} from '../../src/state/store.js'
import {parseGridId} from '../../strategies/grid/order-ids.js'
import type {GridStateRecord} from '../../strategies/grid/state.js'
import {applyChange, type Mirror} from './harness.js'
import {type RequestOp, toWire} from './ipc-broker.js'
import {type BarSource, gridBars, momentumBars, TF_MS} from './strategy-bars.js'
import type {KillAtRequest, KillAtWrite, SessionView, StrategyCase, StrategyChildMessage, StrategyParentMessage, StrategyStart, StrategyStepItem, StrategyWriterMode} from './strategy-child.js'

const CHILD = resolve(import.meta.dirname, 'strategy-child.ts')

/**
 * How to start the child. Each life is a process start, so it matters: the child's TypeScript bundled once per test
 * process into one file by esbuild (tsx's own compiler, already installed) starts in ~0.15 s instead of ~0.4 s
 * through the tsx loader. Without esbuild the tsx loader is used. The bundle lives in a temp directory, removed at exit.
 */
let childEntry: Promise<{file: string; execArgv: string[]}> | undefined
let bundleDir: string | undefined

/** Removes the bundled child (the next run bundles it again). Call it when the runs are over. */
export function disposeChildBundle(): void {
  if (bundleDir) rmSync(bundleDir, {recursive: true, force: true})
  bundleDir = undefined
  childEntry = undefined
}
function entry(): Promise<{file: string; execArgv: string[]}> {
  childEntry ??= (async () => {
    const viaTsx = {file: CHILD, execArgv: ['--import', 'tsx']}
    if (process.env.STRATEGY_CRASH_TSX) return viaTsx
    let esbuild: {build: (o: Record<string, unknown>) => Promise<unknown>}
    try {
      esbuild = (await import('esbuild' as string)) as typeof esbuild
    } catch {
      return viaTsx
    }
    const out = mkdtempSync(join(tmpdir(), 'strategy-crash-child-'))
    bundleDir = out
    process.once('exit', disposeChildBundle)
    const file = join(out, 'strategy-child.mjs')
    await esbuild.build({
      entryPoints: [CHILD], outfile: file, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'error',
      // Bundled CommonJS packages may call require(); give the ES module one.
      banner: {js: "import {createRequire as __createRequire} from 'node:module'; const require = __createRequire(import.meta.url);"},
    })
    return {file, execArgv: []}
  })()
  return childEntry
}
const EPS = 1e-9
/** Bars a life may trade before it is killed anyway. */
const LIFE_BARS = 12

export interface StrategyCrashOptions {
  readonly strategy: StrategyCase
  readonly seed: number
  readonly mode?: StrategyWriterMode
  /** Kills to make; then one last life trades `tailBars` more bars and the end state is checked. */
  readonly kills: number
  readonly tailBars?: number
  /** Safety bound on the bars of the run. */
  readonly maxBars?: number
  readonly keepDir?: boolean
  /** Start a session that follows a downtime exactly at a bar's instant (default: 0.2-5 s into the bar). */
  readonly restartOnBar?: boolean
}

export interface StrategyCrashResult {
  readonly strategy: StrategyCase
  readonly mode: StrategyWriterMode
  readonly seed: number
  readonly kills: number
  readonly killsBy: Record<string, number>
  readonly lives: number
  readonly bars: number
  readonly submits: number
  readonly venueOrders: number
  readonly venueFills: number
  /** Venue orders that filled in more than one execution. */
  readonly partialFills: number
  /** Bar boundaries where the strategy's positions were compared with the venue's (and matched or not). */
  readonly positionChecks: number
  readonly ahead: number
  readonly failures: readonly string[]
  readonly wallMs: number
  readonly dir: string
}

type Plan =
  | {readonly kind: 'request'; readonly at: KillAtRequest; readonly deliver: boolean}
  | {readonly kind: 'write'; readonly at: KillAtWrite}

interface Case {
  readonly venue: 'bybit' | 'alpaca'
  readonly t0: number
  readonly instruments: readonly Instrument[]
  readonly bars: BarSource
  readonly params: Record<string, unknown>
  readonly cash: number
  /** Highest write number a write kill is drawn from, and torn steps of one write. */
  readonly writes: number
  readonly tornSteps: number
  /** Highest submit number a submit kill is drawn from (a life sends about this many orders), and request number. */
  readonly submits: number
  readonly requests: number
}

function caseOf(strategy: StrategyCase, seed: number): Case {
  if (strategy === 'grid') {
    const t0 = Date.UTC(2024, 0, 2)
    const bars = gridBars(seed, t0)
    return {
      venue: 'bybit', t0, bars, cash: 100_000, writes: 30, tornSteps: 4, submits: 4, requests: 30,
      instruments: bars.symbols.map((s) => defaultInstrument(s, 'crypto_perp', 'bybit')),
      params: {baseNotional: 2_000, multiplier: 1.3, maxLevels: 4, gridStepPct: 0.1, tpPct: 0.1, syncIntervalMs: 60_000, confirmMs: 2_000, retryMs: 5_000},
    }
  }
  const t0 = Date.UTC(2024, 0, 2, 14, 30)
  const bars = momentumBars(seed, t0)
  return {
    venue: 'alpaca', t0, bars, cash: 100_000, writes: 25, tornSteps: 2, submits: 2, requests: 15,
    instruments: bars.symbols.map((s) => defaultInstrument(s, 'us_equity', 'alpaca')),
    params: {
      scanner: {intervalMs: 60_000, threshold: 150, velocityWindow: 3, accelerationWindow: 2, volumeWindow: 5},
      buyer: {intervalMs: 15_000, sizing: {mode: 'notional', notional: 8_000}},
      monitor: {intervalMs: 15_000, stopLossPct: 0.4, trailingStopPct: 0.3},
      seller: {intervalMs: 5_000, cooldownMs: 60_000},
      orders: {pollMs: 1_000, timeoutMs: 120_000, timeoutBars: 2},
      snapshotEvery: 40,
    },
  }
}


const show = (p: Record<string, number>): string => {
  const keys = Object.keys(p).sort()
  return keys.length === 0 ? 'flat' : keys.map((k) => `${k}=${+p[k].toFixed(6)}`).join(' ')
}

function samePositions(a: Record<string, number>, b: Record<string, number>): boolean {
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) if (Math.abs((a[k] ?? 0) - (b[k] ?? 0)) > 1e-6) return false
  return true
}

export async function runStrategyCrash(opts: StrategyCrashOptions): Promise<StrategyCrashResult> {
  const started = performance.now()
  const mode = opts.mode ?? 'durable'
  const c = caseOf(opts.strategy, opts.seed)
  const rng = new Rng(opts.seed).fork(opts.strategy === 'grid' ? 21 : 22)
  const tailBars = opts.tailBars ?? 20
  const maxBars = opts.maxBars ?? 4_000
  const dir = mkdtempSync(join(tmpdir(), `strategy-crash-${opts.strategy}-${opts.seed}-`))
  const account = `crash-${opts.strategy}`
  const loop = new EventLoop(c.t0)
  const ex = new SimulatedExchange({
    loop,
    profile: profileFor(c.venue),
    instruments: c.instruments,
    // The grid's Bybit account runs in hedge mode (Bybit's default is one-way).
    config: {seed: opts.seed, initialCash: c.cash, latency: {fixedMs: 20, jitterMs: 40}, participation: 0.1, fees: {makerRate: 0.0002, takerRate: 0.0005, perShare: 0, minPerOrder: 0}, ...(c.venue === 'bybit' ? {positionMode: 'hedge' as const} : {})},
  })
  const failures: string[] = []
  const killsBy: Record<string, number> = {}
  const submitsBy = new Map<string, number>()
  let kills = 0
  let lives = 0
  let ahead = 0
  let positionChecks = 0
  let submits = 0
  let bar = 0
  let outbox: StrategyStepItem[] = []
  let child: ChildProcess | undefined
  let gen = 0
  // What the parent heard committed: the grid's last record (and the one being written), the momentum store's changes.
  let gridCommitted: GridStateRecord | null = null
  let gridWriting: GridStateRecord | null = null
  const mirror: Mirror = {seq: 0, namespaces: {}}
  const trace = process.env.STRATEGY_CRASH_TRACE ? (what: string): void => void process.stderr.write(`${opts.strategy}/${opts.seed} t=${loop.clock.now()} bar=${bar}: ${what}\n`) : (): void => {}
  const fail = (what: string): void => {
    trace(`FAIL ${what}`)
    if (failures.length < 500 && !failures.includes(what)) failures.push(what)
  }

  ex.subscribe((event) => {
    if (child) outbox.push({k: 'event', event})
  })
  // Marks at the first bar's open (the generator hands the same bars again when bar 0 is fed).
  for (let s = 0; s < c.instruments.length; s++) ex.setMark(s, c.bars.bars(0)[s].open)

  const barEnd = (i: number): number => c.bars.start(i) + TF_MS

  /** The bars of the next instant reach the venue first (it matches on them), then the session. */
  const feedBars = (withSession: boolean): void => {
    const bs = c.bars.bars(bar)
    bs.forEach((b, s) => ex.onBar(s, b.ts, b.tfMs, b.open, b.high, b.low, b.close, b.volume))
    if (withSession) for (const b of bs) outbox.push({k: 'feed', bar: b})
    bar++
  }

  const venuePositions = (): Record<string, number> => {
    const out: Record<string, number> = {}
    for (const p of ex.ledger.positions.snapshots()) if (Math.abs(p.qty) > EPS) out[`${p.symbol}:${p.side}`] = p.qty
    return out
  }

  const dispatch = (op: RequestOp, args: unknown[]): Promise<unknown> => {
    const fn = (ex as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[op]
    // JSON over the channel turns an absent argument (openOrders() for every symbol) into null.
    const p = fn.apply(ex, args.map((a) => (a === null ? undefined : a)))
    if (op === 'submitOrder') {
      submits++
      const cid = (args[0] as {clientOrderId: string}).clientOrderId
      submitsBy.set(cid, (submitsBy.get(cid) ?? 0) + 1)
      p.catch((err: unknown) => {
        if (err instanceof DuplicateClientOrderIdError) fail(`client order id ${cid} was submitted again after the venue had it`)
      })
    }
    return p
  }

  const drawPlan = (): Plan | undefined => {
    if (kills >= opts.kills) return undefined
    const r = rng.next()
    if (r < 0.3) return {kind: 'request', at: {k: 1 + rng.int(c.requests), submitsOnly: false}, deliver: rng.next() < 0.5}
    if (r < 0.5) return {kind: 'request', at: {k: 1 + rng.int(c.submits), submitsOnly: true}, deliver: rng.next() < 0.5}
    const how = (['before', 'after', 'torn'] as const)[rng.int(3)]
    return {kind: 'write', at: {n: 1 + rng.int(c.writes), how, step: 1 + rng.int(c.tornSteps)}}
  }
  const kindOf = (p: Plan): string =>
    p.kind === 'write' ? `write(${p.at.how})` : `${p.at.submitsOnly ? 'submit' : 'request'}(${p.deliver ? 'sent' : 'not sent'})`

  const checkLoaded = (m: Extract<StrategyChildMessage, {type: 'loaded-state'}>): void => {
    checkKnown(m)
    if (m.error !== undefined) {
      fail(`life ${lives}: the state does not load: ${m.error}`)
      gridCommitted = null
      gridWriting = null
      return
    }
    if (opts.strategy === 'grid') {
      const rec = m.grid ?? null
      if (isDeepStrictEqual(rec, gridCommitted)) {
        // equal to the last commit
      } else if (rec !== null && isDeepStrictEqual(rec, gridWriting)) {
        ahead++
      } else {
        fail(`life ${lives}: the recovered grid state (t=${rec?.t ?? 'none'}) is not the last committed one (t=${gridCommitted?.t ?? 'none'})`)
      }
      gridCommitted = rec
      gridWriting = null
      return
    }
    const snap = m.store!
    if (snap.seq < mirror.seq) fail(`life ${lives}: recovered state is at seq ${snap.seq}, but seq ${mirror.seq} was committed (${mirror.seq - snap.seq} committed changes lost)`)
    else if (snap.seq === mirror.seq) {
      if (!isDeepStrictEqual({...snap.namespaces}, mirror.namespaces)) fail(`life ${lives}: recovered state at seq ${snap.seq} differs from the committed state`)
    } else ahead++
    mirror.seq = snap.seq
    mirror.namespaces = structuredClone(snap.namespaces) as Record<string, Record<string, unknown>>
  }

  /**
   * Intent before request: every order the previous session sent that is still open on the venue is in the state
   * the restart recovered (the grid's slots, the pipeline's order records). Anything else means the request left
   * before its intent was durable.
   */
  const checkKnown = (m: Extract<StrategyChildMessage, {type: 'loaded-state'}>): void => {
    if (m.error !== undefined) return
    const known = new Set<string>()
    for (const g of m.grid?.grids ?? []) for (const l of g.legs) for (const sl of [l.opening, l.tp, l.entry]) if (sl) known.add(sl.cid)
    for (const cid of Object.keys(m.store?.namespaces.orders ?? {})) known.add(cid)
    for (const o of ex.orderSnapshots()) {
      if (isTerminal(o.status) || !o.clientOrderId.endsWith(`-${m.epoch - 1}`) || known.has(o.clientOrderId)) continue
      fail(`life ${lives}: ${o.clientOrderId} is open on the venue, but the recovered state does not know it (its request left before its intent was durable)`)
    }
  }

  const checkView = (v: SessionView, where: string): void => {
    for (const x of v.violations) fail(`${where}: order tracker violation ${x}`)
    if (!v.ready) return
    positionChecks++
    const venue = venuePositions()
    if (!samePositions(v.positions, venue)) fail(`${where}: the strategy holds ${show(v.positions)}, the venue ${show(venue)}`)
  }

  // One life: fork, load check, lock-step until the child dies or the run ends.
  const live = async (plan: Plan | undefined, final: boolean): Promise<'killed' | 'done'> => {
    const myGen = ++gen
    lives++
    const life = lives
    trace(`life ${life} starts; plan ${plan ? `${kindOf(plan)} ${JSON.stringify(plan.at)}` : 'none'}${final ? ' (final)' : ''}`)
    const how = await entry()
    const ch = fork(how.file, [], {execArgv: how.execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json'})
    child = ch
    let stderr = ''
    ch.on('error', () => undefined)
    ch.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
    let exited = false
    const exit = new Promise<void>((res) => ch.on('close', () => {
      exited = true
      res()
    }))
    let waiting: ((m: StrategyChildMessage) => void) | undefined
    let childNext: number | null = null
    let killedByUs = false
    let finalView: SessionView | undefined
    let lastView: SessionView | undefined
    ch.on('message', (m: StrategyChildMessage & {last?: boolean}) => {
      if (myGen !== gen || killedByUs) return
      switch (m.type) {
        case 'booted':
        case 'stepped':
          childNext = m.next
          if (m.type === 'stepped' && m.view) lastView = m.view
          waiting?.(m)
          break
        case 'final-view':
          finalView = m.view
          waiting?.(m)
          break
        case 'loaded-state':
          checkLoaded(m)
          break
        case 'writing':
          gridWriting = m.grid ?? null
          break
        case 'committed-state':
          if (m.grid) gridCommitted = m.grid
          else applyChange(mirror, m.change as StateChange)
          break
        case 'req': {
          if (m.last) {
            if (plan?.kind === 'request' && plan.deliver) dispatch(m.op, m.args).catch(() => undefined) // the venue got it; its answer is lost
            killedByUs = true
            ch.kill('SIGKILL')
            return
          }
          const id = m.id
          dispatch(m.op, m.args).then(
            (value) => myGen === gen && !exited && outbox.push({k: 'answer', id, ok: true, value: value ?? null}),
            (err: unknown) => myGen === gen && !exited && outbox.push({k: 'answer', id, ok: false, error: toWire(err)}),
          )
          loop.markAsync()
          break
        }
        default:
          break
      }
    })
    const answer = (): Promise<void> => Promise.race([new Promise<void>((res) => (waiting = () => res())), exit])
    const send = async (msg: StrategyParentMessage): Promise<void> => {
      const a = answer()
      if (exited) return
      ch.send(msg)
      await a
      waiting = undefined
    }
    const start: StrategyStart = {
      type: 'start', strategy: opts.strategy, mode, dir, account, venue: c.venue, positionMode: ex.positionMode,
      instruments: c.instruments, params: c.params, seed: opts.seed, origin: loop.clock.now(),
      ...(plan?.kind === 'write' ? {dieAtWrite: plan.at} : {}),
      ...(plan?.kind === 'request' ? {dieAtRequest: plan.at} : {}),
    }
    const booted = answer()
    ch.send(start)
    await booted
    waiting = undefined

    const endBar = final ? Math.min(maxBars, bar + tailBars) : maxBars
    // A kill point that has not come within LIFE_BARS (a write or request number this life never reaches): the
    // session is killed between two instants instead.
    const killAtBar = final ? Infinity : bar + LIFE_BARS
    let idleKill = false
    let probed = -1
    while (!exited && bar < endBar) {
      if (bar >= killAtBar) {
        idleKill = true
        ch.kill('SIGKILL')
        await exit
        break
      }
      const end = barEnd(bar)
      const probeAt = probed === bar ? Infinity : end - 1
      const t = Math.min(loop.nextTime, childNext ?? Infinity, probeAt, end)
      await loop.runUntil(t)
      loop.clock.advanceTo(t)
      await microtaskBarrier()
      if (t === end) feedBars(true)
      const probe = t === probeAt
      if (probe) probed = bar
      const items = outbox
      outbox = []
      lastView = undefined
      await send({type: 'step', t, items, ...(probe ? {probe: true} : {})})
      if (probe && lastView && !exited) checkView(lastView, `life ${life} at bar ${bar}`)
    }
    if (exited) {
      trace(`life ${life} died (${ch.signalCode ?? ch.exitCode})`)
      child = undefined
      outbox = []
      if (ch.signalCode === 'SIGKILL' && plan) {
        kills++
        const kind = idleKill ? 'between instants' : kindOf(plan)
        killsBy[kind] = (killsBy[kind] ?? 0) + 1
      } else {
        fail(`life ${life}: the session exited (code ${ch.exitCode}, signal ${ch.signalCode}): ${stderr.trim().split('\n').slice(0, process.env.STRATEGY_CRASH_TRACE ? 40 : 4).join(' | ')}`)
      }
      return 'killed'
    }
    if (!final) {
      // The bars ran out before the kill point came: the life ends here, as a clean stop would.
      ch.kill('SIGKILL')
      await exit
      child = undefined
      outbox = []
      return 'done'
    }
    // The end: no more bars; the venue and the session settle (timers, syncs, polls) for a few minutes.
    const until = loop.clock.now() + 5 * TF_MS
    while (!exited) {
      const t = Math.min(loop.nextTime, childNext ?? Infinity)
      if (t > until) break
      await loop.runUntil(t)
      loop.clock.advanceTo(t)
      await microtaskBarrier()
      const items = outbox
      outbox = []
      await send({type: 'step', t, items})
    }
    if (!exited) await send({type: 'final', t: loop.clock.now()})
    if (exited || !finalView) {
      fail(`final life: the session died before the end (${stderr.trim().split('\n').slice(0, 4).join(' | ')})`)
    } else {
      checkView(finalView, 'end')
      if (!finalView.ready) fail('end: the strategy never finished its start-up reconciliation')
      const venueOpen = ex.orderSnapshots().filter((o) => !isTerminal(o.status)).map((o) => o.clientOrderId).sort()
      const working = [...finalView.working].sort()
      if (!isDeepStrictEqual(venueOpen, working)) fail(`end: working orders differ: venue ${venueOpen.join(',') || 'none'}; strategy ${working.join(',') || 'none'}`)
    }
    ch.kill('SIGKILL')
    await exit
    child = undefined
    return 'done'
  }

  try {
    for (;;) {
      const plan = drawPlan()
      const final = plan === undefined || bar >= maxBars - tailBars
      await live(final ? undefined : plan, final)
      if (final) break
      // The restart takes a while (0.5-3 s: longer than any request's latency, so what the dead session sent has
      // landed by then), and sometimes the venue trades on for a bar or two without the session (fills it will
      // learn from the venue's reports).
      const back = loop.clock.now() + 500 + rng.int(2_500)
      while (barEnd(bar) <= back && bar < maxBars - tailBars) {
        await loop.runUntil(barEnd(bar))
        loop.clock.advanceTo(barEnd(bar))
        feedBars(false)
      }
      await loop.runUntil(back)
      loop.clock.advanceTo(Math.max(back, loop.clock.now()))
      await microtaskBarrier()
      outbox = []
      const down = rng.int(3)
      for (let i = 0; i < down && bar < maxBars - tailBars; i++) {
        const t = barEnd(bar)
        await loop.runUntil(t)
        loop.clock.advanceTo(t)
        feedBars(false)
      }
      // After a downtime the new session starts somewhere in the bar, not at its very instant (restartOnBar: at it,
      // where fills made at the bar race the start-up reconciliation — see the report of the crash test).
      if (down > 0 && !opts.restartOnBar) {
        const at = loop.clock.now() + 200 + rng.int(5_000)
        await loop.runUntil(at)
        loop.clock.advanceTo(at)
        await microtaskBarrier()
        outbox = []
      }
    }
    checkVenueOrders(opts.strategy, ex, fail)
    if (process.env.STRATEGY_CRASH_TRACE === '2') for (const o of ex.orderSnapshots()) trace(`venue order ${o.symbol} ${o.clientOrderId} ${o.side} ${o.qty} @ ${o.limitPrice ?? 'mkt'} created ${o.createdAt} ${o.status} ${o.updatedAt} filled ${o.filledQty}`)
  } finally {
    if (!opts.keepDir) rmSync(dir, {recursive: true, force: true})
  }
  const orders = ex.orderSnapshots()
  const execCount = new Map<string, number>()
  for (const f of ex.executions) execCount.set(f.clientOrderId, (execCount.get(f.clientOrderId) ?? 0) + 1)
  return {
    strategy: opts.strategy, mode, seed: opts.seed, kills, killsBy, lives, bars: bar, submits,
    venueOrders: orders.length, venueFills: ex.executions.length, partialFills: [...execCount.values()].filter((n) => n > 1).length,
    positionChecks, ahead, failures, wallMs: Math.round(performance.now() - started), dir,
  }
}

/** The venue's whole history: no two working orders for one grid slot; momentum: one entry per signal, from flat. */
function checkVenueOrders(strategy: StrategyCase, ex: SimulatedExchange, fail: (s: string) => void): void {
  const orders = ex.orderSnapshots()
  // When each order stopped working: its last update once terminal.
  if (strategy === 'grid') {
    const groups = new Map<string, typeof orders>()
    const numbers = new Map<string, string>()
    for (const o of orders) {
      const tag = parseGridId(o.clientOrderId)
      if (!tag) continue
      const slot = tag.role === 't' ? 'tp' : tag.role === 'e' ? 'entry' : 'opening'
      const k = `${o.symbol}:${tag.side}:${slot}`
      groups.set(k, [...(groups.get(k) ?? []), o])
      const nk = `${tag.symbol}_${tag.n}`
      // Order numbers are persisted and never reused (order-ids.ts): the same number under two epochs means a
      // restart did not know an order the previous session had sent.
      const other = numbers.get(nk)
      if (other) fail(`grid order number ${nk} used twice: ${other} and ${o.clientOrderId} (a restart forgot an order it had sent)`)
      else numbers.set(nk, o.clientOrderId)
    }
    // GRID-08: a level's reference quantity is fixed at first use until both legs have been flat; a restart that
    // forgot it sizes the level afresh at the new price.
    // Intervals during which both legs were flat on the venue: [from, to).
    const flat: {from: number; to: number}[] = [{from: -Infinity, to: Infinity}]
    const pos = new Map<string, number>()
    for (const f of ex.executions) {
      const sign = f.positionSide === 'short' ? (f.side === 'sell' ? 1 : -1) : f.side === 'buy' ? 1 : -1
      pos.set(f.positionSide, (pos.get(f.positionSide) ?? 0) + sign * f.qty)
      const isFlat = Math.abs(pos.get('long') ?? 0) < EPS && Math.abs(pos.get('short') ?? 0) < EPS
      const open = flat.at(-1)!.to === Infinity
      if (open && !isFlat) flat.at(-1)!.to = f.ts
      else if (!open && isFlat) flat.push({from: f.ts, to: Infinity})
    }
    const refs = new Map<number, {qty: number; cid: string; at: number}>()
    for (const o of [...orders].sort((a, b) => a.createdAt - b.createdAt)) {
      const tag = parseGridId(o.clientOrderId)
      if (!tag || tag.role === 't') continue
      const ref = refs.get(tag.level)
      if (ref && Math.abs(ref.qty - o.qty) > EPS && !flat.some((w) => w.from <= o.createdAt && w.to >= ref.at)) {
        fail(`level ${tag.level}: ${o.clientOrderId} has qty ${o.qty}, but ${ref.cid} had ${ref.qty} and both legs were never flat in between: the reference quantity was lost`)
      }
      refs.set(tag.level, {qty: o.qty, cid: o.clientOrderId, at: o.createdAt})
    }
    for (const [k, list] of groups) {
      list.sort((a, b) => a.createdAt - b.createdAt)
      for (let i = 1; i < list.length; i++) {
        const prev = list[i - 1]
        const cur = list[i]
        const prevEnd = isTerminal(prev.status) ? prev.updatedAt : Infinity
        if (prevEnd > cur.createdAt) fail(`${k}: ${cur.clientOrderId} reached the venue at ${cur.createdAt} while ${prev.clientOrderId} was still working (${prevEnd === Infinity ? 'open' : `until ${prevEnd}`})`)
      }
    }
    return
  }
  const bySignal = new Map<string, string[]>()
  for (const o of orders) {
    const m = /^mom-(.+)-b-(\d+)$/.exec(o.clientOrderId)
    if (m) bySignal.set(m[1], [...(bySignal.get(m[1]) ?? []), o.clientOrderId])
  }
  for (const [signal, ids] of bySignal) if (ids.length > 1) fail(`signal ${signal} was entered ${ids.length} times: ${ids.join(', ')}`)
  const held = new Map<string, number>()
  const seen = new Set<string>()
  for (const f of ex.executions) {
    if (/^mom-.+-b-\d+$/.test(f.clientOrderId) && !seen.has(f.clientOrderId)) {
      seen.add(f.clientOrderId)
      const before = held.get(f.symbol) ?? 0
      if (Math.abs(before) > EPS) fail(`entry ${f.clientOrderId} bought ${f.symbol} while ${before} were already held: the position doubled`)
    }
    held.set(f.symbol, (held.get(f.symbol) ?? 0) + (f.side === 'buy' ? f.qty : -f.qty))
  }
}
