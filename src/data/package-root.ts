/** The installed package's root directory (where package.json is), found from this module, not the cwd. */

import {existsSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

let root: string | undefined

/** Works from the sources (src/data) and the build (dist/src/data) alike. */
export function packageRoot(): string {
  if (root) return root
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as {name?: string}).name === 'trader') {
      root = dir
      return dir
    }
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`Cannot find the trader package root above ${fileURLToPath(import.meta.url)}.`)
    dir = parent
  }
}
