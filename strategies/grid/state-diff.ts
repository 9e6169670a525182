/** Structural changes between two grid state records (plain JSON data), for the writer and the journal sink. */
import type {GridStateRecord} from './state.js'

/** One change: the path of the value in the record (keys and array indices joined by '.') and its new value. */
export type Op = [path: string, value: unknown]

export const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)

/** Changes turning `a` into `b` (both plain JSON data), `t` left out; empty when nothing but the time changed. */
export function diffState(a: GridStateRecord, b: GridStateRecord): Op[] {
  const ops: Op[] = []
  for (const k of Object.keys(b) as (keyof GridStateRecord)[]) if (k !== 't') diffInto(a[k], b[k], k, ops)
  return ops
}

function diffInto(a: unknown, b: unknown, path: string, ops: Op[]): void {
  if (a === b) return
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < b.length; i++) diffInto(a[i], b[i], `${path}.${i}`, ops)
    return
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(b)
    // The record's objects have fixed keys; any other shape is replaced whole.
    if (keys.length === Object.keys(a).length && keys.every((k) => k in a)) {
      for (const k of keys) diffInto(a[k], b[k], `${path}.${k}`, ops)
      return
    }
  }
  ops.push([path, b])
}

/** True when the two records hold the same state (their time aside): what `diffState` finds empty, without paths. */
export function sameState(a: GridStateRecord, b: GridStateRecord): boolean {
  for (const k of Object.keys(b) as (keyof GridStateRecord)[]) if (k !== 't' && !same(a[k], b[k])) return false
  return Object.keys(a).length === Object.keys(b).length
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false
    return true
  }
  if (!isObject(a) || !isObject(b)) return false
  const keys = Object.keys(b)
  if (keys.length !== Object.keys(a).length) return false
  for (const k of keys) if (!(k in a) || !same(a[k], b[k])) return false
  return true
}
