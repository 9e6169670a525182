/** The logging surface engine code sees; the ops layer binds it to pino, tests to an array. */
export interface EngineLog {
  debug(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
}

export const silentLog: EngineLog = {debug() {}, info() {}, warn() {}, error() {}}

/** Collects log lines in memory (tests, and the backtest's notice list). */
export class MemoryLog implements EngineLog {
  readonly lines: {level: string; msg: string; fields?: Record<string, unknown>}[] = []
  constructor(private readonly limit = 10_000) {}
  private push(level: string, msg: string, fields?: Record<string, unknown>): void {
    if (this.lines.length < this.limit) this.lines.push({level, msg, ...(fields ? {fields} : {})})
  }
  debug(msg: string, fields?: Record<string, unknown>): void {
    this.push('debug', msg, fields)
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.push('info', msg, fields)
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.push('warn', msg, fields)
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.push('error', msg, fields)
  }
}
