module.exports = {
  list: () => [],
  add: todo => ({ ...todo, done: false })
}
