/** The index of a segmented journal (journal-segments.ts): its segments in order, validated on every read. */
import {readFileSync} from 'node:fs'
import {z} from 'zod'
import {JournalCorruptError} from './journal-frame.js'

/** The index of the segmented journal whose first segment is `base`. */
export const indexPathOf = (base: string): string => `${base}.index.json`

const Hex8 = z.string().regex(/^[0-9a-f]{8}$/)

const SegmentEntrySchema = z
  .object({
    /** File name, in the first segment's directory. */
    name: z.string().regex(/^[^/\\]+$/),
    /** Time of the first and last record (null while it has none). */
    firstTime: z.number().nullable(),
    lastTime: z.number().nullable(),
    records: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
    /** The chain value the segment starts from, and its last record's checksum (closed segments). */
    startChecksum: Hex8,
    endChecksum: Hex8.nullable(),
    closed: z.boolean(),
  })
  .strict()

const IndexSchema = z
  .object({
    format: z.literal('trader-journal-index'),
    version: z.literal(1),
    segments: z.array(SegmentEntrySchema),
  })
  .strict()

export type SegmentEntry = z.infer<typeof SegmentEntrySchema>
export type JournalIndex = z.infer<typeof IndexSchema>

export const hex8 = (n: number): string => n.toString(16).padStart(8, '0')
export function readIndex(file: string): JournalIndex {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new JournalCorruptError(file, 0, `the index is not valid JSON (${(err as Error).message})`, 'it is written atomically, so it was changed by hand: restore it from a backup')
  }
  const parsed = IndexSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new JournalCorruptError(file, 0, `index field '${issue?.path.join('.')}': ${issue?.message}`, 'it is written atomically, so it was changed by hand: restore it from a backup')
  }
  return parsed.data
}

