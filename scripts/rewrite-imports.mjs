#!/usr/bin/env node
/**
 * Rewrites relative import specifiers after modules moved (issue 13, "Layers, enforced").
 *
 *   node scripts/rewrite-imports.mjs scripts/moves-issue-13.txt [--move] [files...]
 *
 * The moves file holds one `old → new` per line (repository-relative paths; `#` starts a comment). With `--move`
 * each `old` is first `git mv`ed to `new` (or deleted, when `new` already exists: a re-export shim replaced by its
 * target). Then every listed file (default: every tracked .ts/.js/.mjs/.cjs file outside node_modules and dist) has
 * each quoted relative specifier ending in .js or .ts re-pointed: a specifier that resolves from the file's current
 * place is left alone (so the script is idempotent and safe on files written after the move); otherwise it is
 * resolved from the file's old place (when the file itself moved), mapped through the moves, and made relative to
 * the file's current place. Unresolvable specifiers are reported, not guessed.
 */
import {execFileSync} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join, posix, relative} from 'node:path'

const args = process.argv.slice(2)
const movesFile = args.shift()
if (!movesFile) {
  console.error('usage: rewrite-imports.mjs MOVES_FILE [--move] [files...]')
  process.exit(2)
}
const doMove = args[0] === '--move' ? (args.shift(), true) : false

/** old path → new path, repository-relative, .ts. */
const moves = new Map()
for (const raw of readFileSync(movesFile, 'utf8').split('\n')) {
  const line = raw.replace(/#.*/, '').trim()
  if (!line) continue
  const [from, to] = line.split(/\s*(?:→|->)\s*/)
  if (!from || !to) throw new Error(`bad line in ${movesFile}: ${raw}`)
  moves.set(from, to)
}
const oldOf = new Map([...moves].map(([o, n]) => [n, o]))

if (doMove) {
  for (const [from, to] of moves) {
    if (!existsSync(from)) continue
    if (existsSync(to)) execFileSync('git', ['rm', '-q', from])
    else {
      execFileSync('mkdir', ['-p', dirname(to)])
      execFileSync('git', ['mv', from, to])
    }
  }
}

const files = args.length > 0
  ? args
  : execFileSync('git', ['ls-files', '-co', '--exclude-standard'], {encoding: 'utf8'})
      .split('\n')
      .filter((f) => /\.(ts|js|mjs|cjs)$/.test(f) && !f.startsWith('node_modules/') && !f.startsWith('dist/') && existsSync(f))

/** The source file a specifier target names (`x.js` is written for `x.ts`). */
function sourceOf(path) {
  const ts = path.replace(/\.js$/, '.ts')
  return [ts, path].find((p) => existsSync(p))
}

const SPEC = /(['"`])(\.\.?\/[^'"`$\n]*?\.(?:js|ts))\1/g
let changed = 0
for (const file of files) {
  const text = readFileSync(file, 'utf8')
  const here = dirname(file)
  const there = dirname(oldOf.get(file) ?? file)
  const out = text.replace(SPEC, (whole, q, spec) => {
    if (sourceOf(posix.normalize(join(here, spec)))) return whole
    const oldTarget = posix.normalize(join(there, spec)).replace(/\.js$/, '.ts')
    const newTarget = moves.get(oldTarget) ?? moves.get(oldTarget.replace(/\.ts$/, '.js')) ?? oldTarget
    if (!existsSync(newTarget)) {
      console.error(`${file}: cannot resolve ${spec}`)
      return whole
    }
    let rel = relative(here, newTarget).split('\\').join('/')
    if (!rel.startsWith('.')) rel = `./${rel}`
    if (spec.endsWith('.js')) rel = rel.replace(/\.ts$/, '.js')
    return `${q}${rel}${q}`
  })
  if (out !== text) {
    writeFileSync(file, out)
    changed++
  }
}
console.log(`rewrote ${changed} file(s)`)
