/**
 * A strategy's parameters checked at the boundary (flags, config and fleet files, scenarios): every mistake named,
 * a misspelt name included whether the strategy's schema refuses unknown keys or would silently drop them (the
 * bot would then run on the default), with the nearest known name.
 */
import type {z} from 'zod'
import type {StrategyFactory} from '../engine/strategy.js'

/** The parameters, parsed; or the mistakes as one line: `where: 'fsat': unknown parameter; did you mean 'fast'? ...`. */
export function parseStrategyParams<P>(factory: StrategyFactory<P>, input: unknown, where: string): {ok: true; data: P} | {ok: false; message: string} {
  const issues = paramIssues(factory.params, input)
  if (issues.length > 0) {
    const parts = issues.slice(0, 3).map((e) => `${e.path.length > 0 ? `'${e.path.map(String).join('.')}'` : '(root)'}: ${e.message}`)
    const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : ''
    return {ok: false, message: `${where}: ${parts.join('; ')}${more}`}
  }
  return {ok: true, data: factory.params.parse(input) as P}
}

/**
 * A bot's parameters against its strategy's schema. A misspelt name is an error whether the schema refuses unknown
 * keys or would silently drop them (then the bot would run on the default): each is named, with the nearest
 * known name.
 */
export function paramIssues(schema: z.ZodType, input: unknown): {path: readonly PropertyKey[]; message: string}[] {
  const unknown = (path: readonly PropertyKey[]): {path: readonly PropertyKey[]; message: string} => {
    const near = closest(String(path[path.length - 1]), knownKeys(schema, path.slice(0, -1)))
    return {path, message: `unknown parameter; ${near ? `did you mean '${near}'? ` : ''}remove or correct the spelling`}
  }
  const p = schema.safeParse(input)
  if (!p.success) {
    return p.error.issues.flatMap((e) => (e.code === 'unrecognized_keys' ? e.keys.map((k) => unknown([...e.path, k])) : [{path: e.path, message: e.message}]))
  }
  return dropped(input, p.data).map(unknown)
}

/** Keys of `input` (nested plain objects too) that parsing dropped. */
function dropped(input: unknown, output: unknown, path: readonly PropertyKey[] = []): (readonly PropertyKey[])[] {
  if (!isPlain(input) || !isPlain(output)) return []
  return Object.keys(input).flatMap((k) => (k in output ? dropped(input[k], output[k], [...path, k]) : [[...path, k]]))
}

/** The parameter names known at `path`, from the schema's defaults (none when it has required parameters). */
function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const d = schema.safeParse({})
  let at: unknown = d.success ? d.data : undefined
  for (const k of path) at = isPlain(at) ? at[String(k)] : undefined
  return isPlain(at) ? Object.keys(at) : []
}

export function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The nearest name by edit distance, when it is close enough to be a typo. */
export function closest(word: string, names: readonly string[]): string | undefined {
  let best: string | undefined
  let bestD = Infinity
  for (const n of names) {
    const d = editDistance(word.toLowerCase(), n.toLowerCase())
    if (d < bestD) {
      bestD = d
      best = n
    }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 4)) ? best : undefined
}

function editDistance(a: string, b: string): number {
  const row = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = cur
    }
  }
  return row[b.length]
}

