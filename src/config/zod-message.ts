/** Turns a zod error into one line: where (file and field path), what, and the fix zod suggests. */
import type {z} from 'zod'

export function zodOneLine(err: z.ZodError, where: string): string {
  const parts = err.issues.slice(0, 3).map((i) => {
    const path = i.path.length > 0 ? i.path.join('.') : '(root)'
    return `${path}: ${i.message}`
  })
  const more = err.issues.length > 3 ? ` (and ${err.issues.length - 3} more)` : ''
  return `${where}: ${parts.join('; ')}${more}`
}
