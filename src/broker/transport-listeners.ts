/** The frame and connection listeners of a transport wrapper: register, unregister, fan out in registration order. */
import type {Unsubscribe} from './port.js'
import type {ConnectionEvent, RawFrame} from './transport.js'

export class TransportListeners {
  private readonly frames = new Set<(frame: RawFrame) => void>()
  private readonly connections = new Set<(event: ConnectionEvent) => void>()

  onFrame(handler: (frame: RawFrame) => void): Unsubscribe {
    this.frames.add(handler)
    return () => void this.frames.delete(handler)
  }

  onConnection(handler: (event: ConnectionEvent) => void): Unsubscribe {
    this.connections.add(handler)
    return () => void this.connections.delete(handler)
  }

  frame(frame: RawFrame): void {
    for (const h of this.frames) h(frame)
  }

  connection(event: ConnectionEvent): void {
    for (const h of this.connections) h(event)
  }
}
