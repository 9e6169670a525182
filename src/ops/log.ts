/**
 * Logging (ALP-18, OPS-05): pino JSON lines to a rotating file (pino-roll), pretty lines on a TTY, a level per
 * module, and two layers against leaking secrets:
 *  - redaction of every field that holds credentials by name (keys, secrets, signatures, auth headers, and the
 *    whole `requestOptions` object that bybit-api errors carry), and
 *  - scrubbing of the secret VALUES themselves wherever they appear (inside messages, URLs, nested errors), for
 *    values registered with `registerSecret` when the credentials are loaded.
 */
import {mkdirSync} from 'node:fs'
import {dirname} from 'node:path'
import pino, {type DestinationStream, type Logger, type LoggerOptions} from 'pino'
import type {EngineLog} from '../engine/engine-log.js'
import {DIR_MODE, FILE_MODE} from '../state/atomic-file.js'

/** Field names that carry credentials, at any depth pino's redaction reaches (top level and three levels down: an
 * HTTP client's `response.config.headers`). */
const SECRET_FIELDS = [
  'key',
  'secret',
  'apiKey',
  'apiSecret',
  'api_key',
  'api_secret',
  'secretKey',
  'keyId',
  'password',
  'passphrase',
  'signature',
  'sign',
  'token',
  'accessToken',
  'authorization',
  'Authorization',
  'APCA-API-KEY-ID',
  'APCA-API-SECRET-KEY',
  'X-BAPI-API-KEY',
  'X-BAPI-SIGN',
  'requestOptions',
]

export const REDACT_PATHS: string[] = SECRET_FIELDS.flatMap((f) => {
  const p = /^[A-Za-z_$][\w$]*$/.test(f) ? f : `["${f}"]`
  const dot = p.startsWith('[') ? p : `.${p}`
  return [p, `*${dot}`, `*.*${dot}`, `*.*.*${dot}`]
})

export const REDACTED = '[redacted]'

const secretValues = new Set<string>()

/** Registers a credential value, so it is replaced wherever it appears in a log line. Short values are ignored. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 8) secretValues.add(value)
}

/** Replaces every registered secret value inside a string. */
export function scrubString(s: string): string {
  let out = s
  for (const v of secretValues) if (out.includes(v)) out = out.split(v).join(REDACTED)
  return out
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent'

export interface LogOptions {
  readonly level?: LogLevel
  /** Levels per module (the `module` binding of child loggers), e.g. {sim: 'warn', adapters: 'debug'}. */
  readonly modules?: Readonly<Record<string, LogLevel>>
  /** Rotating JSON log file, e.g. <logs>/trader.log; rotated by size and day. */
  readonly file?: string
  readonly rotateSize?: string
  readonly keepFiles?: number
  /** Pretty single lines (for a TTY) instead of JSON. */
  readonly pretty?: boolean
  /** An explicit destination (tests). */
  readonly destination?: DestinationStream
}

export function loggerOptions(opts: LogOptions = {}): LoggerOptions {
  return {
    level: opts.level ?? 'info',
    redact: {paths: REDACT_PATHS, censor: REDACTED},
    // Wall-clock stamps: logs are an operations artefact, outside the deterministic core.
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {level: (label) => ({level: label})},
    hooks: {
      // The message and every string argument are scrubbed of secret values before formatting.
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? scrubString(a) : a)) as Parameters<typeof method>)
      },
    },
    serializers: {err: serializeError, error: serializeError},
  }
}

/** Errors keep name, message, code and cause, scrubbed; their own enumerable fields go through redaction. */
export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return typeof err === 'string' ? scrubString(err) : err
  const e = err as Error & {code?: unknown; cause?: unknown}
  const out: Record<string, unknown> = {type: e.name, message: scrubString(e.message)}
  if (e.code !== undefined) out.code = e.code
  if (e.stack) out.stack = scrubString(e.stack)
  if (e.cause !== undefined) out.cause = serializeError(e.cause)
  return out
}

/** A scrubbing write stream: the final line is checked for registered secret values before it leaves. */
function scrubbing(dest: DestinationStream): DestinationStream {
  return {write: (line: string) => dest.write(secretValues.size > 0 ? scrubString(line) : line)}
}

export async function createLogger(opts: LogOptions = {}): Promise<Logger> {
  let dest: DestinationStream
  if (opts.destination) dest = opts.destination
  else if (opts.file) {
    mkdirSync(dirname(opts.file), {recursive: true, mode: DIR_MODE})
    const roll = (await import('pino-roll')).default
    // `mode` goes through to sonic-boom (every file pino-roll opens, rotated ones too); its types omit it.
    dest = (await roll({
      file: opts.file,
      size: opts.rotateSize ?? '50m',
      frequency: 'daily',
      mkdir: true,
      // Private like the journal and the state: a log names the account, its orders and positions.
      mode: FILE_MODE,
      limit: {count: opts.keepFiles ?? 14},
    } as Parameters<typeof roll>[0])) as DestinationStream
  } else if (opts.pretty) {
    dest = {write: (line: string) => process.stderr.write(prettyLine(line))}
  } else dest = pino.destination(2)
  const logger = pino(loggerOptions(opts), scrubbing(dest))
  return opts.modules ? withModuleLevels(logger, opts.modules) : logger
}

/** One readable line per record: time level [module] message {fields}. */
export function prettyLine(json: string): string {
  try {
    const r = JSON.parse(json) as Record<string, unknown>
    const {time, level, msg, module, pid: _pid, hostname: _h, ...rest} = r
    const fields = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : ''
    return `${String(time).slice(11, 23)} ${String(level).toUpperCase().padEnd(5)} ${module ? `[${module}] ` : ''}${msg ?? ''}${fields}\n`
  } catch {
    return json
  }
}

/** Child loggers for listed modules get their own level. */
function withModuleLevels(logger: Logger, modules: Readonly<Record<string, LogLevel>>): Logger {
  const child = logger.child.bind(logger)
  logger.child = ((bindings: Record<string, unknown>, options?: Parameters<Logger['child']>[1]) => {
    const level = typeof bindings.module === 'string' ? modules[bindings.module] : undefined
    return child(bindings, level ? {...options, level} : options)
  }) as Logger['child']
  return logger
}

/** The engine's logging surface on pino. */
export function engineLog(logger: Logger): EngineLog {
  return {
    debug: (msg, fields) => logger.debug(fields ?? {}, msg),
    info: (msg, fields) => logger.info(fields ?? {}, msg),
    warn: (msg, fields) => logger.warn(fields ?? {}, msg),
    error: (msg, fields) => logger.error(fields ?? {}, msg),
  }
}
