/**
 * Journals the venue traffic verbatim, at the session time it happened: each request (numbered, so replay pairs
 * answers with requests even when they overtake each other), its answer or failure, every frame and connection
 * change. It sits above the loop transport, so the times it records are the receive times the session acted on.
 * Nothing here can hold a credential: signing happens below, in the SDK transport.
 */
import type {Unsubscribe} from '../../broker/port.js'
import type {ConnectionEvent, RawFrame, RawResponse, StreamSubscription, VenueRequest, VenueTransport} from '../../broker/transport.js'
import type {Clock} from '../../core/time/clock.js'
import type {JournalSink} from '../../engine/journal.js'
import {recordedError} from '../../engine/recording-broker.js'
import {TransportListeners} from '../../broker/transport-listeners.js'

/** Journal record types of venue traffic. */
export const VENUE_RECORD = {
  request: 'venue_request',
  response: 'venue_response',
  subscribe: 'venue_subscribe',
  subscribed: 'venue_subscribed',
  frame: 'venue_frame',
  connection: 'venue_connection',
} as const

export class RecordingTransport implements VenueTransport {
  readonly venue: string
  private n = 0
  private readonly listeners = new TransportListeners()
  private readonly detach: Unsubscribe[]

  // One inner subscription each, taken at once: every frame is journaled exactly once, handlers or not.
  constructor(private readonly inner: VenueTransport, private readonly journal: JournalSink, private readonly clock: Clock) {
    this.venue = inner.venue
    this.detach = [
      inner.onFrame((frame) => {
        this.journal.append({t: this.clock.now(), type: VENUE_RECORD.frame, data: {stream: frame.stream, data: frame.data}})
        this.listeners.frame(frame)
      }),
      inner.onConnection((event) => {
        this.journal.append({t: this.clock.now(), type: VENUE_RECORD.connection, data: event})
        this.listeners.connection(event)
      }),
    ]
  }

  async request(req: VenueRequest): Promise<RawResponse> {
    const n = ++this.n
    this.journal.append({t: this.clock.now(), type: VENUE_RECORD.request, data: {n, endpoint: req.endpoint, params: req.params, path: req.path ?? null}})
    try {
      const res = await this.inner.request(req)
      this.journal.append({t: this.clock.now(), type: VENUE_RECORD.response, data: {n, status: res.status, headers: res.headers, body: res.body}})
      return res
    } catch (err) {
      this.journal.append({t: this.clock.now(), type: VENUE_RECORD.response, data: {n, error: recordedError(err)}})
      throw err
    }
  }

  async subscribe(sub: StreamSubscription): Promise<void> {
    const n = ++this.n
    this.journal.append({t: this.clock.now(), type: VENUE_RECORD.subscribe, data: {n, stream: sub.stream, topics: sub.topics}})
    try {
      await this.inner.subscribe(sub)
      this.journal.append({t: this.clock.now(), type: VENUE_RECORD.subscribed, data: {n}})
    } catch (err) {
      this.journal.append({t: this.clock.now(), type: VENUE_RECORD.subscribed, data: {n, error: recordedError(err)}})
      throw err
    }
  }

  onFrame(handler: (frame: RawFrame) => void): Unsubscribe {
    return this.listeners.onFrame(handler)
  }

  onConnection(handler: (event: ConnectionEvent) => void): Unsubscribe {
    return this.listeners.onConnection(handler)
  }

  close(): Promise<void> {
    for (const d of this.detach) d()
    return this.inner.close()
  }
}
