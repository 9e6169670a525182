/**
 * In-process publish / subscribe for engine events. Dispatch is synchronous and in subscription order, so the
 * order in which components react is fixed by the wiring, not by timing.
 */
export type Listener<T> = (event: T) => void

export class EventBus<Events extends Record<string, unknown>> {
  private readonly listeners: {[K in keyof Events]?: Listener<Events[K]>[]} = {}

  on<K extends keyof Events>(topic: K, fn: Listener<Events[K]>): () => void {
    const list = (this.listeners[topic] ??= [])
    list.push(fn)
    return () => {
      const i = list.indexOf(fn)
      if (i >= 0) list.splice(i, 1)
    }
  }

  emit<K extends keyof Events>(topic: K, event: Events[K]): void {
    const list = this.listeners[topic]
    if (!list) return
    for (let i = 0; i < list.length; i++) list[i](event)
  }

  has(topic: keyof Events): boolean {
    return (this.listeners[topic]?.length ?? 0) > 0
  }
}
