// The branch and pull request of the run's event, from GitHub's variables: the head branch on pull
// requests, never the merge ref.
import { describe, expect, test } from '@jest/globals'
import { eventOf } from '../../src/action/main.js'

describe('eventOf', () => {
  test.each<[string, Record<string, string>, ReturnType<typeof eventOf>]>([
    ['a push to a branch', { GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/main' }, { branch: 'main' }],
    ['a branch with slashes', { GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/release/2.x' }, { branch: 'release/2.x' }],
    ['a pull request', { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/42/merge', GITHUB_HEAD_REF: 'feature/login' }, { branch: 'feature/login', pr: 42, fromPullRequest: true }],
    ['pull_request_target', { GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_REF: 'refs/pull/7/merge', GITHUB_HEAD_REF: 'fix' }, { branch: 'fix', pr: 7, fromPullRequest: true }],
    // Its ref is the base branch's, yet the commit is a stranger's: still a pull request's.
    ['pull_request_target on the base ref', { GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_REF: 'refs/heads/main', GITHUB_HEAD_REF: 'fix' }, { branch: 'main', fromPullRequest: true }],
    ['a tag push: no branch', { GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/tags/v1.2.3' }, {}],
    ['a dispatch on a branch', { GITHUB_EVENT_NAME: 'workflow_dispatch', GITHUB_REF: 'refs/heads/main' }, { branch: 'main' }],
    ['outside GitHub', {}, {}]
  ])('%s', (_, env, expected) => {
    expect(eventOf(env)).toEqual(expected)
  })
})
