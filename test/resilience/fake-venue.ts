/**
 * A fake venue transport for the resilience tests. It counts requests the way the venues do — sliding windows per
 * bucket (Alpaca: 200/min per account; Bybit: 600 per 5 s per IP plus per-endpoint per-second limits) — at ARRIVAL
 * time, after a seeded one-way latency, and counts every request that arrives over a limit as a violation. It
 * answers like the venue: a refusal is HTTP 429 + X-RateLimit-* (Alpaca), retCode 10006 + X-Bapi-Limit-* (Bybit
 * endpoint limit) or HTTP 403 (Bybit IP limit), and every accepted answer carries the rate-limit headers. Answers
 * can be scripted per endpoint (status / body / rejection) to set up retries, breakers and unknown outcomes.
 */
import {Rng} from '../../src/core/rng.js'
import type {Unsubscribe} from '../../src/broker/port.js'
import type {ConnectionEvent, RawFrame, RawResponse, StreamSubscription, VenueRequest, VenueTransport} from '../../src/broker/transport.js'
import type {VirtualTime} from './virtual-time.js'

export interface FakeRule {
  readonly bucket: string
  readonly limit: number
  readonly windowMs: number
  /** Endpoints counted in this bucket. */
  readonly applies: (endpoint: string) => boolean
  /** Bybit: the bucket reported by X-Bapi-Limit-* headers (the endpoint's own). */
  readonly perEndpoint?: boolean
}

/** A scripted answer: a response, or a rejection (no answer arrived). `process: false` → not counted or recorded. */
export type Scripted = {readonly status: number; readonly body?: unknown; readonly headers?: Record<string, string>} | {readonly reject: Error}

export interface Arrival {
  readonly id: string
  readonly endpoint: string
  readonly at: number
  readonly accepted: boolean
}

export function alpacaRules(limit = 200): FakeRule[] {
  return [{bucket: 'account', limit, windowMs: 60_000, applies: () => true}]
}

export function bybitRules(endpointLimits: Record<string, number>, ipLimit = 600): FakeRule[] {
  return [
    {bucket: 'ip', limit: ipLimit, windowMs: 5_000, applies: () => true},
    ...Object.entries(endpointLimits).map(([endpoint, limit]) => ({bucket: endpoint, limit, windowMs: 1_000, applies: (e: string) => e === endpoint, perEndpoint: true})),
  ]
}

export class FakeVenue implements VenueTransport {
  readonly venue: 'alpaca' | 'bybit'
  violations = 0
  /** Every request in the order it was handed to the venue transport (the layer's dispatch order), with the time. */
  readonly sent: {id: string; endpoint: string; at: number}[] = []
  readonly arrivals: Arrival[] = []
  private readonly rng: Rng
  private readonly windows = new Map<string, number[]>()
  private readonly script = new Map<string, Scripted[]>()
  private readonly fallback = new Map<string, Scripted>()

  constructor(
    venue: 'alpaca' | 'bybit',
    private readonly time: VirtualTime,
    private readonly rules: readonly FakeRule[],
    private readonly latency: {readonly min: number; readonly max: number} = {min: 20, max: 80},
    seed = 7,
  ) {
    this.venue = venue
    this.rng = new Rng(seed)
  }

  /** The next answers for `endpoint`, in order; then `always` (if given) for every later request. */
  scriptFor(endpoint: string, answers: Scripted[], always?: Scripted): void {
    this.script.set(endpoint, [...answers])
    if (always) this.fallback.set(endpoint, always)
    else this.fallback.delete(endpoint)
  }

  /** Requests arriving over the limits in one bucket, preloaded as if another client had sent them at `at`. */
  preload(bucket: string, count: number, at: number): void {
    const w = this.windowOf(bucket)
    for (let i = 0; i < count; i++) w.push(at)
  }

  async request(req: VenueRequest): Promise<RawResponse> {
    const id = String(req.params.id ?? '')
    this.sent.push({id, endpoint: req.endpoint, at: this.time.now()})
    await this.time.sleep(this.oneWay())
    const at = this.time.now()
    const scripted = this.script.get(req.endpoint)?.shift() ?? this.fallback.get(req.endpoint)
    let res: RawResponse
    if (scripted && 'reject' in scripted) {
      this.arrivals.push({id, endpoint: req.endpoint, at, accepted: false})
      await this.time.sleep(this.oneWay())
      throw scripted.reject
    } else if (scripted) {
      this.arrivals.push({id, endpoint: req.endpoint, at, accepted: false})
      res = {status: scripted.status, headers: scripted.headers ?? {}, body: scripted.body ?? null}
    } else {
      res = this.count(req.endpoint, id, at)
    }
    await this.time.sleep(this.oneWay())
    return res
  }

  /** How often each id was accepted (processed) by the venue. */
  acceptedCount(): Map<string, number> {
    const m = new Map<string, number>()
    for (const a of this.arrivals) if (a.accepted) m.set(a.id, (m.get(a.id) ?? 0) + 1)
    return m
  }

  subscribe(_sub: StreamSubscription): Promise<void> {
    return Promise.resolve()
  }

  onFrame(_handler: (frame: RawFrame) => void): Unsubscribe {
    return () => undefined
  }

  onConnection(_handler: (event: ConnectionEvent) => void): Unsubscribe {
    return () => undefined
  }

  closed = false

  close(): Promise<void> {
    this.closed = true
    return Promise.resolve()
  }

  private oneWay(): number {
    return Math.round(this.latency.min + this.rng.next() * (this.latency.max - this.latency.min))
  }

  private windowOf(bucket: string): number[] {
    let w = this.windows.get(bucket)
    if (!w) this.windows.set(bucket, (w = []))
    return w
  }

  /** Arrivals of the bucket within (at − window, at]. */
  private inWindow(rule: FakeRule, at: number): number[] {
    const w = this.windowOf(rule.bucket)
    while (w.length > 0 && w[0] <= at - rule.windowMs) w.shift()
    return w
  }

  private count(endpoint: string, id: string, at: number): RawResponse {
    const rules = this.rules.filter((r) => r.applies(endpoint))
    const over = rules.find((r) => this.inWindow(r, at).length >= r.limit)
    if (over) {
      this.violations++
      this.arrivals.push({id, endpoint, at, accepted: false})
      return this.refusal(over, at)
    }
    for (const r of rules) this.windowOf(r.bucket).push(at)
    this.arrivals.push({id, endpoint, at, accepted: true})
    return {status: 200, headers: this.limitHeaders(rules, at), body: this.venue === 'bybit' ? {retCode: 0, retMsg: 'OK', result: {id}, time: at} : {id}}
  }

  private refusal(rule: FakeRule, at: number): RawResponse {
    const w = this.inWindow(rule, at)
    const resetAt = w[w.length - rule.limit] + rule.windowMs
    if (this.venue === 'alpaca') {
      return {status: 429, headers: {'x-ratelimit-limit': String(rule.limit), 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil(resetAt / 1000))}, body: {code: 42910000, message: 'rate limit exceeded'}}
    }
    if (!rule.perEndpoint) return {status: 403, headers: {}, body: 'access too frequent'}
    return {status: 200, headers: {'x-bapi-limit': String(rule.limit), 'x-bapi-limit-status': '0', 'x-bapi-limit-reset-timestamp': String(resetAt)}, body: {retCode: 10006, retMsg: 'Too many visits!', result: {}, time: at}}
  }

  private limitHeaders(rules: readonly FakeRule[], at: number): Record<string, string> {
    if (this.venue === 'alpaca') {
      const r = rules[0]
      const w = this.inWindow(r, at)
      return {'x-ratelimit-limit': String(r.limit), 'x-ratelimit-remaining': String(r.limit - w.length), 'x-ratelimit-reset': String(Math.ceil((w[0] + r.windowMs) / 1000))}
    }
    const r = rules.find((x) => x.perEndpoint)
    if (!r) return {}
    return {'x-bapi-limit': String(r.limit), 'x-bapi-limit-status': String(r.limit - this.inWindow(r, at).length), 'x-bapi-limit-reset-timestamp': String(at)}
  }
}
