// Third-party notices of one bundle: every package whose code ncc put into it (read from ncc's
// --stats-out, chunks included), with its version, its license and the license texts it ships.
// ncc's own --license writes one file per chunk, so a bundle with a lazy chunk kept only that chunk's.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, sep } from 'node:path'

const [statsFile, outFile, bundle] = process.argv.slice(2)
if (!statsFile || !outFile || !bundle) {
  console.error('usage: node scripts/notices.mjs STATS.json OUT.txt BUNDLE-NAME')
  process.exit(2)
}

const stats = JSON.parse(readFileSync(statsFile, 'utf8'))
const NM = `${sep}node_modules${sep}`

/** The package directory a bundled file belongs to: the innermost node_modules/<name> or node_modules/@scope/<name>. */
function packageDir(file) {
  const at = file.lastIndexOf(NM)
  if (at < 0) return undefined
  const rest = file.slice(at + NM.length).split(sep)
  const name = rest[0].startsWith('@') ? rest.slice(0, 2) : rest.slice(0, 1)
  return file.slice(0, at + NM.length) + name.join(sep)
}

const dirs = new Set()
const visit = module => {
  for (const id of [module.identifier, module.name, module.nameForCondition]) {
    if (typeof id !== 'string') continue
    // Loaders come before the file, separated by '!'; the file is the last part.
    const file = id.split('!').at(-1).split('?')[0]
    const dir = packageDir(file)
    if (dir && existsSync(join(dir, 'package.json'))) dirs.add(dir)
  }
  for (const inner of module.modules ?? []) visit(inner)
}
for (const module of stats.modules ?? []) visit(module)
for (const child of stats.children ?? []) for (const module of child.modules ?? []) visit(module)

// Said as it is: an old package that declares no license is listed, not left out.
const UNDECLARED = 'not declared by the package'
const LICENSE_FILE = /^(licen[cs]e|copying|notice)([.-].*)?$/i
const packages = new Map()
for (const dir of dirs) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  if (!pkg.name || !pkg.version) continue
  const key = `${pkg.name}@${pkg.version}`
  if (packages.has(key)) continue
  const license = typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? (pkg.licenses ?? []).map(l => l.type ?? l).join(' OR ')) || UNDECLARED
  const files = readdirSync(dir)
    .filter(f => LICENSE_FILE.test(f))
    .sort()
    .map(f => readFileSync(join(dir, f), 'utf8').replace(/\r\n/g, '\n').trim())
  const repository = typeof pkg.repository === 'string' ? pkg.repository : (pkg.repository?.url ?? '')
  packages.set(key, { name: pkg.name, version: pkg.version, license, repository, files })
}

const entries = [...packages.values()].sort((a, b) => (a.name === b.name ? a.version.localeCompare(b.version) : a.name < b.name ? -1 : 1))

const rule = '-'.repeat(78)
const parts = [
  `Third-party software in ${bundle}`,
  '',
  `${bundle} is hashdock's code bundled with the ${entries.length} packages below. Each is used under its own`,
  'license, whose text follows its name as the package ships it.',
  '',
  ...entries.map(p => `  ${p.name}@${p.version}  ${p.license}`),
  ''
]
for (const p of entries) {
  parts.push(rule, `${p.name}@${p.version}`, `License: ${p.license}`)
  if (p.repository) parts.push(`Source: ${p.repository.replace(/^git\+/, '')}`)
  parts.push('')
  parts.push(p.files.length ? p.files.join('\n\n') : p.license === UNDECLARED ? '(The package ships no license file and declares no license.)' : `(The package ships no license file; its package.json declares ${p.license}.)`)
  parts.push('')
}
writeFileSync(outFile, parts.join('\n'))
