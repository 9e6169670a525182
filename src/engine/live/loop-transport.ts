/**
 * A transport whose every answer, frame and connection change reaches the session as a task of its event loop, at
 * receive time (LiveDriver.inbound). Without it an answer would resume the strategy in whatever macrotask the
 * socket fired in, between two loop tasks, and the recording could not say where.
 */
import type {Unsubscribe} from '../../broker/port.js'
import type {ConnectionEvent, RawFrame, RawResponse, StreamSubscription, VenueRequest, VenueTransport} from '../../broker/transport.js'
import type {LiveDriver} from './live-driver.js'

export class LoopTransport implements VenueTransport {
  readonly venue: string
  private readonly frameHandlers = new Set<(frame: RawFrame) => void>()
  private readonly connectionHandlers = new Set<(event: ConnectionEvent) => void>()
  private readonly detach: Unsubscribe[]

  constructor(private readonly inner: VenueTransport, private readonly driver: LiveDriver) {
    this.venue = inner.venue
    this.detach = [
      inner.onFrame((frame) => driver.inbound(() => this.frameHandlers.forEach((h) => h(frame)))),
      inner.onConnection((event) => driver.inbound(() => this.connectionHandlers.forEach((h) => h(event)))),
    ]
  }

  request(req: VenueRequest): Promise<RawResponse> {
    return this.deliver(this.inner.request(req))
  }

  subscribe(sub: StreamSubscription): Promise<void> {
    return this.deliver(this.inner.subscribe(sub))
  }

  onFrame(handler: (frame: RawFrame) => void): Unsubscribe {
    this.frameHandlers.add(handler)
    return () => void this.frameHandlers.delete(handler)
  }

  onConnection(handler: (event: ConnectionEvent) => void): Unsubscribe {
    this.connectionHandlers.add(handler)
    return () => void this.connectionHandlers.delete(handler)
  }

  async close(): Promise<void> {
    for (const d of this.detach) d()
    await this.inner.close()
  }

  private deliver<T>(p: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      p.then(
        (v) => this.driver.inbound(() => resolve(v)),
        (err: unknown) => this.driver.inbound(() => reject(err)),
      )
    })
  }
}
