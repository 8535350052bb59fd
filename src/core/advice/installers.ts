// What a RUN step really reads from the repository: the manifests of the installers it runs, and the
// files it names. Only steps that run an installer are judged: those are the expensive ones worth caching.
import { posix } from 'node:path'
import { compilePattern } from './patterns.js'
import type { RunStep } from '../dockerfile.js'

export interface Installer {
  name: string
  /** Matched against the step's words joined by spaces. */
  command: RegExp
  /** File names (basenames, wildcards allowed) the installer reads; none: it needs no file of the repository. */
  manifests: string[]
}

/** The installers advice knows (documented in the README); a step running none of them is never judged. */
const INSTALLERS: Installer[] = [
  { name: 'pip', command: /\b(pip3?|python3?(\.\d+)? -m pip) install\b/, manifests: ['requirements*.txt', 'constraints*.txt'] },
  { name: 'uv', command: /\buv (sync|pip install)\b/, manifests: ['pyproject.toml', 'uv.lock', 'requirements*.txt'] },
  { name: 'poetry', command: /\bpoetry install\b/, manifests: ['pyproject.toml', 'poetry.lock'] },
  { name: 'pipenv', command: /\bpipenv (install|sync)\b/, manifests: ['Pipfile', 'Pipfile.lock'] },
  { name: 'npm', command: /\bnpm (ci|install|i)\b/, manifests: ['package.json', 'package-lock.json', 'npm-shrinkwrap.json', '.npmrc'] },
  { name: 'yarn', command: /\byarn( install)?( --[\w-]+)*\s*($|&&|;|\|\|)/, manifests: ['package.json', 'yarn.lock', '.yarnrc', '.yarnrc.yml'] },
  { name: 'pnpm', command: /\bpnpm (install|i|fetch)\b/, manifests: ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc'] },
  { name: 'go', command: /\bgo mod download\b/, manifests: ['go.mod', 'go.sum'] },
  { name: 'cargo', command: /\bcargo fetch\b/, manifests: ['Cargo.toml', 'Cargo.lock'] },
  { name: 'bundler', command: /\bbundle install\b/, manifests: ['Gemfile', 'Gemfile.lock'] },
  { name: 'maven', command: /\bmvn\b.*\bdependency:(go-offline|resolve)\b/, manifests: ['pom.xml'] },
  { name: 'composer', command: /\bcomposer install\b/, manifests: ['composer.json', 'composer.lock'] },
  { name: 'system packages', command: /\b(apt-get|apt|yum|dnf|microdnf) install\b|\bapk add\b/, manifests: [] }
]

export function installersOf(step: RunStep): Installer[] {
  const command = step.words.join(' ')
  return INSTALLERS.filter(i => i.command.test(command))
}

/**
 * Whether an image path (where a COPY put a repository file) is a real input of the step: a manifest of
 * one of its installers, or a path its command names (`-r requirements.txt`, `.` for everything).
 */
export function inputTest(step: RunStep, installers: Installer[]): (imagePath: string) => boolean {
  const manifests = installers.flatMap(i => i.manifests).map(compilePattern)
  const named = step.words
    .map(w => w.replace(/^['"]|['"]$/g, '').replace(/^--?[\w-]+=/, ''))
    .filter(w => w && !w.startsWith('-') && !w.startsWith('$') && /^[\w.@/+,-]+$/.test(w))
    .map(w => posix.resolve(step.workdir, w))
    .filter(p => p !== '/')
  return path => manifests.some(re => re.test(posix.basename(path))) || named.some(n => path === n || path.startsWith(`${n}/`))
}
