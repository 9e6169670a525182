// pino-roll ships no types: the part of its API this project uses.
declare module 'pino-roll' {
  interface RollOptions {
    file: string | (() => string)
    size?: string | number
    frequency?: 'daily' | 'hourly' | number
    mkdir?: boolean
    extension?: string
    symlink?: boolean
    limit?: {count?: number; removeOtherLogFiles?: boolean}
    dateFormat?: string
  }
  export default function build(options: RollOptions): Promise<NodeJS.WritableStream & {write(s: string): boolean; end(): void; flushSync?(): void}>
}
