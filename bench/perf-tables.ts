// `npm run perf-tables`: writes the tables of docs/performance.md from the bench's results
// (bench/results/*.json), as `npm run readme` writes the README's inputs table from action.yml.
import { readFileSync, writeFileSync } from 'node:fs'
import { markedResults, performancePage, withTables } from './results.js'

const page = readFileSync(performancePage, 'utf8')
const written = withTables(page)
writeFileSync(performancePage, written)
console.log(`docs/performance.md: ${markedResults(page).length} tables from bench/results/${written === page ? ', unchanged' : ''}`)
