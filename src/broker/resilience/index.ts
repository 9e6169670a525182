/**
 * The one resilience stack (OPS-08, ALP-05): request budgets (SlidingBudget), one backoff, one error classification
 * (classify-error.ts, the venue policies) and one retry decision (decideRetry). At the wire, ResilientTransport
 * (with circuit breakers per endpoint) wraps a live venue's transport; at the port, PortRetry and PortBudget run the
 * same decisions on the engine's Scheduler for venues without a wire (the simulator) and for the services.
 */
export {ALPACA_POLICY} from './alpaca-policy.js'
export {backoffDelay, type BackoffSettings} from './backoff.js'
export {BYBIT_POLICY} from './bybit-policy.js'
export {classifyRejection} from './classify-error.js'
export {CircuitOpenError, RateLimitWaitTooLongError, TransportClosedError} from './errors.js'
export type {ResilienceEvents} from './events.js'
export type {BreakerSettings, BudgetSpec, EndpointPolicy, LimitReport, Outcome, RateLimitSettings, RetryRules, RetrySettings, VenuePolicy} from './policy.js'
export {BudgetConfigError, PortBudget} from './port-budget.js'
export {type Backoff, DEFAULT_PORT_RETRY, PortRetry, type PortRetryDeps, type PortRetryOptions, portRetryRules, RetryAbortedError} from './port-retry.js'
export {resilientTransport, ResilientTransport, type ResilienceOptions, type ResilienceStats} from './resilient-transport.js'
export {decideRetry, type RetryCount, type RetryDecision} from './retry-decision.js'
export {SharedBudgets} from './sliding-budget.js'
export type {JitterSource, ResilienceTime} from './time.js'
export {wallTime} from './wall-time.js'
