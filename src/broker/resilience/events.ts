/**
 * Hooks for the session's metrics and log. Every field is structural (endpoint template, counts, durations, a
 * status or retCode or error class); no parameter, body or message text, so no credential can appear here.
 */
export interface ResilienceEvents {
  /** A request waits before leaving: for its budget, or for a venue's reset time after a refusal. */
  onWait?(e: {endpoint: string; ms: number; cause: 'budget' | 'rate_limited'}): void
  /** An attempt failed retryably and the request will be sent again (`attempt`: the one that failed). */
  onRetry?(e: {endpoint: string; attempt: number; error: string}): void
  onBreaker?(e: {endpoint: string; state: 'open' | 'half_open' | 'closed'}): void
}
