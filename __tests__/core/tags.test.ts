// Extra tags: placeholders filled in from the commit, the full hash always first.
import { describe, expect, test } from '@jest/globals'
import { InputError } from '../../src/core/errors.js'
import { highestVersion, resolveTags, whyMissing, type TagFacts } from '../../src/core/tags.js'

const COMMIT = '0123456789abcdef0123456789abcdef01234567'
// 2024-03-09 23:30 UTC: already the 10th east of UTC, so a local-time date would differ.
const LATE_EVENING = Date.UTC(2024, 2, 9, 23, 30, 0) / 1000
const facts: TagFacts = { commit: COMMIT, commitTime: LATE_EVENING, ref: 'main' }

function tagsError(extra: string[], f: TagFacts = facts): InputError {
  try {
    resolveTags(extra, f)
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return error as InputError
  }
  throw new Error('expected an error, got none')
}

describe('resolveTags', () => {
  test('no extra tags: the full commit hash alone', () => {
    expect(resolveTags([], facts).tags).toEqual([COMMIT])
  })

  test.each<[string, string, Partial<TagFacts>]>([
    ['{githash}-x', `${COMMIT}-x`, {}],
    ['{short}', '0123456', {}],
    ['{ref}', 'main', {}],
    ['{ref}', 'feature-login', { ref: 'feature/login' }],
    ['{ref}', 'users-jo-fix-1', { ref: 'users/jo/fix-1' }],
    ['{ref}', 'v1.2.3', { ref: 'v1.2.3' }],
    ['{date}', '20240309', {}],
    ['{date}', '19700101', { commitTime: 0 }],
    ['{date}', '20000101', { commitTime: Date.UTC(2000, 0, 1, 0, 0, 0) / 1000 }],
    ['{date}', '19991231', { commitTime: Date.UTC(2000, 0, 1, 0, 0, 0) / 1000 - 1 }],
    ['v-{short}-{date}', 'v-0123456-20240309', {}],
    ['{ref}-{short}', 'release-2.x-0123456', { ref: 'release/2.x' }],
    ['latest', 'latest', {}]
  ])('%s → %s', (template, expected, overrides) => {
    expect(resolveTags([template], { ...facts, ...overrides }).tags).toEqual([COMMIT, expected])
  })

  test('the full hash first, then the extra tags in their order', () => {
    expect(resolveTags(['latest', '{short}', 'stable'], facts).tags).toEqual([COMMIT, 'latest', '0123456', 'stable'])
  })

  test('duplicates are removed, the full hash included', () => {
    expect(resolveTags(['{githash}', 'latest', 'latest', '{ref}', 'main', COMMIT], facts).tags).toEqual([COMMIT, 'latest', 'main'])
  })

  test.each<[string, string, Partial<TagFacts>]>([
    ['a leading dot', '.{short}', {}],
    ['a leading dash', '-{short}', {}],
    ['more than 128 characters', `${'x'.repeat(100)}-{githash}`, {}],
    ['an unclosed brace', 'v-{short', {}]
  ])('%s gives an invalid tag: an error naming tags', (_, template, overrides) => {
    const error = tagsError([template], { ...facts, ...overrides })
    expect(error.input).toBe('tags')
    expect(error.message.startsWith('tags: ')).toBe(true)
    expect(error.message).toContain(`'${template}'`)
  })

  test('a tag at exactly 128 characters is valid', () => {
    const template = `${'x'.repeat(87)}-{githash}`
    expect(resolveTags([template], facts).tags[1]).toHaveLength(128)
  })

  // Object.prototype's members are not placeholders.
  test.each(['{hasOwnProperty}', '{__proto__}'])('%s is no placeholder and gives no tag', template => {
    tagsError([template])
  })
})

const v = (tag: string): TagFacts['version'] => highestVersion([tag])

describe('placeholders from the commit\'s version tag, branch and pull request', () => {
  test.each<[string, string, Partial<TagFacts>]>([
    ['{version}', '1.2.3', { version: v('v1.2.3') }],
    ['{version}', '1.2.3', { version: v('1.2.3') }],
    ['{version}', '2.0.0-rc.1', { version: v('v2.0.0-rc.1') }],
    ['{major}', '1', { version: v('v1.2.3') }],
    ['{minor}', '1.2', { version: v('v1.2.3') }],
    ['{patch}', '3', { version: v('v1.2.3') }],
    ['v{minor}', 'v1.2', { version: v('v1.2.3') }],
    // metadata-action's {{major}}.{{minor}}, as a user moving from it writes it: the same release line.
    ['{major}.{minor}', '1.2', { version: v('v1.2.3') }],
    ['v{major}.{minor}.{patch}', 'v1.2.3', { version: v('v1.2.3') }],
    ['{major}.{minor}-{short}', '1.2-0123456', { version: v('v1.2.3') }],
    ['{minor}.x', '1.2.x', { version: v('v1.2.3') }],
    ['{branch}', 'main', { branch: 'main' }],
    ['{branch}', 'feature-login', { branch: 'feature/login' }],
    ['{branch}-{short}', 'main-0123456', { branch: 'main' }],
    ['{pr}', 'pr-42', { pr: 42 }],
    // The commit built, also on a pull request: never the merge ref's name.
    ['sha-{githash}', `sha-${COMMIT}`, { pr: 42, branch: 'feature/login' }]
  ])('%s → %s', (template, expected, overrides) => {
    expect(resolveTags([template], { ...facts, ...overrides })).toEqual({ tags: [COMMIT, expected], skipped: [] })
  })

  test.each<[string, string, Partial<TagFacts>, string[]]>([
    ['{version} on an untagged commit', '{version}', {}, ['version']],
    ['{major} on a prerelease: a release line never moves to one', '{major}', { version: v('v2.0.0-rc.1') }, ['major']],
    ['{minor} on a prerelease', 'v{minor}', { version: v('v2.0.0-rc.1') }, ['minor']],
    ['{major}.{minor} on a prerelease', '{major}.{minor}', { version: v('v2.0.0-rc.1') }, ['minor']],
    ['{branch} without a branch', '{branch}', {}, ['branch']],
    ['{pr} outside a pull request', '{pr}', { branch: 'main' }, ['pr']],
    ['an empty ref', '{ref}', { ref: '' }, ['ref']],
    ['two missing at once', '{branch}-{version}', {}, ['branch', 'version']]
  ])('%s: the line is skipped, not an error', (_, template, overrides, missing) => {
    expect(resolveTags(['latest', template], { ...facts, ...overrides })).toEqual({ tags: [COMMIT, 'latest'], skipped: [{ template, missing }] })
  })

  test.each(['version', 'major', 'branch', 'pr'])('a skipped {%s} says why', name => {
    expect(whyMissing(name)).not.toMatch(/has no value/)
  })

  test.each<[string[], string | undefined]>([
    [[], undefined],
    [['release', 'latest'], undefined],
    [['v1.2.3'], '1.2.3'],
    [['1.2.3', 'v1.10.0', 'v1.9.9'], '1.10.0'],
    [['v2.0.0-rc.1', 'v1.9.0'], '2.0.0-rc.1'],
    [['v2.0.0', 'v2.0.0-rc.1'], '2.0.0'],
    [['v1.2'], undefined],
    [['version-1.2.3'], undefined]
  ])('the highest semver tag of %j is %j', (tagNames, expected) => {
    expect(highestVersion(tagNames)?.version).toBe(expected)
  })
})
