// Writes the inputs and outputs tables of README.md from action.yml, so the two never disagree.
import { readFileSync, writeFileSync } from 'node:fs'
import { parse } from 'yaml'

const action = parse(readFileSync('action.yml', 'utf8'))
const cell = text => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ')
const inputs = Object.entries(action.inputs)
  .map(([name, i]) => `| \`${name}\` | ${i.required ? '*required*' : i.default === '' ? '' : `\`${i.default}\``} | ${cell(i.description)} |`)
  .join('\n')
const outputs = Object.entries(action.outputs)
  .map(([name, o]) => `| \`${name}\` | ${cell(o.description)} |`)
  .join('\n')

export function withTables(readme) {
  return readme
    .replace(/(<!-- inputs:start -->[\s\S]*?\| --- \| --- \| --- \|\n)[\s\S]*?(\n<!-- inputs:end -->)/, `$1${inputs}$2`)
    .replace(/(<!-- outputs:start -->[\s\S]*?\| --- \| --- \|\n)[\s\S]*?(\n<!-- outputs:end -->)/, `$1${outputs}$2`)
}

if (process.argv[2] === '--write') writeFileSync('README.md', withTables(readFileSync('README.md', 'utf8')))
