/**
 * A transport whose every answer, frame and connection change reaches the session as a task of its event loop, at
 * receive time (LiveDriver.inbound). Without it an answer would resume the strategy in whatever macrotask the
 * socket fired in, between two loop tasks, and the recording could not say where.
 */
import type {Unsubscribe} from '../../broker/port.js'
import type {ConnectionEvent, RawFrame, RawResponse, StreamSubscription, VenueRequest, VenueTransport} from '../../broker/transport.js'
import type {LiveDriver} from './live-driver.js'
import {TransportListeners} from '../../broker/transport-listeners.js'

export class LoopTransport implements VenueTransport {
  readonly venue: string
  private readonly listeners = new TransportListeners()
  private readonly detach: Unsubscribe[]

  constructor(private readonly inner: VenueTransport, private readonly driver: LiveDriver) {
    this.venue = inner.venue
    this.detach = [
      inner.onFrame((frame) => driver.inbound(() => this.listeners.frame(frame))),
      inner.onConnection((event) => driver.inbound(() => this.listeners.connection(event))),
    ]
  }

  request(req: VenueRequest): Promise<RawResponse> {
    return this.deliver(this.inner.request(req))
  }

  subscribe(sub: StreamSubscription): Promise<void> {
    return this.deliver(this.inner.subscribe(sub))
  }

  onFrame(handler: (frame: RawFrame) => void): Unsubscribe {
    return this.listeners.onFrame(handler)
  }

  onConnection(handler: (event: ConnectionEvent) => void): Unsubscribe {
    return this.listeners.onConnection(handler)
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
