/**
 * Several live accounts in one process (GRID-09, live side): N paper / live sessions on ONE event loop and ONE
 * LiveDriver, sharing the venue's public market data and nothing else.
 *
 * - Public data: one credential-free transport (one public socket, each topic subscribed once on the wire) serves
 *   every account. It is shared at the wire, not above the adapter: each account's transport is a `AccountWire`
 *   that takes its public stream (subscribe, frames, connection changes) from the shared transport and everything
 *   else from its own. The account's RecordingTransport therefore journals the public frames it acted on, and each
 *   account's journal stays complete on its own (every inbound message of that session is in it), as a journal of
 *   a single-account session is. Each adapter decodes the shared frames itself (a kline frame is small).
 * - State: per account its own adapter, order tracking, engine view, gateway, journal and strategy instance.
 * - Requests: per account its own wire (SDK client with its own keys, behind its own resilience layer: account
 *   budgets, circuit breakers, retries); budgets the venue counts per IP are spent together through one
 *   `SharedBudgets` (see `openBybitAccountWires`).
 * - Errors: everything an account's strategy runs (start, bars, events, timers, stop) is guarded: a throw halts that
 *   account (recorded, journaled as `account_halted`); the loop, the driver and the other accounts go on. Without
 *   the guard a throw inside a loop task stops the driver, i.e. every account of the process.
 *
 * The loop is halted (which ends the driver) only when every account's session has ended: each session halts
 * "its" loop when it finishes, so each gets a view of the shared loop whose `halt` is counted instead.
 */
import type {VenueTransport, ConnectionEvent, RawFrame, RawResponse, StreamSubscription, VenueRequest} from '../../broker/transport.js'
import type {Unsubscribe} from '../../broker/port.js'
import type {BrokerEvent} from '../../core/events.js'
import type {Bar} from '../../core/market-data.js'
import type {ResilienceEvents, ResilientTransport, SharedBudgets, VenuePolicy} from '../../broker/resilience/index.js'
import type {BybitSdkTransportOptions} from '../../adapters/bybit/sdk-transport.js'
import {type EngineLog, silentLog} from '../../engine/engine-log.js'
import type {EventLoop} from '../../engine/event-loop.js'
import type {Journal} from '../../engine/journal.js'
import type {MetricsRegistry} from '../../engine/metrics.js'
import type {Scheduler, TimerHandle} from '../../core/time/scheduler.js'
import type {SessionRisk} from '../session-wiring.js'
import type {Strategy, StrategyContext, StrategyFigure} from '../../engine/strategy.js'
import type {LiveDriver} from './live-driver.js'
import {type LiveSessionHeader, LiveSessionHeaderSchema} from './live-header.js'
import {type LiveSessionHandle, type LiveSessionRun, type LiveVenueFactory, runLiveSession} from './live-session.js'
import {LoopTransport} from './loop-transport.js'

export class MultiAccountLiveError extends Error {
  override readonly name = 'MultiAccountLiveError'
}

const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,32}$/
/** Journal record of an account cut off after its strategy threw. */
export const ACCOUNT_HALTED_RECORD = 'account_halted'

export interface LiveAccount {
  /** Account id (1-32 letters, digits, '_' or '-'): the journal header's `account`, and the key of its results. */
  readonly id: string
  /** The account's own wire, below the loop: its SDK transport behind its own resilience layer. */
  readonly transport: VenueTransport
  readonly strategy: Strategy
  readonly journal: Journal
  /** Header fields of this account (parameters, seed, fencing epoch, risk limits) over the shared header. */
  readonly header?: Partial<Pick<LiveSessionHeader, 'params' | 'seed' | 'epoch' | 'risk'>>
  readonly risk?: SessionRisk
  readonly log?: EngineLog
  readonly metrics?: MetricsRegistry
}

export interface MultiAccountLiveOptions {
  readonly driver: LiveDriver
  /** What the accounts' headers share; `account` and `strategy` are filled per account. */
  readonly header: Omit<LiveSessionHeader, 'account' | 'strategy'>
  /** The credential-free transport of the public streams, below the loop (one socket for every account). */
  readonly publicTransport: VenueTransport
  /** Streams taken from `publicTransport` (Bybit: ['public.linear']). */
  readonly publicStreams: readonly string[]
  readonly accounts: readonly LiveAccount[]
  /** The venue adapter on an account's (recorded) wire: the same factory a single session uses. */
  readonly makeVenue: LiveVenueFactory
  /** Once every account is trading or has failed to start. Call `stop` from a loop task (LiveDriver.inbound). */
  readonly onReady?: (group: MultiAccountHandle) => void
}

export interface AccountError {
  readonly ts: number
  readonly where: string
  readonly message: string
}

export interface MultiAccountHandle {
  /** The sessions that are trading, by account id (an account that failed to start is absent). */
  readonly sessions: ReadonlyMap<string, LiveSessionHandle>
  /** Ends every session (call it from a loop task). */
  stop(reason: string): void
  /** Ends one account's session; the others go on (call it from a loop task). */
  stopAccount(id: string, reason: string): void
  /** Errors of an account so far (start-up failure, strategy throws). */
  errorsOf(id: string): readonly AccountError[]
  isHalted(id: string): boolean
}

export interface AccountLiveOutcome {
  readonly id: string
  /** The session's run; absent when it failed to start (see `startError`). */
  readonly run?: LiveSessionRun
  readonly startError?: unknown
  readonly errors: readonly AccountError[]
  /** The strategy threw and the account was cut off from further bars, events and timers. */
  readonly halted: boolean
}

export interface MultiAccountLiveRun {
  readonly accounts: readonly AccountLiveOutcome[]
}

export async function runMultiAccountLive(opts: MultiAccountLiveOptions): Promise<MultiAccountLiveRun> {
  const {driver} = opts
  const loop = driver.loop
  checkIds(opts.accounts)
  const shared = new LoopTransport(opts.publicTransport, driver)
  const sessions = new Map<string, LiveSessionHandle>()
  const guards = new Map<string, GuardedStrategy>()
  let ended = 0
  const sessionEnded = (): void => {
    if (++ended === opts.accounts.length) loop.halt()
  }

  let readyLeft = opts.accounts.length
  const oneReady = (): void => {
    if (--readyLeft === 0) opts.onReady?.(group)
  }

  const group: MultiAccountHandle = {
    sessions,
    stop(reason: string) {
      for (const h of sessions.values()) h.stop(reason)
    },
    stopAccount(id: string, reason: string) {
      const h = sessions.get(id)
      if (!h) throw new MultiAccountLiveError(`no trading session for account '${id}' (${[...sessions.keys()].join(', ') || 'none'})`)
      h.stop(reason)
    },
    errorsOf: (id) => guards.get(id)?.errors ?? [],
    isHalted: (id) => guards.get(id)?.halted ?? false,
  }

  const runs = opts.accounts.map(async (a): Promise<AccountLiveOutcome> => {
    const log = a.log ?? silentLog
    const guard = new GuardedStrategy(a.strategy, a.journal, loop, log, a.id)
    guards.set(a.id, guard)
    const wire = new AccountWire(new LoopTransport(a.transport, driver), shared, opts.publicStreams)
    const header = accountHeader(opts.header, a)
    let done = false
    const end = (): void => {
      if (done) return
      done = true
      sessionEnded()
    }
    try {
      const run = await runLiveSession({
        header, loop: haltCounted(loop, end), journal: a.journal, transport: wire, makeVenue: opts.makeVenue, strategy: guard,
        log, metrics: a.metrics, risk: a.risk,
        onReady: (h) => {
          sessions.set(a.id, h)
          oneReady()
        },
      })
      return {id: a.id, run, errors: guard.errors, halted: guard.halted}
    } catch (err) {
      // Start-up failed (keys refused, venue unreachable): this account never traded; the others are not held up.
      const started = sessions.has(a.id)
      guard.fail(started ? 'session' : 'start-up', err)
      await wire.close().catch(() => undefined)
      if (!started) oneReady()
      end()
      return {id: a.id, startError: err, errors: guard.errors, halted: guard.halted}
    }
  })

  driver.wake()
  const accounts = await Promise.all(runs)
  await shared.close()
  return {accounts}
}

/** The account's header, parsed: checked, and in the schema's key order, as a replay of its journal writes it. */
function accountHeader(shared: MultiAccountLiveOptions['header'], a: LiveAccount): LiveSessionHeader {
  const parsed = LiveSessionHeaderSchema.safeParse({...shared, ...a.header, account: a.id, strategy: a.strategy.name})
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  throw new MultiAccountLiveError(`account ${a.id}: session header field '${issue?.path.join('.') ?? ''}' ${issue?.message ?? 'is invalid'}; fix the group or account header`)
}

function checkIds(accounts: readonly {readonly id: string}[]): void {
  if (accounts.length === 0) throw new MultiAccountLiveError('no accounts: give at least one account to run')
  const seen = new Set<string>()
  for (const a of accounts) {
    if (!ACCOUNT_ID.test(a.id)) throw new MultiAccountLiveError(`account id '${a.id}' is not valid; use 1-32 letters, digits, '_' or '-'`)
    if (seen.has(a.id)) throw new MultiAccountLiveError(`account id '${a.id}' is given twice; each account needs its own id`)
    seen.add(a.id)
  }
}

/** The shared loop as one session sees it: the same loop, except that its `halt` is counted, not applied. */
function haltCounted(loop: EventLoop, onHalt: () => void): EventLoop {
  return new Proxy(loop, {
    get(target, key) {
      if (key === 'halt') return onHalt
      const v: unknown = Reflect.get(target, key, target)
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    },
  })
}

/**
 * An account's transport: requests and private streams on its own wire, the public streams from the shared one.
 * Frames and connection changes of the public streams reach every account in the order the accounts were built,
 * within the one loop task that delivered them.
 */
export class AccountWire implements VenueTransport {
  readonly venue: string
  private readonly frameHandlers = new Set<(frame: RawFrame) => void>()
  private readonly connectionHandlers = new Set<(event: ConnectionEvent) => void>()
  private readonly detach: Unsubscribe[]

  constructor(private readonly own: VenueTransport, private readonly shared: VenueTransport, private readonly publicStreams: readonly string[]) {
    this.venue = own.venue
    const isPublic = (stream: string): boolean => publicStreams.includes(stream)
    this.detach = [
      own.onFrame((f) => !isPublic(f.stream) && this.frameHandlers.forEach((h) => h(f))),
      own.onConnection((e) => !isPublic(e.stream) && this.connectionHandlers.forEach((h) => h(e))),
      shared.onFrame((f) => isPublic(f.stream) && this.frameHandlers.forEach((h) => h(f))),
      shared.onConnection((e) => isPublic(e.stream) && this.connectionHandlers.forEach((h) => h(e))),
    ]
  }

  request(req: VenueRequest): Promise<RawResponse> {
    return this.own.request(req)
  }

  subscribe(sub: StreamSubscription): Promise<void> {
    return this.publicStreams.includes(sub.stream) ? this.shared.subscribe(sub) : this.own.subscribe(sub)
  }

  onFrame(handler: (frame: RawFrame) => void): Unsubscribe {
    this.frameHandlers.add(handler)
    return () => void this.frameHandlers.delete(handler)
  }

  onConnection(handler: (event: ConnectionEvent) => void): Unsubscribe {
    this.connectionHandlers.add(handler)
    return () => void this.connectionHandlers.delete(handler)
  }

  /** Closes the account's own wire; the shared one belongs to the group and outlives any one account. */
  async close(): Promise<void> {
    for (const d of this.detach.splice(0)) d()
    await this.own.close()
  }
}

/**
 * The account's strategy behind a guard: a throw (or a rejected promise) in any of its callbacks, timers included,
 * is recorded and halts this account only.
 */
class GuardedStrategy implements Strategy {
  readonly name: string
  readonly errors: AccountError[] = []
  halted = false

  constructor(private readonly inner: Strategy, private readonly journal: Journal, private readonly loop: EventLoop, private readonly log: EngineLog, private readonly account: string) {
    this.name = inner.name
  }

  start(ctx: StrategyContext): void | Promise<void> {
    const scheduler = this.guardedScheduler(ctx.scheduler)
    return this.run('start', () => this.inner.start?.({...ctx, scheduler}))
  }

  onBar(bar: Bar): void | Promise<void> {
    return this.run('onBar', () => this.inner.onBar?.(bar))
  }

  onEvent(event: BrokerEvent): void | Promise<void> {
    return this.run('onEvent', () => this.inner.onEvent?.(event))
  }

  stop(): void | Promise<void> {
    return this.run('stop', () => this.inner.stop?.())
  }

  figures(): readonly StrategyFigure[] {
    return this.halted ? [] : (this.inner.figures?.() ?? [])
  }

  snapshot(): unknown {
    return this.inner.snapshot?.()
  }

  fail(where: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err)
    const ts = this.loop.clock.now()
    this.errors.push({ts, where, message})
    if (where === 'start-up' || where === 'session') return
    if (!this.halted) this.log.error(`account ${this.account}: strategy failed in ${where} (${message}); this account is halted, the others go on`)
    this.halted = true
    this.journal.append({t: ts, type: ACCOUNT_HALTED_RECORD, data: {where, message}})
  }

  private run(where: string, fn: () => void | Promise<void>): void | Promise<void> {
    if (this.halted) return
    try {
      const r = fn()
      if (r) return r.catch((err: unknown) => this.fail(where, err))
    } catch (err) {
      this.fail(where, err)
    }
  }

  private guardedScheduler(inner: Scheduler): Scheduler {
    const wrap = (fn: () => void) => (): void => void this.run('timer', fn)
    return {
      at: (time: number, fn: () => void): TimerHandle => inner.at(time, wrap(fn)),
      after: (delayMs: number, fn: () => void): TimerHandle => inner.after(delayMs, wrap(fn)),
      every: (intervalMs: number, fn: () => void, firstAt?: number): TimerHandle => inner.every(intervalMs, wrap(fn), firstAt),
    }
  }
}

// ---------------------------------------------------------------- Bybit wires

export interface BybitAccountWireSpec {
  readonly id: string
  readonly credentials: {readonly key: string; readonly secret: string}
  /** This account's endpoints, when they differ from the group's (e.g. one emulator per account). */
  readonly baseUrl?: string
  readonly wsUrl?: string
  /** Seeds the account's retry jitter (accounts do not retry in step). Default: derived from its position. */
  readonly seed?: number
}

export interface BybitAccountWiresOptions {
  readonly baseUrl?: string
  readonly wsUrl?: string
  /** Where the public stream connects; default baseUrl / wsUrl. */
  readonly publicEndpoints?: {readonly baseUrl?: string; readonly wsUrl?: string}
  readonly accounts: readonly BybitAccountWireSpec[]
  /** Default BYBIT_POLICY. */
  readonly policy?: VenuePolicy
  /** Resilience hooks per account ('public' for the shared public transport). */
  readonly events?: (account: string) => ResilienceEvents
  /** SDK settings every wire shares (timeouts, reconnect wait, testnet / demo); never credentials. */
  readonly sdk?: Omit<BybitSdkTransportOptions, 'credentials' | 'baseUrl' | 'wsUrl'>
}

export interface BybitAccountWires {
  /** One per process: per-IP budgets spent by every wire below, per-account budgets kept apart by account id. */
  readonly budgets: SharedBudgets
  /** Credential-free: the public streams (and public REST) for every account. */
  readonly publicWire: ResilientTransport
  /** Each account's own SDK client behind its own resilience layer (budgets, breakers, retries, errors). */
  readonly accounts: ReadonlyMap<string, ResilientTransport>
  close(): Promise<void>
}

/** The wires of several Bybit accounts in one process: one SharedBudgets, one public transport, one wire per account. */
export async function openBybitAccountWires(opts: BybitAccountWiresOptions): Promise<BybitAccountWires> {
  const {resilientTransport, BYBIT_POLICY, SharedBudgets} = await import('../../broker/resilience/index.js')
  const {createBybitSdkTransport} = await import('../../adapters/bybit/sdk-transport.js')
  checkIds(opts.accounts)
  const policy = opts.policy ?? BYBIT_POLICY
  const budgets = new SharedBudgets()
  const pub = opts.publicEndpoints ?? {}
  const publicSdk = await createBybitSdkTransport({...opts.sdk, baseUrl: pub.baseUrl ?? opts.baseUrl, wsUrl: pub.wsUrl ?? opts.wsUrl})
  const publicWire = resilientTransport(publicSdk, policy, opts.events?.('public'), {sharedBudgets: budgets, account: 'public', seed: 0x9b11c})
  const accounts = new Map<string, ResilientTransport>()
  let i = 0
  for (const a of opts.accounts) {
    i++
    const sdk = await createBybitSdkTransport({...opts.sdk, credentials: a.credentials, baseUrl: a.baseUrl ?? opts.baseUrl, wsUrl: a.wsUrl ?? opts.wsUrl})
    accounts.set(a.id, resilientTransport(sdk, policy, opts.events?.(a.id), {sharedBudgets: budgets, account: a.id, seed: a.seed ?? 0x5eed + i * 7919}))
  }
  return {
    budgets,
    publicWire,
    accounts,
    async close() {
      await Promise.all([publicWire, ...accounts.values()].map((t) => t.close().catch(() => undefined)))
    },
  }
}
