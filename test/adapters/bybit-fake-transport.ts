/**
 * Test support: a scripted VenueTransport. Each endpoint answers from a queue of scripted replies (or a default
 * reply); frames and connection events are pushed by the test; every request and subscription is recorded.
 */
import type {Unsubscribe} from '../../src/broker/port.js'
import type {ConnectionEvent, RawFrame, RawResponse, StreamSubscription, VenueRequest, VenueTransport} from '../../src/broker/transport.js'

export type Reply = RawResponse | Error | ((req: VenueRequest) => RawResponse | Error | Promise<RawResponse | Error>)

export const ok = (result: unknown, time = 1_700_000_000_000, headers: Record<string, string> = {}): RawResponse => ({
  status: 200, headers, body: {retCode: 0, retMsg: 'OK', result, retExtInfo: {}, time},
})

export const refused = (retCode: number, retMsg: string, headers: Record<string, string> = {}): RawResponse => ({
  status: 200, headers, body: {retCode, retMsg, result: {}, retExtInfo: {}, time: 1_700_000_000_000},
})

export class FakeTransport implements VenueTransport {
  readonly venue = 'bybit'
  readonly requests: VenueRequest[] = []
  readonly subscriptions: StreamSubscription[] = []
  private readonly queues = new Map<string, Reply[]>()
  private readonly defaults = new Map<string, Reply>()
  private readonly frameHandlers: ((f: RawFrame) => void)[] = []
  private readonly connectionHandlers: ((e: ConnectionEvent) => void)[] = []
  closed = false

  /** The next request(s) to `endpoint` get these replies, in order. */
  script(endpoint: string, ...replies: Reply[]): this {
    this.queues.set(endpoint, [...(this.queues.get(endpoint) ?? []), ...replies])
    return this
  }

  /** Every request to `endpoint` with no scripted reply left gets this one. */
  always(endpoint: string, reply: Reply): this {
    this.defaults.set(endpoint, reply)
    return this
  }

  endpoints(): string[] {
    return this.requests.map((r) => r.endpoint)
  }

  async request(req: VenueRequest): Promise<RawResponse> {
    this.requests.push(req)
    const q = this.queues.get(req.endpoint)
    const reply = q && q.length > 0 ? q.shift()! : this.defaults.get(req.endpoint)
    if (reply === undefined) throw new Error(`fake transport: nothing scripted for ${req.endpoint}`)
    const r = typeof reply === 'function' ? await reply(req) : reply
    if (r instanceof Error) throw r
    return r
  }

  async subscribe(sub: StreamSubscription): Promise<void> {
    this.subscriptions.push(sub)
  }

  push(stream: string, data: unknown): void {
    for (const h of [...this.frameHandlers]) h({stream, data})
  }

  connection(e: ConnectionEvent): void {
    for (const h of [...this.connectionHandlers]) h(e)
  }

  onFrame(handler: (f: RawFrame) => void): Unsubscribe {
    this.frameHandlers.push(handler)
    return () => void this.frameHandlers.splice(this.frameHandlers.indexOf(handler) >>> 0, 1)
  }

  onConnection(handler: (e: ConnectionEvent) => void): Unsubscribe {
    this.connectionHandlers.push(handler)
    return () => void this.connectionHandlers.splice(this.connectionHandlers.indexOf(handler) >>> 0, 1)
  }

  async close(): Promise<void> {
    this.closed = true
  }
}

/** Lets pending promise continuations run (the adapter's reconcile awaits several requests). */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve()
}
