/**
 * In-process publish / subscribe for engine events. Dispatch is synchronous and in subscription order, so the
 * order in which components react is fixed by the wiring, not by timing.
 */
export type Listener<T> = (event: T) => void

export class EventBus<Events extends Record<string, unknown>> {
  /**
   * Copy on write: subscribing or unsubscribing replaces the array, so a dispatch in progress keeps iterating
   * the list it started with (an unsubscribe during dispatch used to shift the array and skip a listener).
   */
  private readonly listeners: {[K in keyof Events]?: readonly Listener<Events[K]>[]} = {}

  on<K extends keyof Events>(topic: K, fn: Listener<Events[K]>): () => void {
    this.listeners[topic] = [...(this.listeners[topic] ?? []), fn]
    let subscribed = true
    return () => {
      if (!subscribed) return
      subscribed = false
      const list = this.listeners[topic] ?? []
      const i = list.indexOf(fn)
      if (i >= 0) this.listeners[topic] = [...list.slice(0, i), ...list.slice(i + 1)]
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
