/**
 * The executions the adapter has applied, by two keys: the execution id, and (venue order id, cumulative filled
 * quantity after the fill). Alpaca's stream has no sequence numbers and its REST fills (account activities) carry
 * the order id and cumulative quantity too, so the second key recognises a fill from either channel even if the
 * two channels ever named it differently; the index then answers with the id the fill was first applied under.
 * Memory is bounded: two generations of `capacity` entries.
 */
export class FillIndex {
  private current = new Map<string, string>()
  private previous = new Map<string, string>()

  constructor(private readonly capacity = 100_000) {}

  static cumKey(venueOrderId: string, cumQty: number): string {
    return `${venueOrderId}@${cumQty}`
  }

  /** The id under which this fill was applied, or undefined when it is new. */
  known(execId: string, cumKey: string): string | undefined {
    return this.get(`x:${execId}`) ?? this.get(`c:${cumKey}`)
  }

  /** Records a fill as applied under `execId`. */
  add(execId: string, cumKey: string): void {
    this.set(`x:${execId}`, execId)
    this.set(`c:${cumKey}`, execId)
  }

  private get(k: string): string | undefined {
    return this.current.get(k) ?? this.previous.get(k)
  }

  private set(k: string, v: string): void {
    if (this.current.size >= this.capacity) {
      this.previous = this.current
      this.current = new Map()
    }
    this.current.set(k, v)
  }
}
