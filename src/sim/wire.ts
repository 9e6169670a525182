/**
 * The wire between the simulated venue and its clients. Events go out on one FIFO channel per kind, each with its
 * own latency; requests travel to the venue and their answers travel back, each after the latency model's delay.
 * Fault rules delay, drop, duplicate or reorder events, take the event stream down for a window, and fail,
 * rate-limit or time out requests; the venue's own request budget refuses requests over it. All drawn from the seed.
 */
import type {BrokerEvent} from '../core/events.js'
import {RateLimitError, RequestTimeoutError, VenueUnavailableError} from '../broker/errors.js'
import type {BrokerEventHandler, Unsubscribe} from '../broker/port.js'
import type {EventLoop} from '../engine/event-loop.js'
import type {SimConfig} from './config.js'
import type {FaultInjector, RequestKind} from './faults.js'
import type {LatencyModel} from './latency.js'

/** Events from the venue to its subscribers. */
export class EventWire {
  private readonly handlers: BrokerEventHandler[] = []
  private readonly channelTail = new Map<string, number>()
  /** Event-stream outages [from, to) from 'disconnect' fault rules, in time order. */
  private readonly outages: readonly {from: number; to: number}[]
  /** Events lost because the stream was down when they were due (a real socket loses them too). */
  eventsLostToOutage = 0

  constructor(private readonly loop: EventLoop, private readonly latency: LatencyModel, private readonly faults: FaultInjector) {
    this.outages = faults.disconnectWindows()
    for (const w of this.outages) {
      loop.scheduleVenue(w.from, () => this.deliverNow({kind: 'connection', ts: w.from, status: 'disconnected'}))
      loop.scheduleVenue(w.to, () => this.deliverNow({kind: 'connection', ts: w.to, status: 'connected'}))
    }
  }

  subscribe(handler: BrokerEventHandler): Unsubscribe {
    this.handlers.push(handler)
    return () => {
      const i = this.handlers.indexOf(handler)
      if (i >= 0) this.handlers.splice(i, 1)
    }
  }

  /**
   * Sends an event down its channel: after the channel's latency, never before an earlier event of the same
   * channel (websocket frames do not overtake each other), unless a fault says otherwise.
   */
  emit(event: BrokerEvent): void {
    if (this.handlers.length === 0) return
    const now = this.loop.clock.now()
    const symbol = eventSymbol(event)
    const fault = this.faults.forEvent(event.kind, symbol, now)
    if (fault?.action === 'drop') return
    const tail = this.channelTail.get(event.kind) ?? -Infinity
    let at = Math.max(now + this.latency.sample(event.kind), tail)
    if (fault?.action === 'delay') {
      // A delayed frame holds back the channel behind it, as on one socket.
      at += fault.delayMs
    }
    if (fault?.action === 'reorder') {
      // Held back until just after the channel's next event.
      this.faults.holdForReorder(event.kind, event)
      return
    }
    this.channelTail.set(event.kind, at)
    this.deliverAt(at, event)
    const held = this.faults.releaseHeld(event.kind)
    if (held) this.deliverAt(at, held)
    if (fault?.action === 'duplicate') this.deliverAt(at, event)
  }

  /** Whether the event stream is down at venue time `t` (a 'disconnect' fault window covers it). */
  streamDownAt(t: number): boolean {
    for (const w of this.outages) if (t >= w.from && t < w.to) return true
    return false
  }

  /**
   * Releases reordered events still held back (when no later event came to pass them). Called after the strategies
   * stopped; delivered a millisecond later so a replay, which holds nothing and delivers them at their recorded
   * time, also delivers them after its stop (at the stop's own time they would reach a strategy still running).
   */
  flushHeld(): void {
    for (const ev of this.faults.drainHeld()) this.deliverAt(this.loop.clock.now() + 1, ev)
  }

  private deliverAt(at: number, event: BrokerEvent): void {
    this.loop.scheduleVenue(at, () => {
      if (this.outages.length > 0 && this.streamDownAt(at)) {
        this.eventsLostToOutage++
        return
      }
      for (let i = 0; i < this.handlers.length; i++) this.handlers[i](event)
    })
  }

  private deliverNow(event: BrokerEvent): void {
    for (let i = 0; i < this.handlers.length; i++) this.handlers[i](event)
  }
}

/** Requests to the venue and their answers. */
export class RequestWire {
  /** The venue's request budget: requests counted in the current fixed window. */
  private rateWindowStart = -Infinity
  private rateWindowCount = 0

  /** `market.syncPath` brings the venue's market up to the instant a request arrives. */
  constructor(
    private readonly loop: EventLoop,
    private readonly venue: string,
    private readonly latency: LatencyModel,
    private readonly faults: FaultInjector,
    private readonly rateLimit: SimConfig['rateLimit'],
    private readonly market: {syncPath(): void},
  ) {}

  /**
   * A request's round trip: it reaches the venue after the request latency, is handled against the venue's
   * state at that instant, and its answer comes back after the response latency. Faults apply here.
   */
  request<T>(kind: RequestKind, symbol: string | undefined, handle: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const fault = this.faults.forRequest(kind, symbol, this.loop.clock.now())
      const arrive = this.loop.clock.now() + this.latency.sample('request') + (fault?.action === 'delay' ? fault.delayMs : 0)
      this.loop.schedule(arrive, () => {
        // The market as it is now: a time-true bar's marks (and book) caught up to this instant.
        this.market.syncPath()
        const respondAt = this.loop.clock.now() + this.latency.sample('response')
        // Settling the request's promise starts its caller's continuation: the loop must let it run.
        const answer = (fn: () => void): void =>
          this.loop.scheduleVenue(respondAt, () => {
            this.loop.markAsync()
            fn()
          })
        const limited = this.overBudget()
        if (limited !== undefined) {
          answer(() => reject(new RateLimitError(`simulated ${this.venue}: request budget of ${this.rateLimit!.requests} per ${this.rateLimit!.windowMs} ms used up (${kind}); retry after ${limited}`, this.venue, limited, '10006')))
          return
        }
        if (fault?.action === 'fail') {
          answer(() => reject(new VenueUnavailableError(`simulated ${this.venue}: ${kind} failed (injected fault); retry with the same client order id`, this.venue, '503')))
          return
        }
        if (fault?.action === 'rate_limit') {
          const resetAt = this.loop.clock.now() + fault.resetMs
          answer(() => reject(new RateLimitError(`simulated ${this.venue}: rate limit on ${kind}; retry after ${resetAt}`, this.venue, resetAt, '429')))
          return
        }
        let result: T
        try {
          result = handle()
        } catch (err) {
          answer(() => reject(err))
          return
        }
        if (fault?.action === 'timeout') {
          // The venue did the work; only the answer is lost. The caller must query to learn the outcome.
          answer(() => reject(new RequestTimeoutError(`simulated ${this.venue}: ${kind} timed out; outcome unknown, query the order`, this.venue)))
          return
        }
        answer(() => resolve(result))
      })
    })
  }

  /** Counts a request against the venue's budget; returns the reset time when the budget is used up. */
  private overBudget(): number | undefined {
    const rl = this.rateLimit
    if (!rl) return undefined
    const now = this.loop.clock.now()
    if (now >= this.rateWindowStart + rl.windowMs) {
      this.rateWindowStart = now - (now % rl.windowMs)
      this.rateWindowCount = 0
    }
    if (this.rateWindowCount >= rl.requests) return this.rateWindowStart + rl.windowMs
    this.rateWindowCount++
    return undefined
  }
}

function eventSymbol(e: BrokerEvent): string | undefined {
  switch (e.kind) {
    case 'order':
      return e.order.symbol
    case 'execution':
      return e.fill.symbol
    case 'position':
      return e.position.symbol
    default:
      return undefined
  }
}
