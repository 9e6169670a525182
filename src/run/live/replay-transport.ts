/**
 * The venue of a replayed live session: answers each request with the answer the journal recorded for it, and
 * delivers every recorded frame and connection change, each at its recorded receive time and queued the way the
 * live driver queued it (ahead of timers of the same millisecond). The adapter above decodes them again, so a
 * replay runs the same decoding, order tracking and strategy code as the session did.
 */
import type {Unsubscribe} from '../../broker/port.js'
import type {ConnectionEvent, RawFrame, RawResponse, StreamSubscription, VenueRequest, VenueTransport} from '../../broker/transport.js'
import type {EventLoop} from '../../engine/event-loop.js'
import type {JournalRecord} from '../../engine/journal.js'
import type {RecordedError} from '../../engine/recording-broker.js'
import {rebuildError} from '../replay-venue.js'
import {VENUE_RECORD} from './recording-transport.js'
import {TransportListeners} from '../../broker/transport-listeners.js'

interface RecordedCall {
  readonly kind: 'request' | 'subscribe'
  readonly key: string
  answer?: {readonly t: number; readonly response?: RawResponse; readonly error?: RecordedError}
}

export class ReplayDivergenceError extends Error {
  override readonly name = 'ReplayDivergenceError'
}

export class ReplayTransport implements VenueTransport {
  private readonly calls = new Map<number, RecordedCall>()
  private next = 0
  private readonly listeners = new TransportListeners()
  /** Recorded frames and connection changes delivered so far. */
  delivered = 0
  /** The highest call number the recording holds. */
  private lastRecorded = 0
  /** Calls made after the recording's last one (a killed recording: the session went on past its end). */
  beyond = 0

  /** `open`: the recording was cut off (a killed session); calls past its last one stay pending and are counted apart. */
  constructor(readonly venue: string, records: readonly JournalRecord[], private readonly loop: EventLoop, private readonly open = false) {
    for (const r of records) {
      const d = r.data as Record<string, unknown>
      switch (r.type) {
        case VENUE_RECORD.request:
          this.calls.set(d.n as number, {kind: 'request', key: requestKey(d.endpoint, d.params, d.path)})
          this.lastRecorded = Math.max(this.lastRecorded, d.n as number)
          break
        case VENUE_RECORD.subscribe:
          this.calls.set(d.n as number, {kind: 'subscribe', key: requestKey(d.stream, d.topics, null)})
          this.lastRecorded = Math.max(this.lastRecorded, d.n as number)
          break
        case VENUE_RECORD.response:
        case VENUE_RECORD.subscribed: {
          const call = this.calls.get(d.n as number)
          if (call) {
            call.answer = d.error
              ? {t: r.t, error: d.error as RecordedError}
              : {t: r.t, response: call.kind === 'request' ? {status: d.status as number, headers: d.headers as Record<string, string>, body: d.body} : undefined}
          }
          break
        }
        case VENUE_RECORD.frame: {
          const frame = {stream: d.stream as string, data: d.data}
          this.at(r.t, () => this.listeners.frame(frame))
          break
        }
        case VENUE_RECORD.connection: {
          const event = r.data as ConnectionEvent
          this.at(r.t, () => this.listeners.connection(event))
          break
        }
      }
    }
  }

  request(req: VenueRequest): Promise<RawResponse> {
    return this.answer('request', requestKey(req.endpoint, req.params, req.path ?? null)) as Promise<RawResponse>
  }

  async subscribe(sub: StreamSubscription): Promise<void> {
    await this.answer('subscribe', requestKey(sub.stream, sub.topics, null))
  }

  onFrame(handler: (frame: RawFrame) => void): Unsubscribe {
    return this.listeners.onFrame(handler)
  }

  onConnection(handler: (event: ConnectionEvent) => void): Unsubscribe {
    return this.listeners.onConnection(handler)
  }

  async close(): Promise<void> {}

  /** Calls the replay made that the recording does not hold, or holds differently (the replay diverged). */
  unmatched = 0

  private answer(kind: RecordedCall['kind'], key: string): Promise<RawResponse | undefined> {
    const n = ++this.next
    const call = this.calls.get(n)
    return new Promise((resolve, reject) => {
      if (!call && this.open && n > this.lastRecorded) {
        this.beyond++
        return
      }
      if (!call || call.kind !== kind || call.key !== key) {
        this.unmatched++
        if (call) reject(new ReplayDivergenceError(`replayed ${kind} #${n} differs from the recording: ${key.slice(0, 120)}`))
        return
      }
      // Recorded without an answer: still in flight when the session ended, so it stays pending here too.
      if (!call.answer) return
      const a = call.answer
      const settle = (): void => {
        if (a.error) reject(rebuildError(a.error, this.venue))
        else resolve(a.response)
        this.loop.markAsync()
      }
      this.loop.scheduleFirst(Math.max(a.t, this.loop.clock.now()), settle)
    })
  }

  private at(t: number, fn: () => void): void {
    this.loop.scheduleFirst(t, () => {
      this.delivered++
      fn()
      this.loop.markAsync()
    })
  }
}

function requestKey(endpoint: unknown, params: unknown, path: unknown): string {
  return JSON.stringify([endpoint, params, path])
}
